#pragma once

#include "jobs/job.h"
#include "ml/ensemble.h"

#include <QMutex>

namespace accession {

// Joins trained models into one ensemble file, and calibrates it, off the GUI thread (ml's buildEnsemble).
class EnsembleJob : public Job
{
    Q_OBJECT
public:
    explicit EnsembleJob(EnsembleRequest request, QObject *parent = nullptr);
    EnsembleResult result() const;

protected:
    void run() override;

private:
    EnsembleRequest m_request;
    mutable QMutex m_mutex;
    EnsembleResult m_result;
};

} // namespace accession
