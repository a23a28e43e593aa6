#include "classifyjob.h"

namespace accession {

ClassifyJob::ClassifyJob(ClassifyRequest request, QObject *parent)
    : Job(parent)
    , m_request(std::move(request))
{
}

ClassifySummary ClassifyJob::summary() const
{
    QMutexLocker lock(&m_mutex);
    return m_summary;
}

void ClassifyJob::publish(const ClassifySummary &summary)
{
    QMutexLocker lock(&m_mutex);
    m_summary = summary;
}

void ClassifyJob::run()
{
    ClassifySummary summary;
    WorkControl control = workControl();
    // The engine fills summary on this thread; readers get a copy at each report.
    control.progress = [this, &summary](qint64 done, qint64 total, const QString &message) {
        publish(summary);
        reportProgress(done, total, message);
    };
    try {
        classifyCatalog(m_request, summary, control);
    } catch (...) {
        publish(summary);
        throw;
    }
    publish(summary);
}

} // namespace accession
