#include "trainingjob.h"

namespace accession {

TrainingJob::TrainingJob(TrainingOptions options, QObject *parent)
    : Job(parent)
    , m_options(std::move(options))
{
    qRegisterMetaType<accession::EpochReport>();
}

void TrainingJob::run()
{
    TrainingControl control;
    control.work = workControl();
    control.epochFinished = [this](const EpochReport &report) { Q_EMIT epochFinished(report); };
    // LibTorch's errors become one line in Job::exec (oneLineErrorMessage).
    trainModel(m_options, m_record, control);
}

} // namespace accession
