#pragma once

#include "jobs/job.h"
#include "ml/architecture.h"
#include "ml/trainingestimate.h"

#include <QMutex>

namespace accession {

// Measures a few batches through the chosen network off the GUI thread, for the Train dialog's time estimate.
class RateMeasurementJob : public Job
{
    Q_OBJECT
public:
    // Also counts the catalog's labelled items (imported and curator labels), which the estimate multiplies.
    RateMeasurementJob(QString catalogPath, Architecture architecture, int imageSize, QObject *parent = nullptr);
    MeasuredRates rates() const;
    int labelledItems() const;
    Architecture architecture() const { return m_architecture; }
    int imageSize() const { return m_imageSize; }

protected:
    void run() override;

private:
    QString m_catalogPath;
    Architecture m_architecture;
    int m_imageSize;
    mutable QMutex m_mutex;
    MeasuredRates m_rates;
    int m_labelledItems = 0;
};

} // namespace accession
