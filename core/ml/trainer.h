#pragma once

#include "epochreport.h"
#include "modelcard.h"
#include "trainingoptions.h"
#include "trainingrecipe.h"

#include "catalog/problem.h"
#include "jobs/job.h"

#include <QMutex>

namespace accession {

// Trains a model from a catalog's labels on a worker thread; checkpoints every epoch; resumable.
class TrainingJob : public Job
{
    Q_OBJECT
public:
    explicit TrainingJob(TrainingOptions options, QObject *parent = nullptr);
    ~TrainingJob() override;

    const TrainingOptions &options() const { return m_options; }
    ModelCard card() const;                 // complete once finished
    QVector<EpochReport> history() const;
    QVector<Problem> failures() const; // images that could not be decoded (left out)
    static QString checkpointPathFor(const QString &outPath);

Q_SIGNALS:
    void epochFinished(const accession::EpochReport &report);

protected:
    void run() override;

private:
    struct Run;
    friend struct Run;
    TrainingOptions m_options;
    mutable QMutex m_mutex;
    ModelCard m_card;
    QVector<EpochReport> m_history;
    QVector<Problem> m_failures;
};

} // namespace accession
