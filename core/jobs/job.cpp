#include "job.h"

#include "ml/errormessage.h"

namespace accession {

Job::Job(QObject *parent)
    : QObject(parent)
{
}

Job::~Job() = default;

void Job::cancel()
{
    m_cancelRequested.store(true);
}

bool Job::isCancelRequested() const
{
    return m_cancelRequested.load();
}

bool Job::exec()
{
    Q_EMIT started();
    try {
        throwIfCancelled();
        run();
    } catch (const JobCancelled &) {
        Q_EMIT cancelled();
        return false;
    } catch (...) {
        // Whatever run() throws ends here as failed(): nothing may escape a worker thread and abort the program.
        Q_EMIT failed(oneLineErrorMessage(std::current_exception()));
        return false;
    }
    Q_EMIT finished();
    return true;
}

WorkControl Job::workControl()
{
    WorkControl control;
    control.progress = [this](qint64 done, qint64 total, const QString &message) { reportProgress(done, total, message); };
    control.isCancelled = [this] { return isCancelRequested(); };
    return control;
}

void Job::throwIfCancelled() const
{
    if (isCancelRequested())
        throw JobCancelled();
}

void Job::reportProgress(qint64 done, qint64 total, const QString &message)
{
    Q_EMIT progress(done, total, message);
}

} // namespace accession
