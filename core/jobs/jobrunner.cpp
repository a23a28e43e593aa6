#include "jobrunner.h"

#include "job.h"

#include <QEventLoop>
#include <QMetaObject>

namespace accession {

JobRunner::JobRunner(QObject *parent)
    : QObject(parent)
{
    m_thread.setObjectName(QStringLiteral("accession-job"));
    m_thread.start();
}

JobRunner::~JobRunner()
{
    cancel();
    m_thread.quit();
    m_thread.wait();
}

bool JobRunner::start(std::unique_ptr<Job> job)
{
    if (m_running)
        return false;
    m_job = std::move(job);
    m_running = true;
    Job *rawJob = m_job.get();
    rawJob->moveToThread(&m_thread);
    QMetaObject::invokeMethod(rawJob, [this, rawJob] {
        const bool ok = rawJob->exec();
        // Hand the job back to the runner's thread so its owner can read results and delete it there.
        rawJob->moveToThread(thread());
        QMetaObject::invokeMethod(this, [this, rawJob, ok] {
            m_running = false;
            Q_EMIT jobEnded(rawJob, ok);
        }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
    return true;
}

bool JobRunner::isRunning() const
{
    return m_running;
}

void JobRunner::cancel()
{
    if (m_job)
        m_job->cancel();
}

void JobRunner::waitForFinished()
{
    if (!m_running)
        return;
    QEventLoop loop;
    connect(this, &JobRunner::jobEnded, &loop, &QEventLoop::quit);
    if (m_running)
        loop.exec();
}

} // namespace accession
