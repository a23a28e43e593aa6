#include "ml/trainingcard.h"
#include "ml/trainingestimate.h"
#include "ml/trainingrecipe.h"
#include "ml/trainingschedule.h"

#include <QJsonArray>
#include <QTest>

#include <algorithm>
#include <cmath>

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
    void theRateWarmsUpThenDecaysToOnePercent();
    void epochOrdersAreSeededAndComplete();
    void theCardRecordsTheRecipeOfTheEveryLayerPhase();
    void smallDepartmentsWeighMoreInTheLoss();
    void theInputComesFromTheWeightsUnlessTheOptionsSayOtherwise();
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

void TestRecipe::theRateWarmsUpThenDecaysToOnePercent()
{
    // 100 steps, 10 of warm-up: linear up to the base rate, then cosine down to 1% of it.
    QCOMPARE(scheduledRate(1.0, 0, 100, 10), 0.1);
    QCOMPARE(scheduledRate(1.0, 9, 100, 10), 1.0);
    QCOMPARE(scheduledRate(1.0, 10, 100, 10), 1.0);
    QCOMPARE(scheduledRate(1.0, 55, 100, 10), 0.505); // halfway through the decay
    QCOMPARE(scheduledRate(1.0, 100, 100, 10), 0.01);
    QCOMPARE(scheduledRate(1.0, 500, 100, 10), 0.01); // past the end it stays at the floor
    double previous = 2.0;
    for (qint64 step = 10; step <= 100; ++step) {
        const double rate = scheduledRate(2e-4, step, 100, 10) / 2e-4;
        QVERIFY(rate <= previous);
        previous = rate;
    }
    QCOMPARE(scheduledRate(1.0, 0, 100, 0), 1.0); // no warm-up: the decay starts at once
}

void TestRecipe::epochOrdersAreSeededAndComplete()
{
    const std::vector<int> order = shuffledOrder(50, mixSeed(1, 3));
    QCOMPARE(order, shuffledOrder(50, mixSeed(1, 3))); // a resumed run draws the same order
    QVERIFY(order != shuffledOrder(50, mixSeed(1, 4)));
    QVERIFY(order != identityOrder(50));
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    QCOMPARE(sorted, identityOrder(50));
    QVERIFY(mixSeed(1, 1000) != mixSeed(1001, 0));
}

void TestRecipe::theCardRecordsTheRecipeOfTheEveryLayerPhase()
{
    DataSplit split;
    split.splitId = 7;
    split.classes = QStringList{QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art")};
    split.train = {{1, QStringLiteral("/a.jpg"), QString(), 0}, {2, QStringLiteral("/b.jpg"), QString(), 1},
                   {3, QStringLiteral("/c.jpg"), QString(), 1}};
    split.validation = {{4, QStringLiteral("/d.jpg"), QString(), 0}};
    TrainingRunRecord record;
    record.catalogPath = QStringLiteral("/catalogs/met.db");
    record.keptPhase = QStringLiteral("fine-tune");
    record.keptEpoch = 5;
    record.history = {EpochReport{QStringLiteral("head"), 1, 2}, EpochReport{QStringLiteral("fine-tune"), 5, 8}};

    const TrainingOptions options = fromWeights(10);
    const TrainingRecipe recipe = resolveRecipe(options);
    const ModelCard card = trainedModelCard(options, recipe, split, Preprocessing::imagenet(), EvaluationReport(), record);
    QCOMPARE(card.classes, split.classes);
    QCOMPARE(card.splitId, qint64(7));
    QCOMPARE(card.catalogPath, record.catalogPath);
    QCOMPARE(card.trainingImagesPerClass.value(QStringLiteral("Asian Art")), 2);
    QCOMPARE(card.validationImagesPerClass.value(QStringLiteral("Arms and Armor")), 1);
    QCOMPARE(card.training.value(QStringLiteral("learning_rate")).toDouble(), recipe.everyLayerLearningRate);
    QCOMPARE(card.training.value(QStringLiteral("weight_decay")).toDouble(), defaultPretrainedWeightDecay);
    QCOMPARE(card.training.value(QStringLiteral("frozen_batch_norm")).toBool(), true);
    QCOMPARE(card.training.value(QStringLiteral("history")).toArray().size(), 2);
    QCOMPARE(card.training.value(QStringLiteral("kept_epoch")).toObject().value(QStringLiteral("epoch")).toInt(), 5);

    // The head alone (the Quick preset) has no every-layer phase, so no rate or decay of one.
    TrainingOptions quick = options;
    quick.featuresCache = true;
    quick.epochs = 0;
    const ModelCard quickCard = trainedModelCard(quick, resolveRecipe(quick), split, Preprocessing::imagenet(), EvaluationReport(), record);
    QCOMPARE(quickCard.training.value(QStringLiteral("learning_rate")).toDouble(), 0.0);
    QCOMPARE(quickCard.training.value(QStringLiteral("weight_decay")).toDouble(), 0.0);
}

void TestRecipe::smallDepartmentsWeighMoreInTheLoss()
{
    // 8 images: 6 of department 0, 2 of department 1, none of department 2.
    QVector<Example> train;
    for (int i = 0; i < 8; ++i)
        train.push_back({i + 1, QStringLiteral("/%1.jpg").arg(i), QString(), i < 6 ? 0 : 1});

    const std::vector<float> none = classLossWeights(train, 3, ClassBalance::None);
    QCOMPARE(none, (std::vector<float>{1.0f, 1.0f, 1.0f}));

    // Full: N / (classes * n), so both departments weigh the same in total (6 x 4/9 = 2 x 4/3).
    const std::vector<float> full = classLossWeights(train, 3, ClassBalance::Full);
    QCOMPARE(full[0], 8.0f / 18.0f);
    QCOMPARE(full[1], 8.0f / 6.0f);
    QCOMPARE(full[2], 0.0f);

    // Square root: halfway, the small department still ahead per image but behind in total.
    const std::vector<float> squareRoot = classLossWeights(train, 3, ClassBalance::SquareRoot);
    QCOMPARE(squareRoot[0], std::sqrt(8.0f / 18.0f));
    QCOMPARE(squareRoot[1], std::sqrt(8.0f / 6.0f));
    QCOMPARE(squareRoot[2], 0.0f);
    QVERIFY(6 * squareRoot[0] > 2 * squareRoot[1]);

    // A balanced split weighs every image alike whatever the balance.
    QVector<Example> balanced = train.mid(4); // 2 and 2
    for (const ClassBalance balance : {ClassBalance::Full, ClassBalance::SquareRoot})
        QCOMPARE(classLossWeights(balanced, 2, balance), (std::vector<float>{1.0f, 1.0f}));
}

void TestRecipe::theInputComesFromTheWeightsUnlessTheOptionsSayOtherwise()
{
    // Nothing set and no JSON beside the weights: ImageNet's normalisation at the architecture's size.
    TrainingOptions options = fromScratch(10);
    Preprocessing input = resolvePreprocessing(options, std::nullopt);
    QCOMPARE(input.inputSize, 224);
    QCOMPARE(input.mean, Preprocessing::imagenet().mean);
    QCOMPARE(input.centerCropFraction, defaultCenterCropFraction);
    options.architecture = Architecture::Baseline;
    QCOMPARE(resolvePreprocessing(options, std::nullopt).inputSize, 64);

    // The weights' JSON decides what the options leave unset.
    Preprocessing beside = Preprocessing::imagenet(256);
    beside.mean = {0.5f, 0.5f, 0.5f};
    beside.std = {0.25f, 0.25f, 0.25f};
    options = fromWeights(10);
    input = resolvePreprocessing(options, beside);
    QCOMPARE(input.inputSize, 256);
    QCOMPARE(input.mean, beside.mean);
    QCOMPARE(input.std, beside.std);

    // What the options set wins, and the evaluation crop is always theirs.
    options.imageSize = 128;
    options.std = std::array<float, 3>{0.2f, 0.3f, 0.4f};
    options.centerCropFraction = 0.875;
    input = resolvePreprocessing(options, beside);
    QCOMPARE(input.inputSize, 128);
    QCOMPARE(input.mean, beside.mean);
    QCOMPARE(input.std, *options.std);
    QCOMPARE(input.centerCropFraction, 0.875);
}

QTEST_GUILESS_MAIN(TestRecipe)
#include "tst_recipe.moc"
