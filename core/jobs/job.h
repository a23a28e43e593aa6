#pragma once

#include "catalog/workcontrol.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <stdexcept>

namespace accession {

// Thrown inside Job::run() to unwind when a cancel was requested; the engines a job drives throw the same.
using JobCancelled = WorkCancelled;

// Long work as an object: runs on a worker thread, reports by signals, stops between batches on cancel.
class Job : public QObject
{
    Q_OBJECT
public:
    explicit Job(QObject *parent = nullptr);
    ~Job() override;

    // Safe from any thread; the job stops at its next checkpoint.
    void cancel();
    bool isCancelRequested() const;

    // Progress to this job's progress(), cancel from this job's: what a job hands the engine it drives.
    WorkControl workControl();

    // Runs the job on the calling thread: emits started(), progress(), then exactly one of
    // finished(), failed() or cancelled(). Returns true when it finished. Never throws: any exception
    // from run() becomes failed() with a one-line message (oneLineErrorMessage).
    bool exec();

Q_SIGNALS:
    void started();
    void progress(qint64 done, qint64 total, const QString &message);
    void finished();
    void failed(const QString &error);
    void cancelled();

protected:
    // Does the work; throws JobCancelled (via throwIfCancelled) or anything else to fail.
    virtual void run() = 0;
    void throwIfCancelled() const;
    void reportProgress(qint64 done, qint64 total, const QString &message);

private:
    std::atomic_bool m_cancelRequested{false};
};

} // namespace accession
