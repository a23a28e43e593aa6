#include "trainingestimate.h"

#include "throughput.h"

#include "catalog/catalog.h"

#include <QSet>

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

RateMeasurementJob::RateMeasurementJob(QString catalogPath, Architecture architecture, int imageSize, QObject *parent)
    : Job(parent)
    , m_catalogPath(std::move(catalogPath))
    , m_architecture(architecture)
    , m_imageSize(imageSize)
{
}

int RateMeasurementJob::labelledItems() const
{
    QMutexLocker lock(&m_mutex);
    return m_labelledItems;
}

MeasuredRates RateMeasurementJob::rates() const
{
    QMutexLocker lock(&m_mutex);
    return m_rates;
}

void RateMeasurementJob::run()
{
    int labelled = 0;
    QSet<QString> departments;
    {
        Catalog catalog(m_catalogPath);
        for (const LabelledItem &item : catalog.labelledItems()) {
            ++labelled;
            departments.insert(item.department);
        }
    }
    throwIfCancelled();
    CeilingRequest request;
    request.architecture = m_architecture;
    request.classes = std::max<int>(2, departments.size());
    request.imageSize = m_imageSize;
    request.batchSize = 4; // a few images: the estimate must come within seconds, even on a busy machine
    request.batches = 2;
    request.foldBatchNorm = false; // as validation runs during training
    reportProgress(0, 2, tr("Measuring the network's speed"));
    MeasuredRates rates;
    rates.trainingImagesPerSecond = trainingCeiling(request);
    throwIfCancelled();
    reportProgress(1, 2, tr("Measuring the network's speed"));
    rates.inferenceImagesPerSecond = inferenceCeiling(request);
    throwIfCancelled();
    reportProgress(2, 2, QString());
    QMutexLocker lock(&m_mutex);
    m_rates = rates;
    m_labelledItems = labelled;
}

} // namespace accession
