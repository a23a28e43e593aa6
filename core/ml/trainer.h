#pragma once

#include "architecture.h"
#include "modelcard.h"

#include "ingest/importplan.h"
#include "jobs/job.h"

#include <QMetaType>
#include <QMutex>

#include <array>
#include <memory>
#include <optional>

namespace accession {

enum class OptimizerKind { AdamW, Sgd };

// How the loss weighs departments of different sizes: every image alike (None), every department
// alike (Full: weight 1/n), or halfway between (SquareRoot: weight 1/sqrt(n)).
enum class ClassBalance { None, SquareRoot, Full };
QString classBalanceName(ClassBalance balance);
std::optional<ClassBalance> classBalanceFromName(const QString &name);

// AdamW decays weights apart from the gradient; SGD adds decay to it, scaled by the rate, so SGD from scratch
// takes the smaller coefficient its usual recipes use. Fine-tuning pretrained weights decays gently either way.
constexpr double defaultPretrainedWeightDecay = 1e-4;
constexpr double defaultScratchAdamWWeightDecay = 0.01;
constexpr double defaultScratchSgdWeightDecay = 5e-4;
constexpr double defaultWeightDecay(bool pretrained, OptimizerKind optimizer)
{
    if (pretrained)
        return defaultPretrainedWeightDecay;
    return optimizer == OptimizerKind::Sgd ? defaultScratchSgdWeightDecay : defaultScratchAdamWWeightDecay;
}

// Bounds on a training run's options (TrainingOptions::problem), so that a typing slip is refused at once
// rather than found hours later as an abort, an exhausted memory or a model of NaN.
constexpr int kMaximumEpochs = 10000;
constexpr int kMaximumBatchSize = 1024;
// One batch of input pixels as floats: 32 images of 1024 x 1024 take 400 MB; the activations many times more.
constexpr qint64 kMaximumBatchInputBytes = qint64(4) << 30;
constexpr double kMaximumWeightDecay = 1.0;
constexpr int kMaximumThreads = 1024;

struct TrainingOptions
{
    QString catalogPath;
    Architecture architecture = Architecture::ResNet18;
    QString pretrainedWeights; // a backbone to start from; empty trains from scratch
    std::optional<std::array<float, 3>> mean; // override what the weights' JSON or ImageNet says
    std::optional<std::array<float, 3>> std;
    int imageSize = 0; // 0: the weights' JSON, else the architecture's default
    int epochs = 10;
    int batchSize = 32;
    double validationFraction = 0.2;
    quint64 seed = 1;
    bool featuresCache = false; // fit the head on cached backbone features first (needs weights)
    QString outPath;            // MODEL.safetensors; the card goes to MODEL.json
    OptimizerKind optimizer = OptimizerKind::AdamW;
    double learningRate = 0; // 0: a default that suits the optimizer and phase
    double weightDecay = -1; // negative: defaultWeightDecay()
    double labelSmoothing = 0.1;
    int warmupEpochs = 1;
    int patience = 6;    // last-third epochs without a better validation accuracy before stopping (stopsEarly); 0 never
    int headEpochs = -1; // with weights and no feature cache: epochs training the head alone (-1: auto)
    std::optional<bool> freezeBatchNorm; // default: frozen when starting from pretrained weights
    // Exponential moving average of the weights (parameters and batch-norm statistics) over about this many
    // epochs; validation, early stopping, calibration and the saved model then use the average. 0: off.
    double averagingEpochs = 0;
    // Part of the second recipe measured on MET photographs (bench/README.md): with AdamW at 1e-3 and weight
    // decay 0.01, 1/sqrt weights and crops of at least 35% of the area beat the first recipe (1/n weights,
    // 25% crops, 2e-3, 0.05) on overall accuracy. The factors were not measured one by one.
    ClassBalance classBalance = ClassBalance::SquareRoot;
    double minimumCropScale = defaultMinimumCropScale; // random resized crops keep at least this share of the image's area
    double centerCropFraction = defaultCenterCropFraction; // validation, calibration and the saved model's evaluation crop
    bool importedLabels = true;
    bool curatorLabels = true;
    int threads = 0;
    qint64 cacheMemoryBytes = qint64(3) << 30;
    bool resume = false; // continue from OUT.checkpoint when it exists
    double targetAccuracy = 0.95;

    // The first option out of range, as one line ("image size 100000 is not in 16..1024 pixels"); nullopt when
    // every option is usable. TrainingJob refuses to start otherwise; the command line checks it first.
    std::optional<QString> problem() const;
};

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
// validation accuracy. Only epochs in the last third of the phase count toward `patience` (0: never stop):
// before that the cosine schedule's learning rate is above a quarter of its peak, validation accuracy swings by
// several points from epoch to epoch, and stopping would throw away the annealing where most of the gain comes.
// On the MET photographs a 35-epoch run that counted every epoch stopped at epoch 19, seven points below a
// 25-epoch run, and a 60-epoch run that counted its second half stopped at epoch 36, with the rate at 36% of its
// peak, 3.7 points below the 35-epoch run.
bool stopsEarly(int epochsDone, int phaseEpochs, int epochsSinceBest, int patience);

// How much of the running average of the weights the update after `updatesDone` optimizer steps keeps:
// 1 - 1/horizonSteps once warm, less while few steps have been averaged ((1 + n) / (10 + n), as timm's model
// EMA warms up), so that the random or pretrained starting weights do not linger in the average.
double weightAverageDecay(qint64 updatesDone, double horizonSteps);

} // namespace accession

Q_DECLARE_METATYPE(accession::EpochReport)
