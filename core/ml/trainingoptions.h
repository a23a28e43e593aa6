#pragma once

#include "architecture.h"
#include "metrics.h"
#include "preprocessing.h"

#include <QString>

#include <array>
#include <optional>

namespace accession {

enum class OptimizerKind { AdamW, Sgd };

// How the loss weighs departments of different sizes: every image alike (None), every department
// alike (Full: weight 1/n), or halfway between (SquareRoot: weight 1/sqrt(n)).
enum class ClassBalance { None, SquareRoot, Full };
QString classBalanceName(ClassBalance balance);
std::optional<ClassBalance> classBalanceFromName(const QString &name);

// Bounds on a training run's options (TrainingOptions::problem), so that a typing slip is refused at once
// rather than found hours later as an abort, an exhausted memory or a model of NaN.
constexpr int kMaximumEpochs = 10000;
constexpr int kMaximumBatchSize = 1024;
// One batch of input pixels as floats: 32 images of 1024 x 1024 take 400 MB; the activations many times more.
constexpr qint64 kMaximumBatchInputBytes = qint64(4) << 30;
constexpr double kMaximumWeightDecay = 1.0;
constexpr int kMaximumThreads = 1024;

// What a training run was asked for; values left at 0, -1 or unset are decided by resolveRecipe (trainingrecipe.h).
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
    // Layer-wise learning-rate decay for the every-layer phase: the head trains at the full rate and each earlier
    // stage of the network at this factor times the rate of the stage after it. 1: every layer at the same rate.
    double layerDecay = 1.0;
    // 1/sqrt weights keep small departments in view at little cost overall (bench/README.md, "Where the
    // defaults come from").
    ClassBalance classBalance = ClassBalance::SquareRoot;
    double minimumCropScale = defaultMinimumCropScale; // random resized crops keep at least this share of the image's area
    double centerCropFraction = defaultCenterCropFraction; // validation, calibration and the saved model's evaluation crop
    bool importedLabels = true;
    bool curatorLabels = true;
    int threads = 0;
    qint64 cacheMemoryBytes = qint64(3) << 30;
    bool resume = false; // continue from OUT.checkpoint when it exists
    double targetAccuracy = 0.95;
    // The out-of-scope score whose threshold training fits on validation; knn_energy also keeps a bank of training
    // photographs' features in the model file (a single network only).
    OutOfScopeScore outOfScopeScore = kDefaultTrainingOutOfScopeScore;
    // Group: each item's label is its department's group (a department in none is a group of its own), and the
    // model's classes are the groups; the card records level "group".
    bool groupLevel = false;

    // The first option out of range, as one line ("image size 100000 is not in 16..1024 pixels"); nullopt when
    // every option is usable. TrainingJob refuses to start otherwise; the command line checks it first.
    std::optional<QString> problem() const;
};

} // namespace accession
