#pragma once

#include "datasplit.h"
#include "trainingoptions.h"

#include <vector>

namespace accession {

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

// Fitting the head on cached features: a fixed AdamW recipe, three times the asked rate when one is asked.
constexpr double kCachedHeadLearningRate = 3e-3;
constexpr double kCachedHeadWeightDecay = 1e-3;

// The phases a run goes through and the numbers each uses, with every default decided, so that the training
// job and the Train dialog's estimate plan the same run.
struct TrainingRecipe
{
    bool pretrained = false;
    // Phase 0, the head alone: on cached backbone features (cachedHead), or on images with the backbone frozen
    // for headEpochs epochs (0: no such phase).
    bool cachedHead = false;
    double cachedHeadLearningRate = kCachedHeadLearningRate;
    double cachedHeadWeightDecay = kCachedHeadWeightDecay;
    int headEpochs = 0;
    double headLearningRate = 0;
    // Phase 1, every layer: "fine-tune" from weights, "train" from scratch (0 epochs: no such phase).
    QString everyLayerPhase;
    int everyLayerEpochs = 0;
    double everyLayerLearningRate = 0;
    double weightDecay = 0; // of both image phases
    bool frozenBatchNorm = false;
};

// Pure: the recipe the options ask for, defaults filled in (a learning rate of 0, a negative weight decay,
// head epochs of -1, an unset batch-norm choice). Options with a feature cache but no weights resolve to
// training from scratch; the job refuses them.
TrainingRecipe resolveRecipe(const TrainingOptions &options);

// Pure: what the network's input will be. The weights' JSON (besideWeights, read by preprocessingBeside over
// ImageNet's values at the architecture's size) where there is one, else ImageNet's at the architecture's default
// size; an image size, mean or std the options set replaces it, and the evaluation crop is always the options'.
Preprocessing resolvePreprocessing(const TrainingOptions &options, const std::optional<Preprocessing> &besideWeights);

// Each department's weight in the loss, from its share of the training images: a department of n images weighs
// (N / (classes * n))^p per image, p = 1 (Full) or 1/2 (SquareRoot), so that a balanced split weighs 1 everywhere;
// 1 for all with None, and 0 for a department with no training images.
std::vector<float> classLossWeights(const QVector<Example> &train, int classes, ClassBalance balance);

} // namespace accession
