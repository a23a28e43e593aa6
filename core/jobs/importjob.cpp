#include "importjob.h"

namespace accession {

ImportJob::ImportJob(QString catalogPath, ImportRequest request, QObject *parent)
    : Job(parent)
    , m_catalogPath(std::move(catalogPath))
    , m_request(std::move(request))
{
}

ImportSummary ImportJob::summary() const
{
    QMutexLocker lock(&m_summaryMutex);
    return m_summary;
}

void ImportJob::publish(const ImportSummary &summary)
{
    QMutexLocker lock(&m_summaryMutex);
    m_summary = summary;
}

void ImportJob::run()
{
    ImportSummary summary;
    WorkControl control = workControl();
    // The engine fills summary on this thread between batches; readers get a copy at each report.
    control.progress = [this, &summary](qint64 done, qint64 total, const QString &message) {
        publish(summary);
        reportProgress(done, total, message);
    };
    try {
        importIntoCatalog(m_catalogPath, m_request, summary, control);
    } catch (...) {
        publish(summary);
        throw;
    }
    publish(summary);
}

} // namespace accession
