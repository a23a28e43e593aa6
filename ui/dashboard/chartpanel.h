#pragma once

#include <QWidget>

class QChart;
class QChartView;
class QVBoxLayout;

namespace accession {

// A dashboard panel around one chart, so that each chart follows the palette (light or dark) on its own.
class ChartPanel : public QWidget
{
    Q_OBJECT
public:
    QChartView *chartView() const { return m_view; }

protected:
    // Takes the chart; controls a panel adds go below it, in panelLayout().
    explicit ChartPanel(QChart *chart, QWidget *parent = nullptr);
    QVBoxLayout *panelLayout() const { return m_layout; }
    // Colours the chart as the palette says: the panel calls it once its series and axes are in the chart.
    void followPaletteInChart();
    void changeEvent(QEvent *event) override;

private:
    QChartView *m_view;
    QVBoxLayout *m_layout;
};

} // namespace accession
