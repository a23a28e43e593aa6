#pragma once

#include "chartpanel.h"

class QBarCategoryAxis;

namespace accession {

class PerClassMetricsModel;

// Accuracy per department as bars, fed by the metrics model through a model mapper; each bar carries the
// department's short label, and hovering it names the department.
class PerClassAccuracyPanel : public ChartPanel
{
    Q_OBJECT
public:
    explicit PerClassAccuracyPanel(PerClassMetricsModel *metrics, QWidget *parent = nullptr);
    // The labels under the bars, in the model's row order.
    QStringList barLabels() const;

private:
    void labelBars();
    void showBarToolTip(bool entered, int row);

    PerClassMetricsModel *m_metrics;
    QBarCategoryAxis *m_departmentsAxis;
};

} // namespace accession
