#include "addweightsjob.h"

#include "ml/pretrainedweights.h"

namespace accession {

AddWeightsJob::AddWeightsJob(QString catalogPath, QString weightsPath, QObject *parent)
    : Job(parent)
    , m_catalogPath(std::move(catalogPath))
    , m_weightsPath(std::move(weightsPath))
{
}

AddedWeights AddWeightsJob::added() const
{
    QMutexLocker lock(&m_mutex);
    return m_added;
}

void AddWeightsJob::run()
{
    reportProgress(0, 1, tr("Checking the weights %1").arg(m_weightsPath));
    const AddedWeights added = addPretrainedWeights(m_catalogPath, m_weightsPath);
    throwIfCancelled();
    reportProgress(1, 1, tr("Added %1 weights %2").arg(added.architecture, added.path));
    QMutexLocker lock(&m_mutex);
    m_added = added;
}

} // namespace accession
