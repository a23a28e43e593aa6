#include "trainingrecipe.h"

#include <algorithm>
#include <cmath>

namespace accession {

TrainingRecipe resolveRecipe(const TrainingOptions &options)
{
    TrainingRecipe recipe;
    recipe.pretrained = !options.pretrainedWeights.isEmpty();
    const bool sgd = options.optimizer == OptimizerKind::Sgd;
    const bool asked = options.learningRate > 0;
    recipe.weightDecay = options.weightDecay >= 0 ? options.weightDecay : defaultWeightDecay(recipe.pretrained, options.optimizer);
    recipe.frozenBatchNorm = options.freezeBatchNorm.value_or(recipe.pretrained);

    recipe.cachedHead = recipe.pretrained && options.featuresCache;
    if (asked)
        recipe.cachedHeadLearningRate = options.learningRate * 3;
    if (recipe.pretrained && !options.featuresCache)
        recipe.headEpochs = options.headEpochs >= 0 ? options.headEpochs : std::clamp(options.epochs / 4, 1, 3);
    recipe.headLearningRate = asked ? options.learningRate : (sgd ? 0.05 : 1e-3);

    recipe.everyLayerPhase = recipe.pretrained ? QStringLiteral("fine-tune") : QStringLiteral("train");
    recipe.everyLayerEpochs = std::max(0, options.epochs - recipe.headEpochs);
    // A pretrained backbone moves at a fifth of the asked rate, or at the optimizer's gentler default.
    recipe.everyLayerLearningRate = asked ? options.learningRate * (recipe.pretrained ? 0.2 : 1.0)
                                          : (sgd ? (recipe.pretrained ? 0.01 : 0.05) : (recipe.pretrained ? 2e-4 : 1e-3));
    return recipe;
}

Preprocessing resolvePreprocessing(const TrainingOptions &options, const std::optional<Preprocessing> &besideWeights)
{
    Preprocessing preprocessing = besideWeights.value_or(Preprocessing::imagenet(defaultInputSize(options.architecture)));
    if (options.mean)
        preprocessing.mean = *options.mean;
    if (options.std)
        preprocessing.std = *options.std;
    if (options.imageSize > 0)
        preprocessing.inputSize = options.imageSize;
    preprocessing.centerCropFraction = options.centerCropFraction;
    return preprocessing;
}

std::vector<float> classLossWeights(const QVector<Example> &train, int classes, ClassBalance balance)
{
    std::vector<float> weights(size_t(classes), 1.0f);
    if (balance == ClassBalance::None)
        return weights;
    std::vector<int> counts(size_t(classes), 0);
    for (const Example &example : train)
        counts[size_t(example.classIndex)] += 1;
    const double power = balance == ClassBalance::Full ? 1.0 : 0.5;
    for (size_t c = 0; c < counts.size(); ++c)
        weights[c] = counts[c] > 0 ? float(std::pow(double(train.size()) / double(counts.size() * size_t(counts[c])), power)) : 0.0f;
    return weights;
}

} // namespace accession
