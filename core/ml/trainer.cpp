#include "trainer.h"

#include "backbone_torch.h"
#include "checkpoint_torch.h"
#include "datasplit.h"
#include "device.h"
#include "headfitting_torch.h"
#include "imagepipeline_torch.h"
#include "metrics.h"
#include "modelcard.h"
#include "network_torch.h"
#include "trainingcard.h"
#include "trainingschedule.h"
#include "weightaverage_torch.h"
#include "weightserror.h"

#include "catalog/catalog.h"
#include "catalog/classificationlevel.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace accession {

namespace {

// Each parameter group at the rate times its own scale (layer-wise decay); groups past the scales at the rate.
void setRate(torch::optim::Optimizer &optimizer, double rate, const std::vector<double> &groupScales = {})
{
    for (size_t i = 0; i < optimizer.param_groups().size(); ++i)
        optimizer.param_groups()[i].options().set_lr(rate * (i < groupScales.size() ? groupScales[i] : 1.0));
}

// The network's parameters by stage, input first: "features.<n>" for MobileNetV2's blocks, else the top-level
// module (conv1, bn1, layer1 ... layer4, fc; classifier). Registration order is the order of the forward pass.
std::vector<std::vector<torch::Tensor>> parametersByStage(torch::nn::Module &net)
{
    std::vector<std::string> stages;
    std::map<std::string, std::vector<torch::Tensor>> parameters;
    for (const auto &item : net.named_parameters()) {
        const std::string &name = item.key();
        const size_t first = name.find('.');
        std::string stage = name.substr(0, first);
        if (stage == "features" && first != std::string::npos)
            stage = name.substr(0, name.find('.', first + 1));
        if (!parameters.count(stage))
            stages.push_back(stage);
        parameters[stage].push_back(item.value());
    }
    std::vector<std::vector<torch::Tensor>> grouped;
    for (const std::string &stage : stages)
        grouped.push_back(parameters[stage]);
    return grouped;
}

torch::Tensor labelsOf(const QVector<Example> &examples)
{
    std::vector<int64_t> labels;
    for (const Example &example : examples)
        labels.push_back(example.classIndex);
    return torch::tensor(labels);
}

// Everything one training run holds; lives on the calling thread for the duration of trainModel().
struct TrainingRun
{
    TrainingRecord &results;
    const TrainingControl &control;
    const TrainingOptions &options;
    const TrainingRecipe recipe;
    Catalog catalog;
    DataSplit split;
    Preprocessing preprocessing;
    torch::Device device{torch::kCPU};
    ml::ClassifierNet net;
    std::unique_ptr<ml::DecodedImageCache> cache;         // at the resize size: centre crops
    std::unique_ptr<ml::DecodedImageCache> trainingCache; // larger: random resized crops
    std::unique_ptr<ml::BatchLoader> trainLoader;
    std::unique_ptr<ml::BatchLoader> validationLoader;
    torch::Tensor classWeights;
    QJsonArray phasesJson;
    QElapsedTimer clock;
    ml::BestWeights best;
    ml::WeightAverage average; // within the current phase (TrainingOptions::averagingEpochs)
    std::vector<double> groupScales; // the current optimizer's rate scale per parameter group (layer-wise decay)

    TrainingRun(TrainingRecord &record, const TrainingControl &runControl, const TrainingOptions &opts)
        : results(record)
        , control(runControl)
        , options(opts)
        , recipe(resolveRecipe(opts))
        , catalog(opts.catalogPath)
    {
    }

    QString cacheDir() const { return ml::featureCacheDirOf(catalog.path()); }

    void recordFailures(const std::vector<std::pair<QString, QString>> &failures)
    {
        if (!failures.empty())
            results.addFailures(failures);
    }

    void prepare()
    {
        if (!QDir().mkpath(QFileInfo(options.outPath).absolutePath()))
            throw std::runtime_error(QStringLiteral("cannot create the folder for %1").arg(options.outPath).toStdString());
        split = prepareSplit(catalog, options.seed, options.validationFraction, options.importedLabels, options.curatorLabels);
        if (options.groupLevel) {
            const ClassRollup groups = ClassRollup::load(catalog, ClassificationLevel::Group);
            split = rolledUpSplit(split, [&groups](const QString &department) { return groups.classOf(department); });
        }
        if (split.movedForNearDuplicates > 0) {
            control.work.report(0, 1, QStringLiteral("Moved %1 items of near-duplicate groups to one side of the split, so that no "
                                                     "group is on both sides").arg(split.movedForNearDuplicates));
        }
        if (split.classes.size() < 2)
            throw std::runtime_error((split.classes.isEmpty()
                                          ? QStringLiteral("%1 has no labelled items yet; training needs labelled items in at least two departments")
                                          : QStringLiteral("%1 has labelled items in only one department; training needs at least two"))
                                         .arg(catalog.path()).toStdString());
        if (split.validation.isEmpty() && options.validationFraction > 0)
            throw std::runtime_error(QStringLiteral("too few labelled items in %1 for a validation set").arg(catalog.path()).toStdString());

        const std::optional<Preprocessing> besideWeights = options.pretrainedWeights.isEmpty()
            ? std::nullopt
            : preprocessingBeside(options.pretrainedWeights, Preprocessing::imagenet(defaultInputSize(options.architecture)));
        preprocessing = resolvePreprocessing(options, besideWeights);
        if (const auto problem = preprocessing.problem())
            throw std::runtime_error(QStringLiteral("cannot train: %1").arg(*problem).toStdString());

        device = ml::selectDevice();
        torch::manual_seed(options.seed);
        net = ml::createNetwork(options.architecture, int(split.classes.size()), preprocessing.inputSize);
        if (!options.pretrainedWeights.isEmpty()) {
            const ml::NamedTensors tensors = ml::toTorchvisionNames(ml::readNetworkTensors(options.pretrainedWeights), options.architecture);
            ml::assignTensors(*net, tensors, options.pretrainedWeights, net->headName() + ".");
        }
        net->to(device);
        ml::useChannelsLast(*net);

        // Centre crops (validation, cached features) come from images at the resize size. Random crops come
        // from images large enough that the smallest crop still holds the input size in real pixels (up to
        // twice it), so that training does not see enlarged, blurred crops that test images never look like.
        const qint64 validationBudget = qint64(double(options.cacheMemoryBytes) * options.validationFraction);
        cache = std::make_unique<ml::DecodedImageCache>(preprocessing.resizeSize(), validationBudget,
                                                        cacheDir() + QStringLiteral("/decoded"));
        const int smallestCropSide = int(std::ceil(preprocessing.inputSize / std::sqrt(options.minimumCropScale)));
        const int cropSourceSide = std::max(preprocessing.resizeSize(), std::min(2 * preprocessing.inputSize, smallestCropSide));
        trainingCache = std::make_unique<ml::DecodedImageCache>(cropSourceSide, options.cacheMemoryBytes - validationBudget,
                                                                cacheDir() + QStringLiteral("/decoded"),
                                                                ml::DecodedImageCache::Sizing::AtMost);
        const int workers = std::max(1, std::min(4, configureComputeThreads(options.threads)));
        trainLoader = std::make_unique<ml::BatchLoader>(split.train, *trainingCache, preprocessing, ml::Augmentation::RandomResizedCrop,
                                                        options.batchSize, workers);
        trainLoader->setMinimumCropScale(options.minimumCropScale);
        validationLoader = std::make_unique<ml::BatchLoader>(split.validation, *cache, preprocessing,
                                                             ml::Augmentation::CenterCrop, options.batchSize, workers);

        classWeights = torch::tensor(classLossWeights(split.train, int(split.classes.size()), options.classBalance)).to(device);
    }

    torch::Tensor loss(const torch::Tensor &logits, const torch::Tensor &labels) const
    {
        return torch::nn::functional::cross_entropy(
            logits, labels,
            torch::nn::functional::CrossEntropyFuncOptions().weight(classWeights).label_smoothing(options.labelSmoothing));
    }

    void setTrainingMode()
    {
        net->train();
        if (recipe.frozenBatchNorm)
            ml::setBatchNormFrozen(*net, true);
    }

    // Validation logits with the loader's examples' labels, in example order: through the same function as
    // evaluation and classification (forEachCentreCropBatch), so the accuracy reported here is theirs.
    // features: when given, also each image's L2-normalised pooled features, row after row in the same order.
    LogitSet validationLogits(ml::BatchLoader &loader, std::vector<float> *features = nullptr)
    {
        LogitSet set;
        set.classes = int(split.classes.size());
        const auto collect = [&](const ml::Batch &batch, const torch::Tensor &logits, const torch::Tensor &pooled) {
            recordFailures(batch.failures);
            if (logits.defined()) {
                set.logits.insert(set.logits.end(), logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
                for (int index : batch.examples)
                    set.labels.push_back(loader.examples()[index].classIndex);
                if (features)
                    features->insert(features->end(), pooled.data_ptr<float>(), pooled.data_ptr<float>() + pooled.numel());
            }
            control.work.throwIfCancelled();
        };
        if (features)
            ml::forEachCentreCropBatchWithFeatures(*net, device, loader, collect);
        else
            ml::forEachCentreCropBatch(*net, device, loader, [&](const ml::Batch &batch, const torch::Tensor &logits) { collect(batch, logits, {}); });
        return set;
    }

    // Training photographs for the knn_energy bank: at most kMaximumFeatureBankRows, the departments taking turns
    // (each shuffled with the run's seed), so that a large department does not crowd out a small one.
    QVector<Example> featureBankExamples() const
    {
        std::vector<std::vector<Example>> byClass(size_t(split.classes.size()));
        for (const Example &example : split.train)
            byClass[size_t(example.classIndex)].push_back(example);
        std::mt19937_64 random(mixSeed(options.seed, 4099));
        for (auto &examples : byClass)
            std::shuffle(examples.begin(), examples.end(), random);
        QVector<Example> chosen;
        for (size_t turn = 0; chosen.size() < kMaximumFeatureBankRows; ++turn) {
            bool any = false;
            for (const auto &examples : byClass) {
                if (turn < examples.size() && chosen.size() < kMaximumFeatureBankRows) {
                    chosen.push_back(examples[turn]);
                    any = true;
                }
            }
            if (!any)
                break;
        }
        return chosen;
    }

    // The knn_energy score fitted on validation: the training photographs' features (the bank, [rows x feature
    // size]), the validation photographs' sorted kNN distances and energies, and the joined score's threshold.
    torch::Tensor fitFeatureSpaceScore(const LogitSet &validation, const std::vector<float> &validationFeatures,
                                       EvaluationReport &report, FeatureSpaceReference &reference)
    {
        control.work.report(0, 1, QStringLiteral("Keeping the training photographs' features for the out-of-scope score"));
        const QVector<Example> examples = featureBankExamples();
        const int workers = std::max(1, std::min(4, configureComputeThreads(options.threads)));
        ml::BatchLoader loader(examples, *cache, preprocessing, ml::Augmentation::CenterCrop, options.batchSize, workers);
        std::vector<float> rows;
        ml::forEachCentreCropBatchWithFeatures(*net, device, loader, [&](const ml::Batch &batch, const torch::Tensor &logits,
                                                                         const torch::Tensor &features) {
            recordFailures(batch.failures);
            if (logits.defined())
                rows.insert(rows.end(), features.data_ptr<float>(), features.data_ptr<float>() + features.numel());
            control.work.throwIfCancelled();
        });
        const int64_t dims = net->featureSize();
        const int64_t count = int64_t(rows.size()) / dims;
        if (count == 0 || validation.count() == 0)
            return torch::Tensor(); // nothing to compare with: the card keeps the max softmax threshold evaluate() fitted
        reference.k = kDefaultNearestNeighbours;
        std::vector<double> joined;
        for (int i = 0; i < validation.count(); ++i) {
            reference.knnDistances.push_back(kthNearestDistance(validationFeatures.data() + size_t(i) * size_t(dims), rows.data(), count,
                                                                dims, reference.k));
            reference.energies.push_back(energyScore(validation.logits.data() + size_t(i) * size_t(validation.classes), validation.classes,
                                                     report.temperature));
        }
        const std::vector<double> knnDistances = reference.knnDistances;
        const std::vector<double> energies = reference.energies;
        std::sort(reference.knnDistances.begin(), reference.knnDistances.end());
        std::sort(reference.energies.begin(), reference.energies.end());
        for (size_t i = 0; i < knnDistances.size(); ++i)
            joined.push_back(reference.joinedScore(knnDistances[i], energies[i]));
        report.outOfScopeScore = OutOfScopeScore::KnnEnergy;
        report.outOfScopeThreshold = quantile(joined, report.inScopeFraction);
        return torch::from_blob(rows.data(), {count, dims}, torch::kFloat32).clone();
    }

    // One parameter group per stage when layerScales is given (its rate scaled), else one group of them all.
    std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const std::vector<torch::Tensor> &parameters, double rate,
                                                           double weightDecay,
                                                           const std::vector<std::vector<torch::Tensor>> &stages = {},
                                                           const std::vector<double> &layerScales = {}) const
    {
        const auto groups = [&](const auto &prototype) {
            std::vector<torch::optim::OptimizerParamGroup> list;
            for (size_t i = 0; i < stages.size(); ++i) {
                auto scaled = std::make_unique<std::decay_t<decltype(prototype)>>(prototype);
                scaled->lr(rate * layerScales[i]);
                list.emplace_back(stages[i], std::move(scaled));
            }
            return list;
        };
        if (options.optimizer == OptimizerKind::Sgd) {
            const auto sgd = torch::optim::SGDOptions(rate).momentum(0.9).nesterov(true).weight_decay(weightDecay);
            if (!stages.empty())
                return std::make_unique<torch::optim::SGD>(groups(sgd), sgd);
            return std::make_unique<torch::optim::SGD>(parameters, sgd);
        }
        const auto adamw = torch::optim::AdamWOptions(rate).weight_decay(weightDecay);
        if (!stages.empty())
            return std::make_unique<torch::optim::AdamW>(groups(adamw), adamw);
        return std::make_unique<torch::optim::AdamW>(parameters, adamw);
    }

    QString checkpointPath() const { return trainingCheckpointPath(options.outPath); }

    // Training diverged: stop before anything is written from the broken weights, and say what to do. The last
    // checkpoint, written at the end of the last good epoch, stays as it was.
    [[noreturn]] void stopDiverged(const QString &what, const QString &where, double rate) const
    {
        const QString kept = QFile::exists(checkpointPath())
            ? QStringLiteral("the last good epoch stays in %1 (rerun with --resume and a lower rate)").arg(checkpointPath())
            : QStringLiteral("no epoch had finished, so nothing was saved");
        throw std::runtime_error(QStringLiteral("training stopped: %1 at %2, with the learning rate at %3; the rate is probably "
                                                "too high, try a lower one (--lr); %4")
                                     .arg(what, where).arg(rate, 0, 'g', 3).arg(kept).toStdString());
    }

    ml::TrainingHooks hooks()
    {
        ml::TrainingHooks hooks;
        hooks.progress = [this](qint64 done, qint64 total, const QString &message) { control.work.report(done, total, message); };
        hooks.failures = [this](const std::vector<std::pair<QString, QString>> &failures) { recordFailures(failures); };
        hooks.throwIfCancelled = [this] { control.work.throwIfCancelled(); };
        hooks.diverged = [this](const QString &what, const QString &where, double rate) { stopDiverged(what, where, rate); };
        return hooks;
    }

    void saveCheckpoint(int phaseIndex, int epochsDone, const torch::optim::Optimizer &optimizer)
    {
        ml::TrainingCheckpoint checkpoint;
        checkpoint.phase = phaseIndex;
        checkpoint.epochsDone = epochsDone;
        checkpoint.model = ml::stateDict(*net);
        checkpoint.best = best;
        checkpoint.average = average;
        checkpoint.optimizer = ml::optimizerState(optimizer);
        checkpoint.rng = ml::cpuGeneratorState();
        checkpoint.classes = split.classes;
        checkpoint.architecture = architectureName(options.architecture);
        checkpoint.splitId = split.splitId;
        checkpoint.history = results.history();
        checkpoint.phases = phasesJson;
        ml::writeCheckpoint(checkpointPath(), checkpoint);
    }

    struct Resumed
    {
        int phase = 0;
        int epochsDone = 0;
        std::string optimizer;
    };

    std::optional<Resumed> loadCheckpoint()
    {
        if (!options.resume || !QFile::exists(checkpointPath()))
            return std::nullopt;
        ml::TrainingCheckpoint checkpoint = ml::readCheckpoint(checkpointPath(), device);
        if (checkpoint.classes != split.classes || checkpoint.architecture != architectureName(options.architecture))
            throw WeightsError(QStringLiteral("%1 was written for other classes or another network; remove it to start afresh")
                                   .arg(checkpointPath()));
        ml::assignTensors(*net, checkpoint.model, checkpointPath(), std::string());
        ml::restoreCpuGeneratorState(checkpoint.rng);
        best = std::move(checkpoint.best);
        average = std::move(checkpoint.average);
        phasesJson = checkpoint.phases;
        results.setHistory(checkpoint.history);
        return Resumed{checkpoint.phase, checkpoint.epochsDone, std::move(checkpoint.optimizer)};
    }

    bool averaging() const { return options.averagingEpochs > 0; }

    void publish(const EpochReport &report)
    {
        results.appendEpoch(report);
        if (control.epochFinished)
            control.epochFinished(report);
    }

    // Where one phase's steps stand against its learning-rate schedule and its weight average's horizon.
    struct PhaseSteps
    {
        double rate = 0; // peak
        qint64 batchesPerEpoch = 0;
        qint64 total = 0;
        qint64 warmup = 0;
        double averagingHorizon = 0;
    };

    // What one pass over the training images gave.
    struct EpochTraining
    {
        double lossSum = 0;
        qint64 seen = 0;
        qint64 correct = 0;
        double lastRate = 0;
    };

    // One epoch's batches: forward, loss, step, and the weight average's update; stops the run if the loss diverges.
    EpochTraining trainOneEpoch(torch::optim::Optimizer &optimizer, const PhaseSteps &steps, int phaseIndex,
                                const QString &phase, int epoch, int epochs)
    {
        setTrainingMode();
        trainLoader->start(shuffledOrder(int(split.train.size()), mixSeed(options.seed, quint64(phaseIndex) * 1000 + quint64(epoch))),
                           mixSeed(options.seed + 17, quint64(phaseIndex) * 1000 + quint64(epoch)));
        EpochTraining trained;
        trained.lastRate = steps.rate;
        qint64 step = qint64(epoch) * steps.batchesPerEpoch;
        ml::Batch batch;
        int batchIndex = 0;
        while (trainLoader->next(batch)) {
            recordFailures(batch.failures);
            ++batchIndex;
            if (batch.images.size(0) == 0)
                continue;
            trained.lastRate = scheduledRate(steps.rate, step++, steps.total, steps.warmup);
            setRate(optimizer, trained.lastRate, groupScales);
            const torch::Tensor labels = batch.labels.to(device);
            const torch::Tensor logits = net->forward(ml::channelsLastInput(batch.images.to(device)));
            const torch::Tensor value = loss(logits, labels);
            const double lossValue = value.item<double>();
            if (!std::isfinite(lossValue))
                stopDiverged(QStringLiteral("the loss became %1").arg(lossValue),
                             QStringLiteral("%1 epoch %2, batch %3").arg(phase).arg(epoch + 1).arg(batchIndex), trained.lastRate);
            optimizer.zero_grad();
            value.backward();
            optimizer.step();
            if (averaging())
                average.update(*net, steps.averagingHorizon);
            const int64_t n = batch.images.size(0);
            trained.lossSum += lossValue * double(n);
            trained.correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
            trained.seen += n;
            control.work.report(batchIndex, trainLoader->batchCount(),
                                QStringLiteral("%1 epoch %2/%3, batch %4/%5, loss %6")
                                    .arg(phase).arg(epoch + 1).arg(epochs).arg(batchIndex).arg(trainLoader->batchCount())
                                    .arg(lossValue, 0, 'f', 3));
            control.work.throwIfCancelled();
        }
        return trained;
    }

    // Validates the weights that would be kept (the average when averaging), and keeps them if they are the best yet.
    EvaluationReport validateAndKeepBest(const QString &phase, int epoch)
    {
        std::optional<ml::AveragedWeightsInPlace> averagedWeights;
        if (averaging())
            averagedWeights.emplace(*net, average.weights);
        const EvaluationReport report = evaluate(validationLogits(*validationLoader), split.classes, 1.0);
        best.consider(*net, report.accuracy, report.nll, phase, epoch);
        return report;
    }

    // One phase of epochs over the images. Returns false when early stopping ended training.
    bool trainPhase(int phaseIndex, const QString &phase, int epochs, const std::vector<torch::Tensor> &parameters,
                    double rate, double weightDecay, std::optional<Resumed> &resumed)
    {
        // Layer-wise decay in the every-layer phase: the last stage (the head) at the rate, each earlier one decayed.
        groupScales.clear();
        std::vector<std::vector<torch::Tensor>> stages;
        if (phaseIndex == 1 && options.layerDecay < 1.0) {
            stages = parametersByStage(*net);
            for (size_t i = 0; i < stages.size(); ++i)
                groupScales.push_back(std::pow(options.layerDecay, double(stages.size() - 1 - i)));
        }
        auto optimizer = makeOptimizer(parameters, rate, weightDecay, stages, groupScales);
        int firstEpoch = 0;
        if (resumed && resumed->phase == phaseIndex) {
            ml::restoreOptimizerState(*optimizer, resumed->optimizer);
            firstEpoch = resumed->epochsDone;
            resumed.reset();
        }
        if (!averaging())
            average.clear();
        else if (firstEpoch == 0 || average.isEmpty())
            average.start(*net); // each phase averages its own weights, from where it starts; a resumed one goes on
        PhaseSteps steps;
        steps.rate = rate;
        steps.batchesPerEpoch = trainLoader->batchCount() > 0 ? trainLoader->batchCount()
                                                              : (split.train.size() + options.batchSize - 1) / options.batchSize;
        steps.total = steps.batchesPerEpoch * epochs;
        steps.warmup = std::min<qint64>(steps.total / 2, steps.batchesPerEpoch * options.warmupEpochs);
        steps.averagingHorizon = options.averagingEpochs * double(steps.batchesPerEpoch);
        for (int epoch = firstEpoch; epoch < epochs; ++epoch) {
            control.work.throwIfCancelled();
            QElapsedTimer timer;
            timer.start();
            const EpochTraining trained = trainOneEpoch(*optimizer, steps, phaseIndex, phase, epoch, epochs);
            // The last step of an epoch can still overflow the weights with a finite loss.
            if (!ml::allFinite(ml::stateDict(*net)) || (averaging() && !ml::allFinite(average.weights)))
                stopDiverged(QStringLiteral("the weights became NaN or infinite"), QStringLiteral("the end of %1 epoch %2").arg(phase).arg(epoch + 1),
                             trained.lastRate);
            const double trainSeconds = timer.elapsed() / 1000.0;
            const EvaluationReport validation = validateAndKeepBest(phase, epoch + 1);
            EpochReport report;
            report.phase = phase;
            report.epoch = epoch + 1;
            report.epochs = epochs;
            report.trainLoss = trained.seen > 0 ? trained.lossSum / double(trained.seen) : 0.0;
            report.trainAccuracy = trained.seen > 0 ? double(trained.correct) / double(trained.seen) : 0.0;
            report.validationLoss = validation.nll;
            report.validationAccuracy = validation.accuracy;
            report.learningRate = trained.lastRate;
            report.seconds = timer.elapsed() / 1000.0;
            report.imagesPerSecond = trainSeconds > 0 ? double(trained.seen) / trainSeconds : 0.0;
            publish(report);
            saveCheckpoint(phaseIndex, epoch + 1, *optimizer);
            if (stopsEarly(epoch + 1, epochs, best.epochsSinceBest, options.patience))
                return false;
        }
        return true;
    }

    // Phase 0 on cached backbone features: seconds instead of minutes per epoch on a CPU.
    void fitHeadOnCachedFeatures()
    {
        QElapsedTimer timer;
        timer.start();
        const ml::TrainingHooks reporting = hooks();
        ml::FeatureStore store(ml::FeatureStore::pathFor(cacheDir(), options.pretrainedWeights, options.architecture, preprocessing),
                               net->featureSize());
        const qint64 cachedBefore = store.size();
        const auto features = [&](const QVector<Example> &examples, int view) {
            return ml::backboneFeatures(store, *net, device, *cache, preprocessing, examples, view, options.batchSize, reporting);
        };
        const torch::Tensor trainCentre = features(split.train, 0);
        const torch::Tensor trainFlipped = features(split.train, 1);
        const torch::Tensor validation = features(split.validation, 0);
        const torch::Tensor trainLabels = labelsOf(split.train);
        const ml::HeadFit fit = ml::fitHeadOnFeatures(
            *net, device, torch::cat({trainCentre, trainFlipped}), torch::cat({trainLabels, trainLabels}), validation,
            labelsOf(split.validation), {recipe.cachedHeadLearningRate, recipe.cachedHeadWeightDecay, options.seed},
            [this](const torch::Tensor &logits, const torch::Tensor &labels) { return loss(logits, labels); }, reporting);

        EpochReport report;
        report.phase = QStringLiteral("cached-head");
        report.epoch = 1;
        report.epochs = 1;
        report.trainLoss = fit.lastTrainLoss;
        report.trainAccuracy = fit.trainAccuracy; // of the kept head, on the training photographs and their mirror images
        report.validationAccuracy = fit.validationAccuracy;
        report.validationLoss = fit.validationLoss;
        report.learningRate = recipe.cachedHeadLearningRate;
        report.seconds = timer.elapsed() / 1000.0;
        publish(report);
        best.consider(*net, fit.validationAccuracy, fit.validationLoss, report.phase, report.epoch);
        phasesJson.append(QJsonObject{{QStringLiteral("phase"), QStringLiteral("cached-head")},
                                      {QStringLiteral("head_epochs"), fit.epochsRun},
                                      {QStringLiteral("features_cached_before"), cachedBefore},
                                      {QStringLiteral("features_cached_after"), store.size()},
                                      {QStringLiteral("seconds"), report.seconds}});
    }

    void restoreBest()
    {
        if (!best.weights.names.empty())
            ml::assignTensors(*net, best.weights, QStringLiteral("best weights"), std::string());
    }

    ModelCard finish()
    {
        restoreBest();
        // Every epoch was checked, but the model file is what a curator's catalog trusts: never write NaN into it.
        if (!ml::allFinite(ml::stateDict(*net)))
            throw std::runtime_error(QStringLiteral("training stopped: the kept weights are not finite numbers; nothing was written to %1")
                                         .arg(options.outPath).toStdString());
        control.work.report(0, 1, QStringLiteral("Calibrating on the validation set"));
        const bool knnEnergy = usesFeatures(options.outOfScopeScore);
        std::vector<float> validationFeatures;
        const LogitSet validation = validationLogits(*validationLoader, knnEnergy ? &validationFeatures : nullptr);
        EvaluationReport report = evaluate(validation, split.classes, 0.0, options.targetAccuracy);
        if (options.outOfScopeScore == OutOfScopeScore::Energy) {
            report.outOfScopeScore = OutOfScopeScore::Energy;
            report.outOfScopeThreshold = fitOutOfScopeThreshold(validation, report.temperature, report.inScopeFraction, report.outOfScopeScore);
        }
        FeatureSpaceReference reference;
        torch::Tensor featureBank;
        if (knnEnergy)
            featureBank = fitFeatureSpaceScore(validation, validationFeatures, report, reference);
        TrainingRunRecord record;
        record.catalogPath = catalog.path();
        record.history = results.history();
        record.phases = phasesJson;
        record.keptPhase = best.phase;
        record.keptEpoch = best.epoch;
        record.imagesDecoded = cache->stats().decoded + trainingCache->stats().decoded;
        record.threads = configureComputeThreads(options.threads);
        record.device = QString::fromStdString(device.str());
        record.seconds = clock.elapsed() / 1000.0;
        ModelCard card = trainedModelCard(options, recipe, split, preprocessing, report, record);
        card.outOfScopeReference = reference;

        ml::NamedTensors state = ml::stateDict(*net);
        if (featureBank.defined())
            state.add(kFeatureBankTensor, featureBank);
        state.metadata["format"] = "pt";
        state.metadata["accession_card"] = QJsonDocument(card.toJson()).toJson(QJsonDocument::Compact).toStdString();
        ml::writeSafetensors(options.outPath, state);
        card.writeBeside(options.outPath);
        QFile::remove(checkpointPath());
        return card;
    }

    void train()
    {
        clock.start();
        prepare();
        std::optional<Resumed> resumed = loadCheckpoint();

        // Phase 0: the head alone (on cached features, or on images with the backbone frozen).
        if (options.featuresCache && !recipe.pretrained)
            throw std::runtime_error("--features-cache needs pretrained weights (--weights FILE): without them there is no backbone worth caching");
        if (recipe.cachedHead && !resumed)
            fitHeadOnCachedFeatures();
        if (recipe.headEpochs > 0 && (!resumed || resumed->phase == 0)) {
            for (auto &parameter : net->parameters())
                parameter.set_requires_grad(false);
            for (auto &parameter : net->head()->parameters())
                parameter.set_requires_grad(true);
            trainPhase(0, QStringLiteral("head"), recipe.headEpochs, net->head()->parameters(), recipe.headLearningRate,
                       recipe.weightDecay, resumed);
            for (auto &parameter : net->parameters())
                parameter.set_requires_grad(true);
            // The fine-tune starts from the best head, and judges itself against it.
            restoreBest();
        }

        // Phase 1: every layer (fine-tuning a pretrained backbone, or training from scratch).
        if (recipe.everyLayerEpochs > 0) {
            trainPhase(1, recipe.everyLayerPhase, recipe.everyLayerEpochs, net->parameters(), recipe.everyLayerLearningRate,
                       recipe.weightDecay, resumed);
        }
        results.setCard(finish());
    }
};

} // namespace

void TrainingRecord::addFailures(const std::vector<std::pair<QString, QString>> &failures)
{
    QMutexLocker lock(&m_mutex);
    for (const auto &failure : failures) {
        const QString &path = failure.first; // a named reference: C++17 lambdas cannot capture a structured binding
        const bool known = std::any_of(m_failures.begin(), m_failures.end(), [&](const Problem &f) { return f.path == path; });
        if (!known)
            m_failures.push_back({path, failure.second});
    }
}

QString trainingCheckpointPath(const QString &outPath)
{
    return outPath + QStringLiteral(".checkpoint");
}

void trainModel(const TrainingOptions &options, TrainingRecord &record, const TrainingControl &control)
{
    if (options.outPath.isEmpty())
        throw std::runtime_error("no output path for the model");
    if (const auto problem = options.problem())
        throw std::runtime_error(QStringLiteral("cannot train: %1").arg(*problem).toStdString());
    TrainingRun run(record, control, options);
    run.train();
}

} // namespace accession
