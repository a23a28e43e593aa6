#pragma once

#include "chartpanel.h"

class QLineSeries;

namespace accession {

struct EvaluationReport;

// Calibration: accuracy against confidence before and after temperature scaling, beside the diagonal of a
// perfectly calibrated model.
class CalibrationPanel : public ChartPanel
{
    Q_OBJECT
public:
    explicit CalibrationPanel(QWidget *parent = nullptr);
    void setReport(const EvaluationReport &report);
    QLineSeries *calibratedCurve() const { return m_calibrated; }
    QLineSeries *uncalibratedCurve() const { return m_uncalibrated; }

private:
    QLineSeries *m_calibrated;
    QLineSeries *m_uncalibrated;
};

} // namespace accession
