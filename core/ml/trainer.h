#pragma once

#include "modelcard.h"
#include "trainingoptions.h"
#include "trainingrecipe.h"

#include "ingest/importplan.h"
#include "jobs/job.h"

#include <QMetaType>
#include <QMutex>

namespace accession {

struct EpochReport
{
    QString phase; // "head", "fine-tune", "train", "cached-head"
    int epoch = 0; // 1-based within the phase
    int epochs = 0;
    double trainLoss = 0;
    double trainAccuracy = 0;
    double validationLoss = 0;
    double validationAccuracy = 0;
    double learningRate = 0;
    double seconds = 0;
    double imagesPerSecond = 0;
};

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
    QVector<ImportFailure> failures() const; // images that could not be decoded (left out)
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
    QVector<ImportFailure> m_failures;
};

QJsonObject epochReportToJson(const EpochReport &report);

// Whether a phase of `phaseEpochs` stops after `epochsDone` of them, `epochsSinceBest` epochs after the best
// validation accuracy. Only epochs in the last third of the phase count toward `patience` (0: never stop): before
// that the cosine schedule's rate is high and validation accuracy swings (bench/README.md, "Early stopping").
bool stopsEarly(int epochsDone, int phaseEpochs, int epochsSinceBest, int patience);

// How much of the running average of the weights the update after `updatesDone` optimizer steps keeps:
// 1 - 1/horizonSteps once warm, less while few steps have been averaged ((1 + n) / (10 + n), as timm's model
// EMA warms up), so that the random or pretrained starting weights do not linger in the average.
double weightAverageDecay(qint64 updatesDone, double horizonSteps);

} // namespace accession

Q_DECLARE_METATYPE(accession::EpochReport)
