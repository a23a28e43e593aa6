#include "collectionimportjob.h"

namespace accession {

CollectionImportSummary CollectionImportJob::summary() const
{
    QMutexLocker lock(&m_mutex);
    return m_summary;
}

void CollectionImportJob::publish(const CollectionImportSummary &summary)
{
    QMutexLocker lock(&m_mutex);
    m_summary = summary;
}

void CollectionImportJob::runEngine(const std::function<void(CollectionImportSummary &, const WorkControl &)> &engine)
{
    CollectionImportSummary summary;
    WorkControl control = workControl();
    control.progress = [this, &summary](qint64 done, qint64 total, const QString &message) {
        publish(summary);
        reportProgress(done, total, message);
    };
    try {
        engine(summary, control);
    } catch (...) {
        publish(summary);
        throw;
    }
    publish(summary);
}

MetImportJob::MetImportJob(MetImportRequest request, QObject *parent)
    : CollectionImportJob(parent)
    , m_request(std::move(request))
{
}

void MetImportJob::run()
{
    runEngine([this](CollectionImportSummary &summary, const WorkControl &control) { importFromMet(m_request, summary, control); });
}

IiifImportJob::IiifImportJob(IiifImportRequest request, QObject *parent)
    : CollectionImportJob(parent)
    , m_request(std::move(request))
{
}

void IiifImportJob::run()
{
    runEngine([this](CollectionImportSummary &summary, const WorkControl &control) { importFromIiif(m_request, summary, control); });
}

} // namespace accession
