#include "nearduplicatesjob.h"

namespace accession {

NearDuplicatesJob::NearDuplicatesJob(NearDuplicateRequest request, QObject *parent)
    : Job(parent)
    , m_request(std::move(request))
{
}

NearDuplicateReport NearDuplicatesJob::report() const
{
    QMutexLocker lock(&m_mutex);
    return m_report;
}

void NearDuplicatesJob::run()
{
    const NearDuplicateReport report = findNearDuplicates(m_request, workControl());
    QMutexLocker lock(&m_mutex);
    m_report = report;
}

} // namespace accession
