#include "trainingoptions.h"

#include <cmath>

namespace accession {

std::optional<QString> TrainingOptions::problem() const
{
    // Comparisons are written so that NaN fails them and is refused.
    if (imageSize != 0 && (imageSize < kMinimumInputSize || imageSize > kMaximumInputSize))
        return QStringLiteral("image size %1 is not in %2..%3 pixels").arg(imageSize).arg(kMinimumInputSize).arg(kMaximumInputSize);
    Preprocessing normalisation;
    normalisation.mean = mean.value_or(normalisation.mean);
    normalisation.std = std.value_or(normalisation.std);
    normalisation.centerCropFraction = centerCropFraction;
    if (const auto problem = normalisation.problem())
        return *problem;
    if (epochs < 0 || epochs > kMaximumEpochs)
        return QStringLiteral("%1 epochs is not in 0..%2").arg(epochs).arg(kMaximumEpochs);
    if (batchSize < 1 || batchSize > kMaximumBatchSize)
        return QStringLiteral("batch size %1 is not in 1..%2").arg(batchSize).arg(kMaximumBatchSize);
    const qint64 side = imageSize > 0 ? imageSize : defaultInputSize(architecture);
    const qint64 batchBytes = qint64(batchSize) * 3 * side * side * qint64(sizeof(float));
    if (batchBytes > kMaximumBatchInputBytes)
        return QStringLiteral("a batch of %1 images of %2 x %2 pixels needs %3 MB of input alone, more than %4 MB: "
                              "lower the batch size or the image size")
            .arg(batchSize).arg(side).arg(batchBytes >> 20).arg(kMaximumBatchInputBytes >> 20);
    if (!(validationFraction >= 0 && validationFraction < 1))
        return QStringLiteral("the validation fraction %1 is not in [0, 1)").arg(validationFraction);
    if (!(std::isfinite(learningRate) && learningRate >= 0))
        return QStringLiteral("the learning rate %1 is not a positive number").arg(learningRate);
    if (!(weightDecay <= kMaximumWeightDecay)) // negative: the default
        return QStringLiteral("the weight decay %1 is not a number of at most %2").arg(weightDecay).arg(kMaximumWeightDecay);
    if (!(labelSmoothing >= 0 && labelSmoothing < 1))
        return QStringLiteral("the label smoothing %1 is not in [0, 1)").arg(labelSmoothing);
    if (warmupEpochs < 0 || warmupEpochs > kMaximumEpochs)
        return QStringLiteral("%1 warm-up epochs is not in 0..%2").arg(warmupEpochs).arg(kMaximumEpochs);
    if (patience < 0)
        return QStringLiteral("the patience %1 is negative").arg(patience);
    if (headEpochs < -1 || headEpochs > kMaximumEpochs)
        return QStringLiteral("%1 head epochs is not in 0..%2").arg(headEpochs).arg(kMaximumEpochs);
    if (!(layerDecay > 0 && layerDecay <= 1))
        return QStringLiteral("the layer-wise learning-rate decay %1 is not in (0, 1]").arg(layerDecay);
    if (!(averagingEpochs >= 0 && averagingEpochs <= kMaximumEpochs))
        return QStringLiteral("the weight-averaging horizon %1 is not in 0..%2 epochs").arg(averagingEpochs).arg(kMaximumEpochs);
    if (!(minimumCropScale > 0 && minimumCropScale <= 1))
        return QStringLiteral("the crop scale %1 is not in (0, 1]").arg(minimumCropScale);
    if (!(targetAccuracy > 0 && targetAccuracy <= 1))
        return QStringLiteral("the target accuracy %1 is not in (0, 1]").arg(targetAccuracy);
    if (threads < 0 || threads > kMaximumThreads)
        return QStringLiteral("%1 threads is not in 0..%2").arg(threads).arg(kMaximumThreads);
    if (cacheMemoryBytes < 0)
        return QStringLiteral("the decoded-image cache cannot have negative memory");
    return std::nullopt;
}

QString classBalanceName(ClassBalance balance)
{
    switch (balance) {
    case ClassBalance::None:
        return QStringLiteral("none");
    case ClassBalance::SquareRoot:
        return QStringLiteral("sqrt");
    case ClassBalance::Full:
        break;
    }
    return QStringLiteral("full");
}

std::optional<ClassBalance> classBalanceFromName(const QString &name)
{
    for (const ClassBalance balance : {ClassBalance::None, ClassBalance::SquareRoot, ClassBalance::Full}) {
        if (classBalanceName(balance) == name)
            return balance;
    }
    return std::nullopt;
}

} // namespace accession
