#include "trainingestimate.h"

#include <algorithm>

namespace accession {

double TrainingEstimate::totalSeconds() const
{
    double total = 0;
    for (const PlannedStretch &stretch : stretches)
        total += stretch.epochs * stretch.secondsPerEpoch;
    return total;
}

double TrainingEstimate::remainingSecondsAfter(const QString &phase, int epoch, double epochSeconds) const
{
    for (int i = 0; i < stretches.size(); ++i) {
        if (stretches[i].phase != phase)
            continue;
        const double scale = stretches[i].secondsPerEpoch > 0 && epochSeconds > 0 ? epochSeconds / stretches[i].secondsPerEpoch : 1.0;
        double remaining = std::max(0, stretches[i].epochs - epoch) * stretches[i].secondsPerEpoch;
        for (int j = i + 1; j < stretches.size(); ++j)
            remaining += stretches[j].epochs * stretches[j].secondsPerEpoch;
        return remaining * scale;
    }
    return totalSeconds();
}

TrainingOptions presetOptions(TrainingPreset preset, TrainingOptions base, const QString &weightsPath, Architecture weightsArchitecture)
{
    switch (preset) {
    case TrainingPreset::QuickHead:
        base.architecture = weightsArchitecture;
        base.pretrainedWeights = weightsPath;
        base.featuresCache = true;
        base.epochs = 0; // the head on cached features alone
        base.imageSize = defaultInputSize(weightsArchitecture);
        break;
    case TrainingPreset::BestFineTune:
        base.architecture = weightsArchitecture;
        base.pretrainedWeights = weightsPath;
        base.featuresCache = true;
        base.epochs = kPresetFineTuneEpochs;
        base.imageSize = defaultInputSize(weightsArchitecture);
        break;
    case TrainingPreset::FromScratch:
        base.architecture = Architecture::ResNet18;
        base.pretrainedWeights.clear();
        base.featuresCache = false;
        base.epochs = kPresetScratchEpochs;
        base.imageSize = kPresetScratchImageSize;
        break;
    }
    return base;
}

TrainingEstimate estimateTraining(const TrainingOptions &options, int trainingImages, int validationImages,
                                  const MeasuredRates &rates)
{
    TrainingEstimate estimate;
    const double train = std::max(1e-9, rates.trainingImagesPerSecond);
    const double infer = std::max(1e-9, rates.inferenceImagesPerSecond);
    const double validationPass = validationImages / infer;
    const TrainingRecipe recipe = resolveRecipe(options);
    // The same phases as TrainingJob: the head first when starting from weights, then every layer.
    if (recipe.cachedHead) {
        // Features of the training images and their mirror images, and of the validation images; fitting the
        // head on them takes a moment.
        estimate.stretches.push_back({QStringLiteral("cached-head"), 1, (2.0 * trainingImages) / infer + validationPass});
    }
    if (recipe.headEpochs > 0)
        estimate.stretches.push_back({QStringLiteral("head"), recipe.headEpochs, trainingImages / infer + validationPass});
    if (recipe.everyLayerEpochs > 0)
        estimate.stretches.push_back({recipe.everyLayerPhase, recipe.everyLayerEpochs, trainingImages / train + validationPass});
    estimate.stretches.push_back({QStringLiteral("calibration"), 1, validationPass});
    return estimate;
}

} // namespace accession
