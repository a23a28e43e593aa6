#pragma once

#include "chartpanel.h"

#include "ml/metrics.h"

class QLabel;
class QLineSeries;
class QPushButton;
class QScatterSeries;
class QSlider;
class QTimer;

namespace accession {

// Accuracy against coverage with the auto-file threshold marked, and the control that moves it: before the
// threshold is applied it says how many items it would file and at what expected accuracy. The counts come from
// whoever holds the catalog: the panel asks for them (countsWanted) a moment after the slider stops, and only
// while it is shown, so that neither a drag nor a review decision behind a hidden panel counts the catalog.
class ThresholdPanel : public ChartPanel
{
    Q_OBJECT
public:
    // How long the slider must rest before the counts are asked for.
    static constexpr int kCountDelayMs = 150;

    explicit ThresholdPanel(QWidget *parent = nullptr);

    // The validation items' coverage curve, from which the expected accuracy at a threshold is read.
    void setCoverageCurve(const QVector<CoveragePoint> &curve);
    // The model's threshold (0-1), set without asking for counts; false disables the control (no model).
    void setModelThreshold(double threshold);
    void setModelAvailable(bool available);
    double threshold() const;
    // Accuracy of the validation items at or above the threshold; negative when none is that confident.
    double expectedAccuracy() const { return m_expectedAccuracy; }
    // The counts changed (a decision, an import): asks for them again, a moment later and only when shown.
    void recount();
    // The answer to countsWanted(threshold); an answer for another threshold than the slider's is ignored.
    void showCounts(double threshold, qint64 filed, qint64 classified);
    void showCountFailure(double threshold, const QString &message);

    QSlider *slider() const { return m_slider; }
    QLabel *consequences() const { return m_consequences; }
    QPushButton *applyButton() const { return m_apply; }
    QScatterSeries *thresholdMarker() const { return m_marker; }

Q_SIGNALS:
    void countsWanted(double threshold);
    void countsShown();
    void applyRequested(double threshold);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void thresholdMoved();
    void askForCounts();

    QLineSeries *m_coverage;
    QScatterSeries *m_marker;
    QSlider *m_slider;
    QLabel *m_consequences;
    QPushButton *m_apply;
    QTimer *m_countDelay;
    QVector<CoveragePoint> m_curve;
    double m_expectedAccuracy = -1;
    bool m_modelAvailable = false;
    bool m_countsStale = false; // asked for while hidden
};

} // namespace accession
