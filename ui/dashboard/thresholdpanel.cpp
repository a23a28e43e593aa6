#include "thresholdpanel.h"

#include "chartaxes.h"
#include "displaytext.h"

#include <QChart>
#include <QChartView>
#include <QLabel>
#include <QLineSeries>
#include <QPushButton>
#include <QScatterSeries>
#include <QSlider>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace accession {

namespace {

constexpr int kSliderSteps = 1000; // the slider's positions between 0 and 1

} // namespace

ThresholdPanel::ThresholdPanel(QWidget *parent)
    : ChartPanel(new QChart, parent)
    , m_coverage(new QLineSeries)
    , m_marker(new QScatterSeries)
    , m_slider(new QSlider(Qt::Horizontal, this))
    , m_consequences(new QLabel(this))
    , m_apply(new QPushButton(tr("Apply threshold"), this))
    , m_countDelay(new QTimer(this))
{
    m_coverage->setName(tr("accept the most confident first"));
    m_marker->setName(tr("threshold"));
    m_marker->setMarkerSize(12);
    QChart *chart = chartView()->chart();
    QValueAxis *coverageAxis = unitAxis(tr("share of items auto-filed"));
    QValueAxis *accuracyAxis = unitAxis(tr("accuracy of those"));
    chart->addAxis(coverageAxis, Qt::AlignBottom);
    chart->addAxis(accuracyAxis, Qt::AlignLeft);
    for (QXYSeries *series : {static_cast<QXYSeries *>(m_coverage), static_cast<QXYSeries *>(m_marker)}) {
        chart->addSeries(series);
        series->attachAxis(coverageAxis);
        series->attachAxis(accuracyAxis);
    }
    m_slider->setRange(0, kSliderSteps);
    m_consequences->setTextFormat(Qt::PlainText);
    m_consequences->setWordWrap(true);
    m_apply->setEnabled(false);
    panelLayout()->addWidget(m_slider);
    panelLayout()->addWidget(m_consequences);
    panelLayout()->addWidget(m_apply, 0, Qt::AlignRight);
    m_countDelay->setSingleShot(true);
    m_countDelay->setInterval(kCountDelayMs);
    connect(m_countDelay, &QTimer::timeout, this, &ThresholdPanel::askForCounts);
    connect(m_slider, &QSlider::valueChanged, this, &ThresholdPanel::thresholdMoved);
    connect(m_apply, &QPushButton::clicked, this, [this] { Q_EMIT applyRequested(threshold()); });
    followPaletteInChart();
}

void ThresholdPanel::setCoverageCurve(const QVector<CoveragePoint> &curve)
{
    m_curve = curve;
    m_coverage->clear();
    for (const CoveragePoint &point : curve)
        m_coverage->append(point.coverage, point.accuracy);
    thresholdMoved();
}

void ThresholdPanel::setModelThreshold(double threshold)
{
    const QSignalBlocker blocker(m_slider);
    m_slider->setValue(int(std::lround(std::clamp(threshold, 0.0, 1.0) * kSliderSteps)));
    thresholdMoved();
}

void ThresholdPanel::setModelAvailable(bool available)
{
    m_modelAvailable = available;
    thresholdMoved();
}

double ThresholdPanel::threshold() const
{
    return m_slider->value() / double(kSliderSteps);
}

void ThresholdPanel::recount()
{
    thresholdMoved();
}

void ThresholdPanel::thresholdMoved()
{
    m_apply->setEnabled(m_modelAvailable);
    if (!m_modelAvailable) {
        m_countDelay->stop();
        m_countsStale = false;
        m_marker->clear();
        m_expectedAccuracy = -1;
        m_consequences->clear();
        return;
    }
    // Expected accuracy: on validation items at or above the threshold (calibrated confidences).
    const double at = threshold();
    double expected = -1;
    double coverage = 0;
    for (const CoveragePoint &point : m_curve) {
        if (point.threshold >= at) {
            expected = point.accuracy;
            coverage = point.coverage;
        }
    }
    m_marker->clear();
    if (expected >= 0)
        m_marker->append(coverage, expected);
    m_expectedAccuracy = expected;
    m_consequences->setText(tr("At a confidence of %1: counting the items it would file…").arg(percentText(at)));
    m_countDelay->start();
}

void ThresholdPanel::askForCounts()
{
    if (!m_modelAvailable)
        return;
    if (!isVisible()) {
        // Each review decision asks again; a hidden panel asks once, when it is shown.
        m_countsStale = true;
        return;
    }
    Q_EMIT countsWanted(threshold());
}

void ThresholdPanel::showEvent(QShowEvent *event)
{
    ChartPanel::showEvent(event);
    if (m_countsStale) {
        m_countsStale = false;
        askForCounts();
    }
}

void ThresholdPanel::showCounts(double threshold, qint64 filed, qint64 classified)
{
    if (!m_modelAvailable || threshold != this->threshold())
        return; // the slider moved on; its own counts follow
    m_consequences->setText(tr("At a confidence of %1: %2 of %3 unlabelled classified items would be filed automatically, %4 "
                               "would wait for review. Expected accuracy of the automatic filing: %5 (on validation items).")
                                .arg(percentText(threshold)).arg(filed).arg(classified).arg(classified - filed)
                                .arg(m_expectedAccuracy >= 0 ? percentText(m_expectedAccuracy)
                                                             : tr("no validation item is this confident")));
    Q_EMIT countsShown();
}

void ThresholdPanel::showCountFailure(double threshold, const QString &message)
{
    if (!m_modelAvailable || threshold != this->threshold())
        return;
    m_consequences->setText(tr("At a confidence of %1: the catalog could not be read (%2).")
                                .arg(percentText(threshold), elided(message, kShownMessageChars)));
}

} // namespace accession
