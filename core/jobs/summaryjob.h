#pragma once

#include "jobs/job.h"

#include <QMutex>

#include <functional>

namespace accession {

// A job whose engine fills a summary as it goes (an import's counts and problems, a classification's): other
// threads read a copy, published at each progress report and at the end, whether the job finished, failed or
// was cancelled.
template <typename Summary>
class SummaryJob : public Job
{
public:
    using Job::Job;

    // Complete after finished()/failed()/cancelled(); partial while running.
    Summary summary() const
    {
        QMutexLocker lock(&m_mutex);
        return m_summary;
    }

protected:
    // Runs an engine with this job's cancel check and progress, publishing its summary at each report and at the end.
    void runEngine(const std::function<void(Summary &, const WorkControl &)> &engine)
    {
        Summary summary;
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

private:
    void publish(const Summary &summary)
    {
        QMutexLocker lock(&m_mutex);
        m_summary = summary;
    }

    mutable QMutex m_mutex;
    Summary m_summary;
};

} // namespace accession
