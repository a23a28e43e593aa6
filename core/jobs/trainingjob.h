#pragma once

#include "jobs/job.h"
#include "ml/trainer.h"

namespace accession {

// Trains a model off the GUI thread (ml's trainModel): epochs as they finish for the live curves, results
// readable meanwhile; checkpoints every epoch, so a cancel keeps the last one and a rerun resumes.
class TrainingJob : public Job
{
    Q_OBJECT
public:
    explicit TrainingJob(TrainingOptions options, QObject *parent = nullptr);

    const TrainingOptions &options() const { return m_options; }
    ModelCard card() const { return m_record.card(); } // complete once finished
    QVector<EpochReport> history() const { return m_record.history(); }
    QVector<Problem> failures() const { return m_record.failures(); } // images that could not be decoded (left out)
    static QString checkpointPathFor(const QString &outPath) { return trainingCheckpointPath(outPath); }

Q_SIGNALS:
    void epochFinished(const accession::EpochReport &report);

protected:
    void run() override;

private:
    TrainingOptions m_options;
    TrainingRecord m_record;
};

} // namespace accession
