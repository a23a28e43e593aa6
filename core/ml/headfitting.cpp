#include "headfitting_torch.h"

#include "trainingschedule.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>

#include <cmath>
#include <cstring>
#include <random>

namespace accession::ml {

namespace {

QString shortHash(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex().left(16));
}

QByteArray exampleDigest(const Example &example)
{
    if (!example.contentHash.isEmpty())
        return QByteArray::fromHex(example.contentHash.toLatin1());
    return QCryptographicHash::hash(example.path.toUtf8(), QCryptographicHash::Sha256);
}

} // namespace

FeatureStore::FeatureStore(QString path, int dimension)
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

const std::vector<float> *FeatureStore::find(const QByteArray &digest, int view) const
{
    const auto it = m_features.find(key(digest, view));
    return it == m_features.end() ? nullptr : &it->second;
}

void FeatureStore::add(const QByteArray &digest, int view, std::vector<float> values)
{
    m_pending.append(digest);
    m_pending.append(char(view));
    m_pending.append(reinterpret_cast<const char *>(values.data()), int(values.size() * 4));
    m_features.emplace(key(digest, view), std::move(values));
}

void FeatureStore::flush()
{
    if (m_pending.isEmpty())
        return;
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QFile file(m_path);
    if (file.open(QIODevice::Append))
        file.write(m_pending);
    m_pending.clear();
}

QString FeatureStore::pathFor(const QString &cacheDir, const QString &weightsPath, Architecture architecture,
                              const Preprocessing &preprocessing)
{
    QFile weights(weightsPath);
    weights.open(QIODevice::ReadOnly);
    const QByteArray backboneKey = QCryptographicHash::hash(weights.readAll(), QCryptographicHash::Sha256)
                                   + architectureName(architecture).toUtf8()
                                   + QJsonDocument(preprocessing.toJson()).toJson(QJsonDocument::Compact);
    return cacheDir + QStringLiteral("/features-%1.f32").arg(shortHash(backboneKey));
}

torch::Tensor backboneFeatures(FeatureStore &store, ClassifierNetImpl &net, torch::Device device, DecodedImageCache &cache,
                               const Preprocessing &preprocessing, const QVector<Example> &examples, int view,
                               int batchSize, const TrainingHooks &hooks)
{
    QVector<Example> missing;
    for (const Example &example : examples) {
        if (!store.find(exampleDigest(example), view))
            missing.push_back(example);
    }
    if (!missing.isEmpty()) {
        torch::NoGradGuard noGrad;
        net.eval();
        BatchLoader loader(missing, cache, preprocessing, view == 0 ? Augmentation::CenterCrop : Augmentation::FlippedCenterCrop,
                           batchSize, 2);
        loader.start(identityOrder(int(missing.size())), 0);
        Batch batch;
        int done = 0;
        while (loader.next(batch)) {
            hooks.failures(batch.failures);
            if (batch.images.size(0) > 0) {
                const torch::Tensor features = net.features(channelsLastInput(batch.images.to(device))).to(torch::kCPU).contiguous();
                for (size_t row = 0; row < batch.examples.size(); ++row) {
                    const float *data = features.data_ptr<float>() + int64_t(row) * features.size(1);
                    store.add(exampleDigest(missing[batch.examples[row]]), view, std::vector<float>(data, data + features.size(1)));
                }
            }
            done += int(batch.examples.size() + batch.failures.size());
            hooks.progress(done, missing.size(), QStringLiteral("Extracting backbone features (view %1): %2 of %3 images")
                                                     .arg(view + 1).arg(done).arg(missing.size()));
            hooks.throwIfCancelled();
        }
        store.flush();
    }
    std::vector<float> rows;
    for (const Example &example : examples) {
        const std::vector<float> *features = store.find(exampleDigest(example), view);
        if (features)
            rows.insert(rows.end(), features->begin(), features->end());
        else
            rows.insert(rows.end(), size_t(net.featureSize()), std::nanf(""));
    }
    return torch::from_blob(rows.data(), {int64_t(examples.size()), int64_t(net.featureSize())}, torch::kFloat32).clone();
}

HeadFit fitHeadOnFeatures(ClassifierNetImpl &net, torch::Device device, torch::Tensor x, torch::Tensor y, torch::Tensor xv,
                          torch::Tensor yv, const HeadFitSettings &settings, const LossFunction &loss, const TrainingHooks &hooks)
{
    // Images that failed to decode have no features.
    const torch::Tensor keep = ~torch::isnan(x).any(1);
    x = x.index({keep}).to(device);
    y = y.index({keep}).to(device);
    const torch::Tensor keepValidation = ~torch::isnan(xv).any(1);
    xv = xv.index({keepValidation}).to(device);
    yv = yv.index({keepValidation}).to(device);

    auto &head = net.head();
    const double rate = settings.learningRate;
    torch::optim::AdamW optimizer(head->parameters(), torch::optim::AdamWOptions(rate).weight_decay(settings.weightDecay));
    const int64_t n = x.size(0);
    const int64_t batch = 256;
    const int maxEpochs = 300;
    const qint64 steps = qint64(maxEpochs) * ((n + batch - 1) / batch);
    qint64 step = 0;
    std::mt19937_64 rng(mixSeed(settings.seed, 4242));
    HeadFit fit;
    double bestLoss = INFINITY;
    int sinceBest = 0;
    torch::Tensor bestWeight = head->weight.detach().clone();
    torch::Tensor bestBias = head->bias.detach().clone();
    for (int epoch = 0; epoch < maxEpochs; ++epoch) {
        net.train();
        const std::vector<int> order = shuffledOrder(int(n), rng());
        const torch::Tensor permutation = torch::tensor(std::vector<int64_t>(order.begin(), order.end())).to(device);
        for (int64_t begin = 0; begin < n; begin += batch) {
            const torch::Tensor index = permutation.slice(0, begin, std::min(n, begin + batch));
            const double currentRate = scheduledRate(rate, step++, steps, steps / 20);
            for (auto &group : optimizer.param_groups())
                group.options().set_lr(currentRate);
            const torch::Tensor value = loss(net.classify(x.index_select(0, index)), y.index_select(0, index));
            fit.lastTrainLoss = value.item<double>();
            if (!std::isfinite(fit.lastTrainLoss))
                hooks.diverged(QStringLiteral("the loss became %1").arg(fit.lastTrainLoss),
                               QStringLiteral("epoch %1 of the head on cached features").arg(epoch + 1), currentRate);
            optimizer.zero_grad();
            value.backward();
            optimizer.step();
        }
        if (!allFinite(stateDict(net)))
            hooks.diverged(QStringLiteral("the weights became NaN or infinite"),
                           QStringLiteral("epoch %1 of the head on cached features").arg(epoch + 1), rate);
        ++fit.epochsRun;
        if (epoch % 5 == 4 || epoch == maxEpochs - 1) {
            torch::NoGradGuard noGrad;
            net.eval();
            const torch::Tensor logits = net.classify(xv);
            const double accuracy = xv.size(0) > 0 ? logits.argmax(1).eq(yv).to(torch::kFloat64).mean().item<double>() : 0.0;
            const double validationLoss = xv.size(0) > 0 ? torch::nn::functional::cross_entropy(logits, yv).item<double>() : 0.0;
            if (accuracy > fit.validationAccuracy || (accuracy == fit.validationAccuracy && validationLoss < bestLoss)) {
                fit.validationAccuracy = accuracy;
                bestLoss = validationLoss;
                bestWeight = head->weight.detach().clone();
                bestBias = head->bias.detach().clone();
                sinceBest = 0;
            } else if (++sinceBest >= 8) {
                break;
            }
            hooks.progress(epoch + 1, maxEpochs, QStringLiteral("Fitting the head on cached features: epoch %1, validation accuracy %2")
                                                     .arg(epoch + 1).arg(accuracy, 0, 'f', 3));
            hooks.throwIfCancelled();
        }
    }
    fit.validationLoss = bestLoss;
    torch::NoGradGuard noGrad;
    head->weight.copy_(bestWeight);
    head->bias.copy_(bestBias);
    net.eval();
    if (n > 0)
        fit.trainAccuracy = net.classify(x).argmax(1).eq(y).to(torch::kFloat64).mean().item<double>();
    return fit;
}

} // namespace accession::ml
