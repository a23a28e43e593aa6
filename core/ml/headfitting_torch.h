#pragma once

// Torch-side header: include only from core/ml sources.

#include "architecture.h"
#include "imagepipeline_torch.h"
#include "network_torch.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace accession::ml {

// How a stretch of training reports to its job: progress, images that could not be decoded, a cancel
// (throwIfCancelled throws), and a divergence (diverged throws, naming what, where and the rate).
struct TrainingHooks
{
    std::function<void(qint64 done, qint64 total, const QString &message)> progress;
    std::function<void(const std::vector<std::pair<QString, QString>> &failures)> failures;
    std::function<void()> throwIfCancelled;
    std::function<void(const QString &what, const QString &where, double rate)> diverged;
};

using LossFunction = std::function<torch::Tensor(const torch::Tensor &logits, const torch::Tensor &labels)>;

// Backbone features per image and view, kept in a file beside the catalog, so refitting the head
// after a day of corrections costs only the new images.
class FeatureStore
{
public:
    FeatureStore(QString path, int dimension);
    const std::vector<float> *find(const QByteArray &digest, int view) const;
    void add(const QByteArray &digest, int view, std::vector<float> values);
    // Appends what was added; a failed write only costs recomputation next time.
    void flush();
    qint64 size() const { return qint64(m_features.size()); }

    // The store for one backbone: its weights file's content, the network and the preprocessing name it.
    static QString pathFor(const QString &cacheDir, const QString &weightsPath, Architecture architecture,
                           const Preprocessing &preprocessing);

private:
    static std::string key(const QByteArray &digest, int view) { return digest.toStdString() + char(view); }
    QString m_path;
    int m_dimension;
    std::unordered_map<std::string, std::vector<float>> m_features;
    QByteArray m_pending;
};

// The backbone's features for every example in one view (0: the centre crop, 1: its mirror image), one row per
// example, computing and storing those the store lacks; rows of images that failed to decode are NaN.
torch::Tensor backboneFeatures(FeatureStore &store, ClassifierNetImpl &net, torch::Device device, DecodedImageCache &cache,
                               const Preprocessing &preprocessing, const QVector<Example> &examples, int view,
                               int batchSize, const TrainingHooks &hooks);

struct HeadFitSettings
{
    double learningRate = 0;
    double weightDecay = 0;
    quint64 seed = 1;
};

// What fitting the head on features gave: the head kept is the one that validated best.
struct HeadFit
{
    int epochsRun = 0;
    double lastTrainLoss = 0;
    double trainAccuracy = 0; // of the kept head
    double validationAccuracy = -1;
    double validationLoss = 0;
};

// Fits the network's head on features (rows with NaN left out) with AdamW, validating every five epochs and
// stopping after eight validations without a better one: seconds instead of minutes per epoch on a CPU.
HeadFit fitHeadOnFeatures(ClassifierNetImpl &net, torch::Device device, torch::Tensor trainFeatures, torch::Tensor trainLabels,
                          torch::Tensor validationFeatures, torch::Tensor validationLabels, const HeadFitSettings &settings,
                          const LossFunction &loss, const TrainingHooks &hooks);

} // namespace accession::ml
