#pragma once

#include <QObject>
#include <QThread>

#include <memory>

namespace accession {

class Job;

// Owns one worker thread that runs one job at a time; destroying it cancels the job and joins the thread.
class JobRunner : public QObject
{
    Q_OBJECT
public:
    explicit JobRunner(QObject *parent = nullptr);
    ~JobRunner() override;

    // Takes ownership of the job and starts it on the worker thread. Returns false while another runs.
    bool start(std::unique_ptr<Job> job);
    bool isRunning() const;
    void cancel();
    // Blocks until the current job has ended (for the command line and tests).
    void waitForFinished();

Q_SIGNALS:
    // Emitted on the runner's thread after the job's own finished/failed/cancelled signal.
    void jobEnded(accession::Job *job, bool succeeded);

private:
    QThread m_thread;
    std::unique_ptr<Job> m_job;
    bool m_running = false;
};

} // namespace accession
