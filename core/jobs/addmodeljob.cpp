#include "addmodeljob.h"

#include "catalog/catalog.h"
#include "catalog/modelregistry.h"
#include "ml/modelregistration.h"

namespace accession {

AddModelJob::AddModelJob(QString catalogPath, QString modelPath, QObject *parent)
    : Job(parent)
    , m_catalogPath(std::move(catalogPath))
    , m_modelPath(std::move(modelPath))
{
}

qint64 AddModelJob::modelId() const
{
    QMutexLocker lock(&m_mutex);
    return m_modelId;
}

void AddModelJob::run()
{
    reportProgress(0, 1, tr("Checking the model %1").arg(m_modelPath));
    // The same registration as the command line and the retrain dialog: a model that cannot classify is refused.
    const qint64 id = registerModelFile(m_catalogPath, m_modelPath);
    throwIfCancelled();
    Catalog catalog(m_catalogPath);
    ModelRegistry(catalog).activate(id);
    QMutexLocker lock(&m_mutex);
    m_modelId = id;
}

} // namespace accession
