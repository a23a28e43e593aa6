#include "perclassaccuracypanel.h"

#include "chartaxes.h"
#include "dashboardmodels.h"
#include "displaytext.h"
#include "plurals.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QLegend>
#include <QToolTip>
#include <QVBarModelMapper>
#include <QValueAxis>

namespace accession {

namespace {

constexpr int kUprightLabelsFrom = 12; // departments, beyond which the bars' labels stand upright

} // namespace

PerClassAccuracyPanel::PerClassAccuracyPanel(PerClassMetricsModel *metrics, QWidget *parent)
    : ChartPanel(new QChart, parent)
    , m_metrics(metrics)
    , m_departmentsAxis(new QBarCategoryAxis)
{
    auto *series = new QBarSeries;
    auto *mapper = new QVBarModelMapper(this);
    mapper->setFirstBarSetColumn(PerClassMetricsModel::AccuracyColumn);
    mapper->setLastBarSetColumn(PerClassMetricsModel::AccuracyColumn);
    mapper->setSeries(series);
    mapper->setModel(m_metrics);
    QChart *chart = chartView()->chart();
    chart->addSeries(series);
    chart->addAxis(m_departmentsAxis, Qt::AlignBottom);
    QValueAxis *accuracyAxis = unitAxis(tr("accuracy"));
    chart->addAxis(accuracyAxis, Qt::AlignLeft);
    series->attachAxis(m_departmentsAxis);
    series->attachAxis(accuracyAxis);
    chart->legend()->hide();
    // Full names do not fit under nine bars ("European Paintings" and "European Sculpture..." both become
    // "Europ..."): the bars carry the confusion matrix's short labels, and hovering one names its department.
    connect(m_metrics, &QAbstractItemModel::modelReset, this, &PerClassAccuracyPanel::labelBars);
    connect(series, &QBarSeries::hovered, this, &PerClassAccuracyPanel::showBarToolTip);
    labelBars();
    followPaletteInChart();
}

QStringList PerClassAccuracyPanel::barLabels() const
{
    return m_departmentsAxis->categories();
}

void PerClassAccuracyPanel::labelBars()
{
    QStringList names;
    for (int row = 0; row < m_metrics->rowCount(); ++row)
        names << m_metrics->index(row, PerClassMetricsModel::NameColumn).data().toString();
    m_departmentsAxis->clear();
    // Qt Charts draws category labels as rich text.
    m_departmentsAxis->append(richTextSafeLabels(shortDepartmentLabels(names)));
    // Many bars leave each label less width than four letters: standing upright, they show whole.
    m_departmentsAxis->setLabelsAngle(names.size() > kUprightLabelsFrom ? -90 : 0);
}

void PerClassAccuracyPanel::showBarToolTip(bool entered, int row)
{
    if (!entered) {
        QToolTip::hideText();
        return;
    }
    const auto cell = [this, row](int column, int role = Qt::DisplayRole) { return m_metrics->index(row, column).data(role); };
    QToolTip::showText(QCursor::pos(),
                       plainToolTip(tr("%1: accuracy %2 on %3")
                                        .arg(elided(cell(PerClassMetricsModel::NameColumn).toString(), kToolTipChars),
                                             cell(PerClassMetricsModel::AccuracyColumn, Qt::ToolTipRole).toString(),
                                             plural(cell(PerClassMetricsModel::SupportColumn).toInt(), tr("%1 item"), tr("%1 items")))));
}

} // namespace accession
