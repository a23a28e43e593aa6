#include "calibrationpanel.h"

#include "chartaxes.h"

#include "ml/metrics.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>

namespace accession {

CalibrationPanel::CalibrationPanel(QWidget *parent)
    : ChartPanel(new QChart, parent)
    , m_calibrated(new QLineSeries)
    , m_uncalibrated(new QLineSeries)
{
    m_calibrated->setName(tr("after temperature scaling"));
    m_calibrated->setPointsVisible(true);
    m_calibrated->setPen(QPen(QColor(0xe6, 0x7e, 0x22), 2));
    m_uncalibrated->setName(tr("before"));
    // Broad and pale beneath the calibrated line, so that it still shows where the two coincide (a temperature
    // near 1).
    QPen broadPen(QColor(0x7c, 0xb3, 0x42, 150), 7);
    broadPen.setCapStyle(Qt::RoundCap);
    broadPen.setJoinStyle(Qt::RoundJoin);
    m_uncalibrated->setPen(broadPen);
    auto *diagonal = new QLineSeries;
    diagonal->setName(tr("perfect"));
    diagonal->append(0, 0);
    diagonal->append(1, 1);
    diagonal->setPen(QPen(Qt::gray, 1, Qt::DashLine));
    QChart *chart = chartView()->chart();
    QValueAxis *confidenceAxis = unitAxis(tr("confidence"));
    QValueAxis *accuracyAxis = unitAxis(tr("accuracy"));
    chart->addAxis(confidenceAxis, Qt::AlignBottom);
    chart->addAxis(accuracyAxis, Qt::AlignLeft);
    for (QLineSeries *series : {diagonal, m_uncalibrated, m_calibrated}) {
        chart->addSeries(series);
        series->attachAxis(confidenceAxis);
        series->attachAxis(accuracyAxis);
    }
    followPaletteInChart();
}

void CalibrationPanel::setReport(const EvaluationReport &report)
{
    // Empty bins have no accuracy to show.
    m_calibrated->clear();
    for (const ReliabilityBin &bin : report.reliability) {
        if (bin.count > 0)
            m_calibrated->append(bin.meanConfidence, bin.accuracy);
    }
    m_uncalibrated->clear();
    for (const ReliabilityBin &bin : report.reliabilityUncalibrated) {
        if (bin.count > 0)
            m_uncalibrated->append(bin.meanConfidence, bin.accuracy);
    }
}

} // namespace accession
