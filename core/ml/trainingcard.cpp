#include "trainingcard.h"

#include <QDateTime>
#include <QFileInfo>

namespace accession {

ModelCard trainedModelCard(const TrainingOptions &options, const TrainingRecipe &recipe, const DataSplit &split,
                           const Preprocessing &preprocessing, const EvaluationReport &validation,
                           const TrainingRunRecord &record)
{
    ModelCard card;
    card.architecture = architectureName(options.architecture);
    card.classes = split.classes;
    card.level = options.groupLevel ? QStringLiteral("group") : QStringLiteral("department");
    card.preprocessing = preprocessing;
    card.temperature = validation.temperature;
    card.threshold = validation.thresholdForTarget;
    card.targetAccuracy = options.targetAccuracy;
    card.outOfScopeScore = validation.outOfScopeScore;
    card.outOfScopeThreshold = validation.outOfScopeThreshold;
    card.validation = validation;
    card.trainedAt = QDateTime::currentDateTimeUtc();
    card.trainingImagesPerClass = split.countPerClass(split.train);
    card.validationImagesPerClass = split.countPerClass(split.validation);
    card.pretrainedFrom = options.pretrainedWeights.isEmpty() ? QString() : QFileInfo(options.pretrainedWeights).absoluteFilePath();
    card.catalogPath = record.catalogPath;
    card.splitId = split.splitId;
    QJsonArray history;
    for (const EpochReport &epoch : record.history)
        history.append(epochReportToJson(epoch));
    // The every-layer phase's rate and decay; 0 when the run had none (the head alone).
    const bool everyLayer = recipe.everyLayerEpochs > 0;
    card.training = QJsonObject{
        {QStringLiteral("near_duplicate_groups"), split.nearDuplicateGroups},
        {QStringLiteral("moved_for_near_duplicates"), split.movedForNearDuplicates},
        {QStringLiteral("epochs"), options.epochs},
        {QStringLiteral("batch_size"), options.batchSize},
        {QStringLiteral("optimizer"), options.optimizer == OptimizerKind::Sgd ? QStringLiteral("sgd") : QStringLiteral("adamw")},
        {QStringLiteral("label_smoothing"), options.labelSmoothing},
        {QStringLiteral("class_balance"), classBalanceName(options.classBalance)},
        {QStringLiteral("minimum_crop_scale"), options.minimumCropScale},
        {QStringLiteral("learning_rate"), everyLayer ? recipe.everyLayerLearningRate : 0.0},
        {QStringLiteral("weight_decay"), everyLayer ? recipe.weightDecay : 0.0},
        {QStringLiteral("frozen_batch_norm"), recipe.frozenBatchNorm},
        {QStringLiteral("weight_averaging_epochs"), options.averagingEpochs},
        {QStringLiteral("layer_decay"), options.layerDecay},
        {QStringLiteral("seed"), qint64(options.seed)},
        {QStringLiteral("validation_fraction"), options.validationFraction},
        {QStringLiteral("features_cache"), options.featuresCache},
        {QStringLiteral("labels"), QStringLiteral("%1%2").arg(options.importedLabels ? QStringLiteral("imported ") : QString(),
                                                               options.curatorLabels ? QStringLiteral("curator") : QString()).trimmed()},
        {QStringLiteral("threads"), record.threads},
        {QStringLiteral("device"), record.device},
        {QStringLiteral("phases"), record.phases},
        {QStringLiteral("history"), history},
        {QStringLiteral("kept_epoch"), QJsonObject{{QStringLiteral("phase"), record.keptPhase}, {QStringLiteral("epoch"), record.keptEpoch}}},
        {QStringLiteral("images_decoded"), record.imagesDecoded},
        {QStringLiteral("seconds"), record.seconds}};
    return card;
}

} // namespace accession
