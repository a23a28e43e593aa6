#include "ensemblejob.h"

namespace accession {

EnsembleJob::EnsembleJob(EnsembleRequest request, QObject *parent)
    : Job(parent)
    , m_request(std::move(request))
{
}

EnsembleResult EnsembleJob::result() const
{
    QMutexLocker lock(&m_mutex);
    return m_result;
}

void EnsembleJob::run()
{
    const EnsembleResult result = buildEnsemble(m_request, workControl());
    QMutexLocker lock(&m_mutex);
    m_result = result;
}

} // namespace accession
