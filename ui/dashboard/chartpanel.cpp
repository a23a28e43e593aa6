#include "chartpanel.h"

#include "appearance.h"

#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QLegend>
#include <QVBoxLayout>

namespace accession {

ChartPanel::ChartPanel(QChart *chart, QWidget *parent)
    : QWidget(parent)
{
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    m_view = new QChartView(chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumHeight(240);
    m_layout = new QVBoxLayout(this);
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->addWidget(m_view);
}

void ChartPanel::followPaletteInChart()
{
    followPalette(m_view->chart(), palette());
}

void ChartPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        followPaletteInChart();
}

} // namespace accession
