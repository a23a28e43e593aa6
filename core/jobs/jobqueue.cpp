#include "jobqueue.h"

#include <QEventLoop>
#include <QMetaObject>

namespace accession {

JobQueue::JobQueue(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<JobOutcome>();
    qRegisterMetaType<JobId>("accession::JobId");
    m_thread.setObjectName(QStringLiteral("accession-jobs"));
    m_thread.start();
}

JobQueue::~JobQueue()
{
    shutdown();
}

void JobQueue::shutdown()
{
    if (m_shutDown)
        return;
    m_shutDown = true;
    // Nobody is left to hear of the waiting jobs; the running one stops at its next checkpoint and is joined.
    m_waiting.clear();
    if (m_running)
        m_running->job->cancel();
    m_thread.quit();
    m_thread.wait();
    m_running.reset();
}

JobId JobQueue::submit(std::unique_ptr<Job> job, const QString &description)
{
    return enqueue(std::move(job), description, nullptr, EndedCallback());
}

JobId JobQueue::enqueue(std::unique_ptr<Job> job, const QString &description, const QObject *receiver, EndedCallback onEnded)
{
    if (m_shutDown)
        return 0;
    auto entry = std::make_shared<Entry>();
    entry->id = m_nextId++;
    entry->description = description;
    entry->job = std::move(job);
    entry->receiver = receiver;
    entry->hasReceiver = receiver != nullptr;
    entry->onEnded = std::move(onEnded);
    const JobId id = entry->id;
    connect(entry->job.get(), &Job::progress, this, [this, id](qint64 done, qint64 total, const QString &message) {
        Q_EMIT jobProgress(id, done, total, message);
    });
    m_waiting.push_back(std::move(entry));
    Q_EMIT jobsChanged();
    if (!m_running && !m_delivering)
        startNext();
    return id;
}

void JobQueue::startNext()
{
    if (m_running || m_waiting.empty())
        return;
    m_running = std::move(m_waiting.front());
    m_waiting.pop_front();
    Job *job = m_running->job.get();
    job->moveToThread(&m_thread);
    QMetaObject::invokeMethod(job, [this, job] {
        // Runs on the worker thread; exec() never throws.
        JobOutcome outcome = JobOutcome::cancelled();
        const QMetaObject::Connection onFailed = connect(job, &Job::failed, job, [&outcome](const QString &error) {
            outcome = JobOutcome::failed(error);
        }, Qt::DirectConnection);
        if (job->exec())
            outcome = JobOutcome::finished();
        disconnect(onFailed);
        // Hand the job back so that its callback reads it, and the queue deletes it, on the queue's thread.
        job->moveToThread(thread());
        QMetaObject::invokeMethod(this, [this, outcome] { runningEnded(outcome); }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
    Q_EMIT jobStarted(m_running->id, m_running->description);
    Q_EMIT jobsChanged();
}

void JobQueue::runningEnded(const JobOutcome &outcome)
{
    if (!m_running)
        return; // shut down after the job ended, before its end was told
    const std::shared_ptr<Entry> ended = std::move(m_running);
    m_running.reset();
    m_delivering = true;
    deliver(*ended, outcome);
    m_delivering = false;
    Q_EMIT jobEnded(ended->id, outcome);
    Q_EMIT jobsChanged();
    startNext();
    if (!isBusy())
        Q_EMIT idle();
}

void JobQueue::deliver(Entry &entry, const JobOutcome &outcome)
{
    if (entry.onEnded && (!entry.hasReceiver || entry.receiver))
        entry.onEnded(*entry.job, outcome);
}

void JobQueue::cancel(JobId id)
{
    if (m_running && m_running->id == id) {
        m_running->job->cancel();
        return;
    }
    for (auto it = m_waiting.begin(); it != m_waiting.end(); ++it) {
        if ((*it)->id != id)
            continue;
        std::shared_ptr<Entry> entry = std::move(*it);
        m_waiting.erase(it);
        entry->job->cancel();
        Q_EMIT jobsChanged();
        // Told from the event loop, as a running job's end is, so that no callback runs inside cancel().
        QMetaObject::invokeMethod(this, [this, entry] {
            if (m_shutDown)
                return;
            const JobOutcome outcome = JobOutcome::cancelled();
            deliver(*entry, outcome);
            Q_EMIT jobEnded(entry->id, outcome);
            if (!isBusy())
                Q_EMIT idle();
        }, Qt::QueuedConnection);
        return;
    }
}

void JobQueue::cancelRunning()
{
    if (m_running)
        m_running->job->cancel();
}

void JobQueue::cancelAll()
{
    while (!m_waiting.empty())
        cancel(m_waiting.front()->id);
    cancelRunning();
}

bool JobQueue::isRunning(JobId id) const
{
    return m_running && m_running->id == id;
}

bool JobQueue::isQueued(JobId id) const
{
    if (isRunning(id))
        return true;
    for (const auto &entry : m_waiting) {
        if (entry->id == id)
            return true;
    }
    return false;
}

JobId JobQueue::runningJob() const
{
    return m_running ? m_running->id : 0;
}

QVector<QueuedJob> JobQueue::jobs() const
{
    QVector<QueuedJob> jobs;
    if (m_running)
        jobs.push_back({m_running->id, m_running->description, true});
    for (const auto &entry : m_waiting)
        jobs.push_back({entry->id, entry->description, false});
    return jobs;
}

void JobQueue::waitUntilIdle()
{
    QEventLoop loop;
    connect(this, &JobQueue::idle, &loop, &QEventLoop::quit);
    if (isBusy())
        loop.exec();
}

} // namespace accession
