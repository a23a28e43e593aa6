#pragma once

#include "jobs/job.h"
#include "ml/nearduplicates.h"

#include <QMutex>

namespace accession {

// Finds and saves the catalog's near-duplicate groups off the GUI thread (ml's findNearDuplicates).
class NearDuplicatesJob : public Job
{
    Q_OBJECT
public:
    explicit NearDuplicatesJob(NearDuplicateRequest request, QObject *parent = nullptr);
    NearDuplicateReport report() const;

protected:
    void run() override;

private:
    NearDuplicateRequest m_request;
    mutable QMutex m_mutex;
    NearDuplicateReport m_report;
};

} // namespace accession
