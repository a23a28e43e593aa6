#pragma once

#include "jobs/job.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>
#include <QVector>

#include <deque>
#include <functional>
#include <memory>
#include <type_traits>

namespace accession {

// How a submitted job ended; a job cancelled while it still waited never ran at all.
class JobOutcome
{
public:
    enum class Status { Finished, Failed, Cancelled };

    JobOutcome() = default; // for QVariant and queued signals: a job that never ran

    static JobOutcome finished() { return JobOutcome(Status::Finished, QString()); }
    static JobOutcome failed(const QString &error) { return JobOutcome(Status::Failed, error); }
    static JobOutcome cancelled() { return JobOutcome(Status::Cancelled, QString()); }

    Status status() const { return m_status; }
    bool isFinished() const { return m_status == Status::Finished; }
    bool isFailed() const { return m_status == Status::Failed; }
    bool isCancelled() const { return m_status == Status::Cancelled; }
    QString error() const { return m_error; } // the one-line message of a failure, empty otherwise

private:
    JobOutcome(Status status, QString error)
        : m_status(status)
        , m_error(std::move(error))
    {
    }

    Status m_status = Status::Cancelled;
    QString m_error;
};

using JobId = quint64;

// One line of the queue as a view shows it: the running job first, then those waiting in order.
struct QueuedJob
{
    JobId id = 0;
    QString description;
    bool running = false;
};

// The one lane for background work on a catalog: a single worker thread runs the submitted jobs one at a
// time in submission order, so two jobs never write the catalog together. Each submission names a receiver
// and a callback that gets the job as its own type and how it ended; destroying the queue cancels and joins.
class JobQueue : public QObject
{
    Q_OBJECT
public:
    explicit JobQueue(QObject *parent = nullptr);
    ~JobQueue() override;

    // Takes the job and runs it after those already submitted. onEnded(ConcreteJob &, JobOutcome) is called on
    // the queue's thread once the job has ended (or was cancelled while waiting), unless receiver is gone by then;
    // the job is deleted after it returns. Connect to the job's own signals (progress, epochFinished…) before
    // submitting it.
    template <typename ConcreteJob, typename Callback>
    JobId submit(std::unique_ptr<ConcreteJob> job, const QString &description, const QObject *receiver, Callback &&onEnded)
    {
        static_assert(std::is_base_of_v<Job, ConcreteJob>, "the queue runs Job subclasses");
        static_assert(std::is_invocable_v<Callback &, ConcreteJob &, const JobOutcome &>,
                      "the callback takes (ConcreteJob &, const JobOutcome &)");
        return enqueue(std::move(job), description, receiver,
                       [callback = std::forward<Callback>(onEnded)](Job &ended, const JobOutcome &outcome) mutable {
                           callback(static_cast<ConcreteJob &>(ended), outcome);
                       });
    }
    // A job whose end only the queue's own signals report.
    JobId submit(std::unique_ptr<Job> job, const QString &description);

    // A waiting job leaves the queue (its callback gets Cancelled); the running one stops at its next checkpoint.
    // Unknown or already ended ids are ignored.
    void cancel(JobId id);
    void cancelRunning();
    void cancelAll();

    bool isBusy() const { return m_running != nullptr || !m_waiting.empty(); }
    bool isRunning(JobId id) const;
    bool isQueued(JobId id) const; // running or waiting
    JobId runningJob() const;      // 0 when none runs
    int waitingCount() const { return int(m_waiting.size()); }
    QVector<QueuedJob> jobs() const;
    // Blocks in a local event loop until nothing runs or waits (the command line and tests).
    void waitUntilIdle();
    // What the destructor does, for an owner that must stop the work before what it feeds goes away: drops the
    // waiting jobs, cancels the running one and joins the worker. No callback runs afterwards; later submissions
    // are dropped unrun.
    void shutdown();

Q_SIGNALS:
    void jobStarted(accession::JobId id, const QString &description);
    void jobProgress(accession::JobId id, qint64 done, qint64 total, const QString &message);
    // After the job's own callback, for views of the queue as a whole.
    void jobEnded(accession::JobId id, const accession::JobOutcome &outcome);
    // The running and waiting list changed (submitted, started, ended, cancelled while waiting).
    void jobsChanged();
    void idle();

private:
    using EndedCallback = std::function<void(Job &, const JobOutcome &)>;
    struct Entry
    {
        JobId id = 0;
        QString description;
        std::unique_ptr<Job> job;
        QPointer<const QObject> receiver;
        bool hasReceiver = false;
        EndedCallback onEnded;
    };

    JobId enqueue(std::unique_ptr<Job> job, const QString &description, const QObject *receiver, EndedCallback onEnded);
    void startNext();
    void runningEnded(const JobOutcome &outcome);
    static void deliver(Entry &entry, const JobOutcome &outcome);

    QThread m_thread;
    std::shared_ptr<Entry> m_running;
    std::deque<std::shared_ptr<Entry>> m_waiting;
    JobId m_nextId = 1;
    bool m_delivering = false; // a callback runs: what it submits waits behind those already waiting
    bool m_shutDown = false;
};

} // namespace accession

Q_DECLARE_METATYPE(accession::JobOutcome)
