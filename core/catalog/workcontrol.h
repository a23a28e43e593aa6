#pragma once

#include <QString>

#include <exception>
#include <functional>

namespace accession {

// Thrown by long engine work (and by jobs around it) to unwind when a cancel was requested.
class WorkCancelled : public std::exception
{
public:
    const char *what() const noexcept override { return "cancelled"; }
};

// What whoever runs a long engine function (a job, the command line, a test) gives it: where to report progress
// and whether to stop. The engines in ml/ and ingest/ take this instead of being Jobs, so they know nothing of
// threads or queues; it lives here because the catalog is the room every engine already depends on.
struct WorkControl
{
    std::function<void(qint64 done, qint64 total, const QString &message)> progress;
    std::function<bool()> isCancelled;

    void report(qint64 done, qint64 total, const QString &message) const
    {
        if (progress)
            progress(done, total, message);
    }
    bool cancelRequested() const { return isCancelled && isCancelled(); }
    void throwIfCancelled() const
    {
        if (cancelRequested())
            throw WorkCancelled();
    }
};

} // namespace accession
