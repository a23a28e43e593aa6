#include "ml/trainingestimate.h"
#include "ml/trainingrecipe.h"

#include <QTest>

using namespace accession;

namespace {

TrainingOptions fromScratch(int epochs, OptimizerKind optimizer = OptimizerKind::AdamW)
{
    TrainingOptions options;
    options.epochs = epochs;
    options.optimizer = optimizer;
    return options;
}

TrainingOptions fromWeights(int epochs, OptimizerKind optimizer = OptimizerKind::AdamW)
{
    TrainingOptions options = fromScratch(epochs, optimizer);
    options.architecture = Architecture::MobileNetV2;
    options.pretrainedWeights = QStringLiteral("/weights/mobilenet_v2.safetensors");
    return options;
}

QStringList phasesOf(const TrainingEstimate &estimate)
{
    QStringList phases;
    for (const PlannedStretch &stretch : estimate.stretches)
        phases << QStringLiteral("%1 x%2").arg(stretch.phase).arg(stretch.epochs);
    return phases;
}

} // namespace

// The defaults a training run decides from its options, checked without training anything.
class TestRecipe : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fromScratchTrainsEveryLayerWithTheOptimizersDefaults();
    void fromWeightsTrainsTheHeadFirstForAQuarterOfTheEpochs();
    void headEpochsAskedForReplaceTheAutomaticShare();
    void featureCacheFitsTheHeadOnFeaturesInsteadOfImages();
    void featureCacheWithoutWeightsIsNoCachedHead();
    void anAskedRateScalesByPhase();
    void anAskedWeightDecayOrBatchNormChoiceIsKept();
    void theEstimatePlansTheRecipesPhases();
};

void TestRecipe::fromScratchTrainsEveryLayerWithTheOptimizersDefaults()
{
    const TrainingRecipe adamw = resolveRecipe(fromScratch(25));
    QVERIFY(!adamw.pretrained);
    QVERIFY(!adamw.cachedHead);
    QCOMPARE(adamw.headEpochs, 0);
    QCOMPARE(adamw.everyLayerPhase, QStringLiteral("train"));
    QCOMPARE(adamw.everyLayerEpochs, 25);
    QCOMPARE(adamw.everyLayerLearningRate, 1e-3);
    QCOMPARE(adamw.weightDecay, defaultScratchAdamWWeightDecay);
    QVERIFY(!adamw.frozenBatchNorm); // batch norm learns its statistics from scratch

    const TrainingRecipe sgd = resolveRecipe(fromScratch(25, OptimizerKind::Sgd));
    QCOMPARE(sgd.everyLayerLearningRate, 0.05);
    QCOMPARE(sgd.weightDecay, defaultScratchSgdWeightDecay);
}

void TestRecipe::fromWeightsTrainsTheHeadFirstForAQuarterOfTheEpochs()
{
    const TrainingRecipe recipe = resolveRecipe(fromWeights(10));
    QVERIFY(recipe.pretrained);
    QVERIFY(!recipe.cachedHead);
    QCOMPARE(recipe.headEpochs, 2);
    QCOMPARE(recipe.headLearningRate, 1e-3);
    QCOMPARE(recipe.everyLayerPhase, QStringLiteral("fine-tune"));
    QCOMPARE(recipe.everyLayerEpochs, 8);
    QCOMPARE(recipe.everyLayerLearningRate, 2e-4);
    QCOMPARE(recipe.weightDecay, defaultPretrainedWeightDecay);
    QVERIFY(recipe.frozenBatchNorm); // ImageNet's statistics are kept

    // At least one epoch of head, at most three, whatever the run's length.
    QCOMPARE(resolveRecipe(fromWeights(2)).headEpochs, 1);
    QCOMPARE(resolveRecipe(fromWeights(2)).everyLayerEpochs, 1);
    QCOMPARE(resolveRecipe(fromWeights(1)).headEpochs, 1);
    QCOMPARE(resolveRecipe(fromWeights(1)).everyLayerEpochs, 0);
    QCOMPARE(resolveRecipe(fromWeights(40)).headEpochs, 3);
    QCOMPARE(resolveRecipe(fromWeights(40)).everyLayerEpochs, 37);

    const TrainingRecipe sgd = resolveRecipe(fromWeights(10, OptimizerKind::Sgd));
    QCOMPARE(sgd.headLearningRate, 0.05);
    QCOMPARE(sgd.everyLayerLearningRate, 0.01);
    QCOMPARE(sgd.weightDecay, defaultPretrainedWeightDecay);
}

void TestRecipe::headEpochsAskedForReplaceTheAutomaticShare()
{
    TrainingOptions options = fromWeights(10);
    options.headEpochs = 0;
    QCOMPARE(resolveRecipe(options).headEpochs, 0);
    QCOMPARE(resolveRecipe(options).everyLayerEpochs, 10);
    options.headEpochs = 12; // more than the run has: the head alone, no fine-tune
    QCOMPARE(resolveRecipe(options).headEpochs, 12);
    QCOMPARE(resolveRecipe(options).everyLayerEpochs, 0);
}

void TestRecipe::featureCacheFitsTheHeadOnFeaturesInsteadOfImages()
{
    TrainingOptions options = fromWeights(12);
    options.featuresCache = true;
    const TrainingRecipe recipe = resolveRecipe(options);
    QVERIFY(recipe.cachedHead);
    QCOMPARE(recipe.cachedHeadLearningRate, kCachedHeadLearningRate);
    QCOMPARE(recipe.cachedHeadWeightDecay, kCachedHeadWeightDecay);
    QCOMPARE(recipe.headEpochs, 0);
    QCOMPARE(recipe.everyLayerEpochs, 12);
    options.epochs = 0; // the Quick preset: the head on cached features alone
    QCOMPARE(resolveRecipe(options).everyLayerEpochs, 0);
}

void TestRecipe::featureCacheWithoutWeightsIsNoCachedHead()
{
    TrainingOptions options = fromScratch(5);
    options.featuresCache = true;
    const TrainingRecipe recipe = resolveRecipe(options);
    QVERIFY(!recipe.cachedHead);
    QCOMPARE(recipe.headEpochs, 0);
    QCOMPARE(recipe.everyLayerPhase, QStringLiteral("train"));
}

void TestRecipe::anAskedRateScalesByPhase()
{
    TrainingOptions options = fromWeights(10);
    options.learningRate = 0.01;
    const TrainingRecipe pretrained = resolveRecipe(options);
    QCOMPARE(pretrained.headLearningRate, 0.01);
    QCOMPARE(pretrained.everyLayerLearningRate, 0.002); // a pretrained backbone moves at a fifth of it
    QCOMPARE(pretrained.cachedHeadLearningRate, 0.03);

    options.pretrainedWeights.clear();
    QCOMPARE(resolveRecipe(options).everyLayerLearningRate, 0.01);
}

void TestRecipe::anAskedWeightDecayOrBatchNormChoiceIsKept()
{
    TrainingOptions options = fromWeights(10);
    options.weightDecay = 0; // zero is a choice, not "unset"
    options.freezeBatchNorm = false;
    QCOMPARE(resolveRecipe(options).weightDecay, 0.0);
    QVERIFY(!resolveRecipe(options).frozenBatchNorm);

    options = fromScratch(10);
    options.weightDecay = 0.3;
    options.freezeBatchNorm = true;
    QCOMPARE(resolveRecipe(options).weightDecay, 0.3);
    QVERIFY(resolveRecipe(options).frozenBatchNorm);
}

void TestRecipe::theEstimatePlansTheRecipesPhases()
{
    const MeasuredRates rates{100, 400};
    const QString weights = QStringLiteral("/weights/mobilenet_v2.safetensors");
    QCOMPARE(phasesOf(estimateTraining(presetOptions(TrainingPreset::QuickHead, {}, weights), 800, 200, rates)),
             (QStringList{QStringLiteral("cached-head x1"), QStringLiteral("calibration x1")}));
    QCOMPARE(phasesOf(estimateTraining(presetOptions(TrainingPreset::BestFineTune, {}, weights), 800, 200, rates)),
             (QStringList{QStringLiteral("cached-head x1"), QStringLiteral("fine-tune x%1").arg(kPresetFineTuneEpochs),
                          QStringLiteral("calibration x1")}));
    QCOMPARE(phasesOf(estimateTraining(presetOptions(TrainingPreset::FromScratch, {}), 800, 200, rates)),
             (QStringList{QStringLiteral("train x%1").arg(kPresetScratchEpochs), QStringLiteral("calibration x1")}));
    QCOMPARE(phasesOf(estimateTraining(fromWeights(10), 800, 200, rates)),
             (QStringList{QStringLiteral("head x2"), QStringLiteral("fine-tune x8"), QStringLiteral("calibration x1")}));
}

QTEST_GUILESS_MAIN(TestRecipe)
#include "tst_recipe.moc"
