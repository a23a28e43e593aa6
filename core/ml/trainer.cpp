#include "trainer.h"

#include "datasplit.h"
#include "device.h"
#include "imagepipeline_torch.h"
#include "metrics.h"
#include "network_torch.h"
#include "weightserror.h"

#include "catalog/catalog.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <cmath>
#include <numeric>
#include <random>
#include <sstream>

namespace accession {

bool stopsEarly(int epochsDone, int phaseEpochs, int epochsSinceBest, int patience)
{
    if (patience <= 0)
        return false;
    const int lastThirdStarts = phaseEpochs - phaseEpochs / 3;
    const int countedSinceBest = epochsDone - std::max(epochsDone - epochsSinceBest, lastThirdStarts);
    return countedSinceBest >= patience;
}

double weightAverageDecay(qint64 updatesDone, double horizonSteps)
{
    const double warm = horizonSteps > 1 ? 1.0 - 1.0 / horizonSteps : 0.0;
    const double warmingUp = (1.0 + double(updatesDone)) / (10.0 + double(updatesDone));
    return std::max(0.0, std::min(warm, warmingUp));
}

QJsonObject epochReportToJson(const EpochReport &r)
{
    return QJsonObject{{QStringLiteral("phase"), r.phase},
                       {QStringLiteral("epoch"), r.epoch},
                       {QStringLiteral("epochs"), r.epochs},
                       {QStringLiteral("train_loss"), r.trainLoss},
                       {QStringLiteral("train_accuracy"), r.trainAccuracy},
                       {QStringLiteral("validation_loss"), r.validationLoss},
                       {QStringLiteral("validation_accuracy"), r.validationAccuracy},
                       {QStringLiteral("learning_rate"), r.learningRate},
                       {QStringLiteral("seconds"), r.seconds},
                       {QStringLiteral("images_per_second"), r.imagesPerSecond}};
}

namespace {

EpochReport epochReportFromJson(const QJsonObject &o)
{
    EpochReport r;
    r.phase = o.value(QStringLiteral("phase")).toString();
    r.epoch = o.value(QStringLiteral("epoch")).toInt();
    r.epochs = o.value(QStringLiteral("epochs")).toInt();
    r.trainLoss = o.value(QStringLiteral("train_loss")).toDouble();
    r.trainAccuracy = o.value(QStringLiteral("train_accuracy")).toDouble();
    r.validationLoss = o.value(QStringLiteral("validation_loss")).toDouble();
    r.validationAccuracy = o.value(QStringLiteral("validation_accuracy")).toDouble();
    r.learningRate = o.value(QStringLiteral("learning_rate")).toDouble();
    r.seconds = o.value(QStringLiteral("seconds")).toDouble();
    r.imagesPerSecond = o.value(QStringLiteral("images_per_second")).toDouble();
    return r;
}

quint64 mixSeed(quint64 a, quint64 b)
{
    quint64 x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull);
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    return x ^ (x >> 29);
}

std::vector<int> shuffledOrder(int count, quint64 seed)
{
    std::vector<int> order(static_cast<size_t>(count));
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    return order;
}

std::vector<int> identityOrder(int count)
{
    std::vector<int> order(static_cast<size_t>(count));
    std::iota(order.begin(), order.end(), 0);
    return order;
}

// Linear warm-up, then cosine decay to 1% of the base rate.
double scheduledRate(double base, qint64 step, qint64 totalSteps, qint64 warmupSteps)
{
    if (warmupSteps > 0 && step < warmupSteps)
        return base * double(step + 1) / double(warmupSteps);
    const double progress = totalSteps > warmupSteps ? double(step - warmupSteps) / double(totalSteps - warmupSteps) : 1.0;
    return base * (0.01 + 0.99 * 0.5 * (1.0 + std::cos(M_PI * std::clamp(progress, 0.0, 1.0))));
}

void setRate(torch::optim::Optimizer &optimizer, double rate)
{
    for (auto &group : optimizer.param_groups())
        group.options().set_lr(rate);
}

QString shortHash(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex().left(16));
}

// Backbone features per image and view, kept in a file beside the catalog, so refitting the head
// after a day of corrections costs only the new images.
class FeatureStore
{
public:
    FeatureStore(QString path, int dimension)
        : m_path(std::move(path))
        , m_dimension(dimension)
    {
        QFile file(m_path);
        if (!file.open(QIODevice::ReadOnly))
            return;
        const qint64 recordBytes = 32 + 1 + qint64(dimension) * 4;
        QByteArray record;
        while ((record = file.read(recordBytes)).size() == recordBytes) {
            std::vector<float> values(static_cast<size_t>(m_dimension));
            std::memcpy(values.data(), record.constData() + 33, size_t(dimension) * 4);
            m_features.emplace(key(record.left(32), quint8(record[32])), std::move(values));
        }
    }
    const std::vector<float> *find(const QByteArray &digest, int view) const
    {
        const auto it = m_features.find(key(digest, view));
        return it == m_features.end() ? nullptr : &it->second;
    }
    void add(const QByteArray &digest, int view, std::vector<float> values)
    {
        m_pending.append(digest);
        m_pending.append(char(view));
        m_pending.append(reinterpret_cast<const char *>(values.data()), int(values.size() * 4));
        m_features.emplace(key(digest, view), std::move(values));
    }
    // Appends what was added; a failed write only costs recomputation next time.
    void flush()
    {
        if (m_pending.isEmpty())
            return;
        QDir().mkpath(QFileInfo(m_path).absolutePath());
        QFile file(m_path);
        if (file.open(QIODevice::Append))
            file.write(m_pending);
        m_pending.clear();
    }
    qint64 size() const { return qint64(m_features.size()); }

private:
    static std::string key(const QByteArray &digest, int view) { return digest.toStdString() + char(view); }
    QString m_path;
    int m_dimension;
    std::unordered_map<std::string, std::vector<float>> m_features;
    QByteArray m_pending;
};

// A copy of every weight and buffer, detached from the network.
ml::NamedTensors copyOfWeights(const ml::NamedTensors &state)
{
    ml::NamedTensors copy;
    for (const std::string &name : state.names)
        copy.add(name, state.tensors.at(name).detach().clone());
    return copy;
}

// Whether every floating-point weight and buffer is a finite number: NaN weights are never checkpointed or saved.
bool allFinite(const ml::NamedTensors &state)
{
    for (const std::string &name : state.names) {
        const torch::Tensor &tensor = state.tensors.at(name);
        if (tensor.is_floating_point() && !torch::isfinite(tensor).all().item<bool>())
            return false;
    }
    return true;
}

QByteArray exampleDigest(const Example &example)
{
    if (!example.contentHash.isEmpty())
        return QByteArray::fromHex(example.contentHash.toLatin1());
    return QCryptographicHash::hash(example.path.toUtf8(), QCryptographicHash::Sha256);
}

} // namespace

// Everything one training run holds; lives on the worker thread for the duration of run().
struct TrainingJob::Run
{
    TrainingJob &job;
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
    double phaseRate = 0;        // peak learning rate of the every-layer phase (recorded on the card)
    double phaseWeightDecay = 0;
    QJsonArray phasesJson;
    QElapsedTimer clock;

    // Best weights so far (by validation accuracy, then loss) and where training stands.
    ml::NamedTensors best;
    double bestAccuracy = -1;
    double bestLoss = INFINITY;
    QString bestPhase; // the epoch whose weights those are
    int bestEpoch = 0;
    int epochsSinceBest = 0;

    // The moving average of the weights within the current phase (TrainingOptions::averagingEpochs).
    ml::NamedTensors average;
    qint64 averageUpdates = 0;

    Run(TrainingJob &owner, const TrainingOptions &opts)
        : job(owner)
        , options(opts)
        , recipe(resolveRecipe(opts))
        , catalog(opts.catalogPath)
    {
    }

    QString cacheDir() const
    {
        const QFileInfo info(catalog.path());
        return info.absolutePath() + QLatin1Char('/') + info.completeBaseName() + QStringLiteral(".cache");
    }

    void recordFailures(const std::vector<std::pair<QString, QString>> &failures)
    {
        if (failures.empty())
            return;
        QMutexLocker lock(&job.m_mutex);
        for (const auto &failure : failures) {
            const QString &path = failure.first; // a named reference: C++17 lambdas cannot capture a structured binding
            const bool known = std::any_of(job.m_failures.begin(), job.m_failures.end(),
                                           [&](const ImportFailure &f) { return f.path == path; });
            if (!known)
                job.m_failures.push_back({path, failure.second});
        }
    }

    void prepare()
    {
        if (!QDir().mkpath(QFileInfo(options.outPath).absolutePath()))
            throw std::runtime_error(QStringLiteral("cannot create the folder for %1").arg(options.outPath).toStdString());
        split = prepareSplit(catalog, options.seed, options.validationFraction, options.importedLabels, options.curatorLabels);
        if (split.classes.size() < 2)
            throw std::runtime_error((split.classes.isEmpty()
                                          ? QStringLiteral("%1 has no labelled items yet; training needs labelled items in at least two departments")
                                          : QStringLiteral("%1 has labelled items in only one department; training needs at least two"))
                                         .arg(catalog.path()).toStdString());
        if (split.validation.isEmpty() && options.validationFraction > 0)
            throw std::runtime_error(QStringLiteral("too few labelled items in %1 for a validation set").arg(catalog.path()).toStdString());

        preprocessing = Preprocessing::imagenet(defaultInputSize(options.architecture));
        if (!options.pretrainedWeights.isEmpty()) {
            if (const auto beside = preprocessingBeside(options.pretrainedWeights, preprocessing))
                preprocessing = *beside;
        }
        if (options.mean)
            preprocessing.mean = *options.mean;
        if (options.std)
            preprocessing.std = *options.std;
        if (options.imageSize > 0)
            preprocessing.inputSize = options.imageSize;
        preprocessing.centerCropFraction = options.centerCropFraction;
        if (const auto problem = preprocessing.problem())
            throw std::runtime_error(QStringLiteral("cannot train: %1").arg(*problem).toStdString());

        device = ml::selectDevice();
        torch::manual_seed(options.seed);
        net = ml::createNetwork(options.architecture, int(split.classes.size()), preprocessing.inputSize);
        if (!options.pretrainedWeights.isEmpty()) {
            const ml::NamedTensors tensors = ml::toTorchvisionNames(ml::readWeightsFile(options.pretrainedWeights), options.architecture);
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

        // Class-balanced loss: a department of n images weighs 1/n (Full) or 1/sqrt(n) (SquareRoot) per image.
        std::vector<float> weights(size_t(split.classes.size()), 1.0f);
        if (options.classBalance != ClassBalance::None) {
            std::vector<int> counts(size_t(split.classes.size()), 0);
            for (const Example &example : split.train)
                counts[size_t(example.classIndex)] += 1;
            const double power = options.classBalance == ClassBalance::Full ? 1.0 : 0.5;
            for (size_t c = 0; c < counts.size(); ++c)
                weights[c] = counts[c] > 0 ? float(std::pow(double(split.train.size()) / double(counts.size() * size_t(counts[c])), power))
                                           : 0.0f;
        }
        classWeights = torch::tensor(weights).to(device);
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
    LogitSet validationLogits(ml::BatchLoader &loader)
    {
        LogitSet set;
        set.classes = int(split.classes.size());
        ml::forEachCentreCropBatch(*net, device, loader, [&](const ml::Batch &batch, const torch::Tensor &logits) {
            recordFailures(batch.failures);
            if (logits.defined()) {
                set.logits.insert(set.logits.end(), logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
                for (int index : batch.examples)
                    set.labels.push_back(loader.examples()[index].classIndex);
            }
            job.throwIfCancelled();
        });
        return set;
    }

    std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const std::vector<torch::Tensor> &parameters, double rate,
                                                           double weightDecay) const
    {
        if (options.optimizer == OptimizerKind::Sgd) {
            return std::make_unique<torch::optim::SGD>(
                parameters, torch::optim::SGDOptions(rate).momentum(0.9).nesterov(true).weight_decay(weightDecay));
        }
        return std::make_unique<torch::optim::AdamW>(parameters, torch::optim::AdamWOptions(rate).weight_decay(weightDecay));
    }

    QString checkpointPath() const { return checkpointPathFor(options.outPath); }

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

    void saveCheckpoint(int phaseIndex, int epochsDone, const torch::optim::Optimizer &optimizer)
    {
        ml::NamedTensors checkpoint;
        const ml::NamedTensors current = ml::stateDict(*net);
        for (const std::string &name : current.names)
            checkpoint.add("model/" + name, current.tensors.at(name));
        for (const std::string &name : best.names)
            checkpoint.add("best/" + name, best.tensors.at(name));
        for (const std::string &name : average.names)
            checkpoint.add("average/" + name, average.tensors.at(name));
        std::ostringstream optimizerBytes;
        torch::serialize::OutputArchive archive;
        optimizer.save(archive);
        archive.save_to(optimizerBytes);
        const std::string bytes = optimizerBytes.str();
        checkpoint.add("optimizer", torch::from_blob(const_cast<char *>(bytes.data()), {int64_t(bytes.size())}, torch::kUInt8).clone());
        at::Generator generator = at::detail::getDefaultCPUGenerator();
        {
            std::lock_guard<std::mutex> lock(generator.mutex());
            checkpoint.add("rng", generator.get_state());
        }
        QJsonArray history;
        for (const EpochReport &report : job.history())
            history.append(epochReportToJson(report));
        const QJsonObject state{{QStringLiteral("phase"), phaseIndex},
                                {QStringLiteral("epochs_done"), epochsDone},
                                {QStringLiteral("best_accuracy"), bestAccuracy},
                                {QStringLiteral("best_loss"), bestLoss},
                                {QStringLiteral("best_phase"), bestPhase},
                                {QStringLiteral("best_epoch"), bestEpoch},
                                {QStringLiteral("epochs_since_best"), epochsSinceBest},
                                {QStringLiteral("average_updates"), averageUpdates},
                                {QStringLiteral("classes"), QJsonArray::fromStringList(split.classes)},
                                {QStringLiteral("architecture"), architectureName(options.architecture)},
                                {QStringLiteral("split_id"), split.splitId},
                                {QStringLiteral("history"), history},
                                {QStringLiteral("phases"), phasesJson}};
        checkpoint.metadata["state"] = QJsonDocument(state).toJson(QJsonDocument::Compact).toStdString();
        ml::writeSafetensors(checkpointPath(), checkpoint); // atomic: a crash keeps the previous one
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
        const ml::NamedTensors checkpoint = ml::readSafetensors(checkpointPath());
        const QJsonObject state = QJsonDocument::fromJson(QByteArray::fromStdString(checkpoint.metadata.at("state"))).object();
        QStringList classes;
        for (const QJsonValue &name : state.value(QStringLiteral("classes")).toArray())
            classes << name.toString();
        if (classes != split.classes || state.value(QStringLiteral("architecture")).toString() != architectureName(options.architecture))
            throw WeightsError(QStringLiteral("%1 was written for other classes or another network; remove it to start afresh")
                                   .arg(checkpointPath()));
        ml::NamedTensors model;
        for (const std::string &name : checkpoint.names) {
            if (name.rfind("model/", 0) == 0)
                model.add(name.substr(6), checkpoint.tensors.at(name));
            else if (name.rfind("best/", 0) == 0)
                best.add(name.substr(5), checkpoint.tensors.at(name).clone());
            else if (name.rfind("average/", 0) == 0)
                average.add(name.substr(8), checkpoint.tensors.at(name).clone().to(device));
        }
        ml::assignTensors(*net, model, checkpointPath(), std::string());
        at::Generator generator = at::detail::getDefaultCPUGenerator();
        {
            std::lock_guard<std::mutex> lock(generator.mutex());
            generator.set_state(checkpoint.tensors.at("rng"));
        }
        bestAccuracy = state.value(QStringLiteral("best_accuracy")).toDouble();
        bestLoss = state.value(QStringLiteral("best_loss")).toDouble();
        bestPhase = state.value(QStringLiteral("best_phase")).toString();
        bestEpoch = state.value(QStringLiteral("best_epoch")).toInt();
        epochsSinceBest = state.value(QStringLiteral("epochs_since_best")).toInt();
        averageUpdates = state.value(QStringLiteral("average_updates")).toInteger();
        phasesJson = state.value(QStringLiteral("phases")).toArray();
        {
            QMutexLocker lock(&job.m_mutex);
            job.m_history.clear();
            for (const QJsonValue &entry : state.value(QStringLiteral("history")).toArray())
                job.m_history.push_back(epochReportFromJson(entry.toObject()));
        }
        const torch::Tensor optimizer = checkpoint.tensors.at("optimizer");
        return Resumed{state.value(QStringLiteral("phase")).toInt(), state.value(QStringLiteral("epochs_done")).toInt(),
                       std::string(static_cast<const char *>(optimizer.data_ptr()), size_t(optimizer.numel()))};
    }

    // Keeps a copy of the network's current weights, those of `epoch` (1-based) of `phase`, when they
    // validate best so far.
    void rememberIfBest(double accuracy, double loss, const QString &phase, int epoch)
    {
        if (accuracy > bestAccuracy || (accuracy == bestAccuracy && loss < bestLoss)) {
            bestAccuracy = accuracy;
            bestLoss = loss;
            bestPhase = phase;
            bestEpoch = epoch;
            epochsSinceBest = 0;
            best = copyOfWeights(ml::stateDict(*net));
        } else {
            ++epochsSinceBest;
        }
    }

    bool averaging() const { return options.averagingEpochs > 0; }

    void startAverage()
    {
        average = copyOfWeights(ml::stateDict(*net));
        averageUpdates = 0;
    }

    void updateAverage(double horizonSteps)
    {
        torch::NoGradGuard noGrad;
        const double decay = weightAverageDecay(averageUpdates++, horizonSteps);
        const ml::NamedTensors current = ml::stateDict(*net);
        for (const std::string &name : current.names) {
            torch::Tensor &averaged = average.tensors.at(name);
            const torch::Tensor &live = current.tensors.at(name);
            if (averaged.is_floating_point())
                averaged.mul_(decay).add_(live, 1.0 - decay);
            else
                averaged.copy_(live); // counters such as num_batches_tracked
        }
    }

    // Puts the averaged weights into the network for as long as it lives, then the trained ones back.
    class AveragedWeightsInPlace
    {
    public:
        AveragedWeightsInPlace(ml::ClassifierNetImpl &net, const ml::NamedTensors &average)
            : m_live(ml::stateDict(net))
            , m_trained(copyOfWeights(m_live))
        {
            torch::NoGradGuard noGrad;
            for (const std::string &name : m_live.names)
                m_live.tensors.at(name).copy_(average.tensors.at(name));
        }
        ~AveragedWeightsInPlace()
        {
            torch::NoGradGuard noGrad;
            for (const std::string &name : m_live.names)
                m_live.tensors.at(name).copy_(m_trained.tensors.at(name));
        }
        AveragedWeightsInPlace(const AveragedWeightsInPlace &) = delete;
        AveragedWeightsInPlace &operator=(const AveragedWeightsInPlace &) = delete;

    private:
        ml::NamedTensors m_live;
        ml::NamedTensors m_trained;
    };

    void publish(const EpochReport &report)
    {
        {
            QMutexLocker lock(&job.m_mutex);
            job.m_history.push_back(report);
        }
        Q_EMIT job.epochFinished(report);
    }

    // One phase of epochs over the images. Returns false when early stopping ended training.
    bool trainPhase(int phaseIndex, const QString &phase, int epochs, const std::vector<torch::Tensor> &parameters,
                    double rate, double weightDecay, std::optional<Resumed> &resumed)
    {
        auto optimizer = makeOptimizer(parameters, rate, weightDecay);
        int firstEpoch = 0;
        if (resumed && resumed->phase == phaseIndex) {
            std::istringstream stream(resumed->optimizer);
            torch::serialize::InputArchive archive;
            archive.load_from(stream);
            optimizer->load(archive);
            firstEpoch = resumed->epochsDone;
            resumed.reset();
        }
        if (!averaging())
            average = ml::NamedTensors();
        else if (firstEpoch == 0 || average.names.empty())
            startAverage(); // each phase averages its own weights, from where it starts; a resumed one goes on
        const qint64 batchesPerEpoch = trainLoader->batchCount() > 0 ? trainLoader->batchCount()
                                                                     : (split.train.size() + options.batchSize - 1) / options.batchSize;
        const qint64 totalSteps = batchesPerEpoch * epochs;
        const qint64 warmupSteps = std::min<qint64>(totalSteps / 2, batchesPerEpoch * options.warmupEpochs);
        const double averagingSteps = options.averagingEpochs * double(batchesPerEpoch);
        for (int epoch = firstEpoch; epoch < epochs; ++epoch) {
            job.throwIfCancelled();
            QElapsedTimer timer;
            timer.start();
            setTrainingMode();
            trainLoader->start(shuffledOrder(int(split.train.size()), mixSeed(options.seed, quint64(phaseIndex) * 1000 + quint64(epoch))),
                               mixSeed(options.seed + 17, quint64(phaseIndex) * 1000 + quint64(epoch)));
            double lossSum = 0;
            qint64 seen = 0;
            qint64 correct = 0;
            qint64 step = qint64(epoch) * batchesPerEpoch;
            double currentRate = rate;
            ml::Batch batch;
            int batchIndex = 0;
            while (trainLoader->next(batch)) {
                recordFailures(batch.failures);
                ++batchIndex;
                if (batch.images.size(0) == 0)
                    continue;
                currentRate = scheduledRate(rate, step++, totalSteps, warmupSteps);
                setRate(*optimizer, currentRate);
                const torch::Tensor labels = batch.labels.to(device);
                const torch::Tensor logits = net->forward(ml::channelsLastInput(batch.images.to(device)));
                const torch::Tensor value = loss(logits, labels);
                const double lossValue = value.item<double>();
                if (!std::isfinite(lossValue))
                    stopDiverged(QStringLiteral("the loss became %1").arg(lossValue),
                                 QStringLiteral("%1 epoch %2, batch %3").arg(phase).arg(epoch + 1).arg(batchIndex), currentRate);
                optimizer->zero_grad();
                value.backward();
                optimizer->step();
                if (averaging())
                    updateAverage(averagingSteps);
                const int64_t n = batch.images.size(0);
                lossSum += lossValue * double(n);
                correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
                seen += n;
                job.reportProgress(batchIndex, trainLoader->batchCount(),
                                   QStringLiteral("%1 epoch %2/%3, batch %4/%5, loss %6")
                                       .arg(phase).arg(epoch + 1).arg(epochs).arg(batchIndex).arg(trainLoader->batchCount())
                                       .arg(lossValue, 0, 'f', 3));
                job.throwIfCancelled();
            }
            // The last step of an epoch can still overflow the weights with a finite loss.
            if (!allFinite(ml::stateDict(*net)) || (averaging() && !allFinite(average)))
                stopDiverged(QStringLiteral("the weights became NaN or infinite"), QStringLiteral("the end of %1 epoch %2").arg(phase).arg(epoch + 1),
                             currentRate);
            const double trainSeconds = timer.elapsed() / 1000.0;
            std::optional<AveragedWeightsInPlace> averagedWeights;
            if (averaging())
                averagedWeights.emplace(*net, average); // validated, and kept if best, in place of the trained weights
            const LogitSet validation = validationLogits(*validationLoader);
            const EvaluationReport report = evaluate(validation, split.classes, 1.0);
            rememberIfBest(report.accuracy, report.nll, phase, epoch + 1);
            averagedWeights.reset();
            EpochReport epochReport;
            epochReport.phase = phase;
            epochReport.epoch = epoch + 1;
            epochReport.epochs = epochs;
            epochReport.trainLoss = seen > 0 ? lossSum / double(seen) : 0.0;
            epochReport.trainAccuracy = seen > 0 ? double(correct) / double(seen) : 0.0;
            epochReport.validationLoss = report.nll;
            epochReport.validationAccuracy = report.accuracy;
            epochReport.learningRate = currentRate;
            epochReport.seconds = timer.elapsed() / 1000.0;
            epochReport.imagesPerSecond = trainSeconds > 0 ? double(seen) / trainSeconds : 0.0;
            publish(epochReport);
            saveCheckpoint(phaseIndex, epoch + 1, *optimizer);
            if (stopsEarly(epoch + 1, epochs, epochsSinceBest, options.patience))
                return false;
        }
        return true;
    }

    // Backbone features for every example and view, computed once per backbone and cached on disk.
    torch::Tensor cachedFeatures(FeatureStore &store, const QVector<Example> &examples, int view)
    {
        QVector<Example> missing;
        for (const Example &example : examples) {
            if (!store.find(exampleDigest(example), view))
                missing.push_back(example);
        }
        if (!missing.isEmpty()) {
            torch::NoGradGuard noGrad;
            net->eval();
            ml::BatchLoader loader(missing, *cache, preprocessing,
                                   view == 0 ? ml::Augmentation::CenterCrop : ml::Augmentation::FlippedCenterCrop,
                                   options.batchSize, 2);
            loader.start(identityOrder(int(missing.size())), 0);
            ml::Batch batch;
            int done = 0;
            while (loader.next(batch)) {
                recordFailures(batch.failures);
                if (batch.images.size(0) > 0) {
                    const torch::Tensor features = net->features(ml::channelsLastInput(batch.images.to(device))).to(torch::kCPU).contiguous();
                    for (size_t row = 0; row < batch.examples.size(); ++row) {
                        const float *data = features.data_ptr<float>() + int64_t(row) * features.size(1);
                        store.add(exampleDigest(missing[batch.examples[row]]), view,
                                  std::vector<float>(data, data + features.size(1)));
                    }
                }
                done += int(batch.examples.size() + batch.failures.size());
                job.reportProgress(done, missing.size(), QStringLiteral("Extracting backbone features (view %1): %2 of %3 images")
                                                             .arg(view + 1).arg(done).arg(missing.size()));
                job.throwIfCancelled();
            }
            store.flush();
        }
        std::vector<float> rows;
        for (const Example &example : examples) {
            const std::vector<float> *features = store.find(exampleDigest(example), view);
            if (features)
                rows.insert(rows.end(), features->begin(), features->end());
            else
                rows.insert(rows.end(), size_t(net->featureSize()), std::nanf(""));
        }
        return torch::from_blob(rows.data(), {int64_t(examples.size()), int64_t(net->featureSize())}, torch::kFloat32).clone();
    }

    // Fits the head on cached features: seconds instead of minutes per epoch on a CPU.
    void fitHeadOnCachedFeatures()
    {
        QElapsedTimer timer;
        timer.start();
        QFile weights(options.pretrainedWeights);
        weights.open(QIODevice::ReadOnly);
        const QByteArray backboneKey = QCryptographicHash::hash(weights.readAll(), QCryptographicHash::Sha256)
                                       + architectureName(options.architecture).toUtf8()
                                       + QJsonDocument(preprocessing.toJson()).toJson(QJsonDocument::Compact);
        FeatureStore store(cacheDir() + QStringLiteral("/features-%1.f32").arg(shortHash(backboneKey)), net->featureSize());
        const qint64 cachedBefore = store.size();

        const torch::Tensor trainCentre = cachedFeatures(store, split.train, 0);
        const torch::Tensor trainFlipped = cachedFeatures(store, split.train, 1);
        const torch::Tensor validation = cachedFeatures(store, split.validation, 0);
        std::vector<int64_t> trainLabelValues;
        for (const Example &example : split.train)
            trainLabelValues.push_back(example.classIndex);
        std::vector<int64_t> validationLabelValues;
        for (const Example &example : split.validation)
            validationLabelValues.push_back(example.classIndex);
        torch::Tensor x = torch::cat({trainCentre, trainFlipped});
        torch::Tensor y = torch::cat({torch::tensor(trainLabelValues), torch::tensor(trainLabelValues)});
        torch::Tensor xv = validation;
        torch::Tensor yv = torch::tensor(validationLabelValues);
        // Images that failed to decode have no features.
        const torch::Tensor keep = ~torch::isnan(x).any(1);
        x = x.index({keep}).to(device);
        y = y.index({keep}).to(device);
        const torch::Tensor keepValidation = ~torch::isnan(xv).any(1);
        xv = xv.index({keepValidation}).to(device);
        yv = yv.index({keepValidation}).to(device);

        auto &head = net->head();
        const double rate = recipe.cachedHeadLearningRate;
        torch::optim::AdamW optimizer(head->parameters(), torch::optim::AdamWOptions(rate).weight_decay(recipe.cachedHeadWeightDecay));
        const int64_t n = x.size(0);
        const int64_t batch = 256;
        const int maxEpochs = 300;
        const qint64 steps = qint64(maxEpochs) * ((n + batch - 1) / batch);
        qint64 step = 0;
        std::mt19937_64 rng(mixSeed(options.seed, 4242));
        double best = -1;
        double bestLoss = INFINITY;
        int sinceBest = 0;
        torch::Tensor bestWeight = head->weight.detach().clone();
        torch::Tensor bestBias = head->bias.detach().clone();
        int epochsRun = 0;
        double lastLoss = 0;
        for (int epoch = 0; epoch < maxEpochs; ++epoch) {
            net->train();
            const std::vector<int> order = shuffledOrder(int(n), rng());
            const torch::Tensor permutation = torch::tensor(std::vector<int64_t>(order.begin(), order.end())).to(device);
            for (int64_t begin = 0; begin < n; begin += batch) {
                const torch::Tensor index = permutation.slice(0, begin, std::min(n, begin + batch));
                setRate(optimizer, scheduledRate(rate, step++, steps, steps / 20));
                const double currentRate = scheduledRate(rate, step - 1, steps, steps / 20);
                const torch::Tensor value = loss(net->classify(x.index_select(0, index)), y.index_select(0, index));
                lastLoss = value.item<double>();
                if (!std::isfinite(lastLoss))
                    stopDiverged(QStringLiteral("the loss became %1").arg(lastLoss),
                                 QStringLiteral("epoch %1 of the head on cached features").arg(epoch + 1), currentRate);
                optimizer.zero_grad();
                value.backward();
                optimizer.step();
            }
            if (!allFinite(ml::stateDict(*net)))
                stopDiverged(QStringLiteral("the weights became NaN or infinite"),
                             QStringLiteral("epoch %1 of the head on cached features").arg(epoch + 1), rate);
            ++epochsRun;
            if (epoch % 5 == 4 || epoch == maxEpochs - 1) {
                torch::NoGradGuard noGrad;
                net->eval();
                const torch::Tensor logits = net->classify(xv);
                const double accuracy = xv.size(0) > 0 ? logits.argmax(1).eq(yv).to(torch::kFloat64).mean().item<double>() : 0.0;
                const double validationLoss = xv.size(0) > 0 ? torch::nn::functional::cross_entropy(logits, yv).item<double>() : 0.0;
                if (accuracy > best || (accuracy == best && validationLoss < bestLoss)) {
                    best = accuracy;
                    bestLoss = validationLoss;
                    bestWeight = head->weight.detach().clone();
                    bestBias = head->bias.detach().clone();
                    sinceBest = 0;
                } else if (++sinceBest >= 8) {
                    break;
                }
                job.reportProgress(epoch + 1, maxEpochs, QStringLiteral("Fitting the head on cached features: epoch %1, validation accuracy %2")
                                                             .arg(epoch + 1).arg(accuracy, 0, 'f', 3));
                job.throwIfCancelled();
            }
        }
        double trainAccuracy = 0;
        {
            torch::NoGradGuard noGrad;
            head->weight.copy_(bestWeight);
            head->bias.copy_(bestBias);
            net->eval();
            if (n > 0)
                trainAccuracy = net->classify(x).argmax(1).eq(y).to(torch::kFloat64).mean().item<double>();
        }
        EpochReport report;
        report.phase = QStringLiteral("cached-head");
        report.epoch = 1;
        report.epochs = 1;
        report.trainLoss = lastLoss;
        report.trainAccuracy = trainAccuracy; // of the kept head, on the training photographs and their mirror images
        report.validationAccuracy = best;
        report.validationLoss = bestLoss;
        report.learningRate = rate;
        report.seconds = timer.elapsed() / 1000.0;
        publish(report);
        rememberIfBest(best, bestLoss, report.phase, report.epoch);
        phasesJson.append(QJsonObject{{QStringLiteral("phase"), QStringLiteral("cached-head")},
                                      {QStringLiteral("head_epochs"), epochsRun},
                                      {QStringLiteral("features_cached_before"), cachedBefore},
                                      {QStringLiteral("features_cached_after"), store.size()},
                                      {QStringLiteral("seconds"), report.seconds}});
    }

    void restoreBest()
    {
        if (!best.names.empty())
            ml::assignTensors(*net, best, QStringLiteral("best weights"), std::string());
    }

    ModelCard finish()
    {
        restoreBest();
        // Every epoch was checked, but the model file is what a curator's catalog trusts: never write NaN into it.
        if (!allFinite(ml::stateDict(*net)))
            throw std::runtime_error(QStringLiteral("training stopped: the kept weights are not finite numbers; nothing was written to %1")
                                         .arg(options.outPath).toStdString());
        job.reportProgress(0, 1, QStringLiteral("Calibrating on the validation set"));
        const LogitSet validation = validationLogits(*validationLoader);
        const EvaluationReport report = evaluate(validation, split.classes, 0.0, options.targetAccuracy);
        ModelCard card;
        card.architecture = architectureName(options.architecture);
        card.classes = split.classes;
        card.preprocessing = preprocessing;
        card.temperature = report.temperature;
        card.threshold = report.thresholdForTarget;
        card.targetAccuracy = options.targetAccuracy;
        card.validation = report;
        card.trainedAt = QDateTime::currentDateTimeUtc();
        card.trainingImagesPerClass = split.countPerClass(split.train);
        card.validationImagesPerClass = split.countPerClass(split.validation);
        card.pretrainedFrom = options.pretrainedWeights.isEmpty() ? QString() : QFileInfo(options.pretrainedWeights).absoluteFilePath();
        card.catalogPath = catalog.path();
        card.splitId = split.splitId;
        QJsonArray history;
        for (const EpochReport &epoch : job.history())
            history.append(epochReportToJson(epoch));
        const qint64 imagesDecoded = cache->stats().decoded + trainingCache->stats().decoded;
        card.training = QJsonObject{
            {QStringLiteral("epochs"), options.epochs},
            {QStringLiteral("batch_size"), options.batchSize},
            {QStringLiteral("optimizer"), options.optimizer == OptimizerKind::Sgd ? QStringLiteral("sgd") : QStringLiteral("adamw")},
            {QStringLiteral("label_smoothing"), options.labelSmoothing},
            {QStringLiteral("class_balance"), classBalanceName(options.classBalance)},
            {QStringLiteral("minimum_crop_scale"), options.minimumCropScale},
            {QStringLiteral("learning_rate"), phaseRate},
            {QStringLiteral("weight_decay"), phaseWeightDecay},
            {QStringLiteral("frozen_batch_norm"), recipe.frozenBatchNorm},
            {QStringLiteral("weight_averaging_epochs"), options.averagingEpochs},
            {QStringLiteral("seed"), qint64(options.seed)},
            {QStringLiteral("validation_fraction"), options.validationFraction},
            {QStringLiteral("features_cache"), options.featuresCache},
            {QStringLiteral("labels"), QStringLiteral("%1%2").arg(options.importedLabels ? QStringLiteral("imported ") : QString(),
                                                                   options.curatorLabels ? QStringLiteral("curator") : QString()).trimmed()},
            {QStringLiteral("threads"), configureComputeThreads(options.threads)},
            {QStringLiteral("device"), QString::fromStdString(device.str())},
            {QStringLiteral("phases"), phasesJson},
            {QStringLiteral("history"), history},
            {QStringLiteral("kept_epoch"), QJsonObject{{QStringLiteral("phase"), bestPhase}, {QStringLiteral("epoch"), bestEpoch}}},
            {QStringLiteral("images_decoded"), imagesDecoded},
            {QStringLiteral("seconds"), clock.elapsed() / 1000.0}};

        ml::NamedTensors state = ml::stateDict(*net);
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
            phaseRate = recipe.everyLayerLearningRate;
            phaseWeightDecay = recipe.weightDecay;
            trainPhase(1, recipe.everyLayerPhase, recipe.everyLayerEpochs, net->parameters(), recipe.everyLayerLearningRate,
                       recipe.weightDecay, resumed);
        }
        const ModelCard card = finish();
        QMutexLocker lock(&job.m_mutex);
        job.m_card = card;
    }
};

TrainingJob::TrainingJob(TrainingOptions options, QObject *parent)
    : Job(parent)
    , m_options(std::move(options))
{
    qRegisterMetaType<accession::EpochReport>();
}

TrainingJob::~TrainingJob() = default;

ModelCard TrainingJob::card() const
{
    QMutexLocker lock(&m_mutex);
    return m_card;
}

QVector<EpochReport> TrainingJob::history() const
{
    QMutexLocker lock(&m_mutex);
    return m_history;
}

QVector<ImportFailure> TrainingJob::failures() const
{
    QMutexLocker lock(&m_mutex);
    return m_failures;
}

QString TrainingJob::checkpointPathFor(const QString &outPath)
{
    return outPath + QStringLiteral(".checkpoint");
}

void TrainingJob::run()
{
    if (m_options.outPath.isEmpty())
        throw std::runtime_error("no output path for the model");
    if (const auto problem = m_options.problem())
        throw std::runtime_error(QStringLiteral("cannot train: %1").arg(*problem).toStdString());
    // LibTorch's errors become one line in Job::exec (oneLineErrorMessage).
    Run run(*this, m_options);
    run.train();
}

} // namespace accession
