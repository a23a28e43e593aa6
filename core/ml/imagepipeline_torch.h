#pragma once

// Torch-side header: include only from core/ml sources.

#include "datasplit.h"
#include "networks_torch.h"
#include "preprocessing.h"

#include <QHash>
#include <QString>

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace accession::ml {

// Images decoded once at a fixed shorter side, shared by loader threads: kept in memory up to a budget,
// then (when a folder is given) as raw pixels on disk, so later epochs never decode a JPEG again.
class DecodedImageCache
{
public:
    // Exact: every image is resized to the shorter side (centre crops cut at the input size).
    // AtMost: larger images are reduced to it, smaller ones kept as they are (random crops, which are
    // resized anyway, then come from full-resolution pixels instead of an enlarged thumbnail).
    enum class Sizing { Exact, AtMost };

    DecodedImageCache(int shorterSide, qint64 memoryBudgetBytes, QString diskDir = QString(), Sizing sizing = Sizing::Exact);

    // RGB, CV_8UC3, shorter side shorterSide() (Exact) or at most that (AtMost). Throws DecodeError with the reason.
    cv::Mat get(const Example &example);
    // Decoded but not resized (JPEGs at a reduced scale where that keeps the shorter side): what get() resizes.
    // Nothing is cached. Throws DecodeError.
    cv::Mat decodeUnscaled(const Example &example) const;
    int shorterSide() const { return m_shorterSide; }

    struct Stats
    {
        qint64 decoded = 0;
        qint64 memoryHits = 0;
        qint64 diskHits = 0;
        qint64 memoryBytes = 0;
    };
    Stats stats() const;

private:
    QString keyFor(const Example &example) const;
    cv::Mat readFromDisk(const QString &key) const;
    void writeToDisk(const QString &key, const cv::Mat &image) const;

    QString diskPath(const QString &key) const;

    int m_shorterSide;
    qint64 m_budget;
    QString m_diskDir;
    Sizing m_sizing;
    mutable std::mutex m_mutex;
    QHash<QString, cv::Mat> m_images;
    Stats m_stats;
};

// What a batch is made of: center crops, random resized crops with flips (training), or flipped center crops.
enum class Augmentation { CenterCrop, RandomResizedCrop, FlippedCenterCrop };

struct Batch
{
    torch::Tensor images; // [n, 3, size, size] float, normalised
    torch::Tensor labels; // [n] int64
    std::vector<int> examples; // indices into the loader's examples, one per row
    std::vector<std::pair<QString, QString>> failures; // path, reason
};

// Builds batches on worker threads ahead of the network, so the cores never wait for decoding.
// Augmentation draws from a generator seeded per (seed, epoch, example): results do not depend on timing.
class BatchLoader
{
public:
    BatchLoader(QVector<Example> examples, DecodedImageCache &cache, Preprocessing preprocessing,
                Augmentation augmentation, int batchSize, int workers, int prefetchBatches = 4);
    ~BatchLoader();
    BatchLoader(const BatchLoader &) = delete;
    BatchLoader &operator=(const BatchLoader &) = delete;

    // Starts a pass over the examples in this order (indices into examples()).
    void start(std::vector<int> order, quint64 augmentationSeed);
    // The next batch of the pass; false when the pass is over. Rethrows, on the caller's thread, what a
    // worker thread met building a batch (other than one image's failure, which the batch reports).
    bool next(Batch &batch);
    int batchCount() const;
    // Smallest share of the image's area a random resized crop keeps (torchvision's default is 0.08).
    void setMinimumCropScale(double scale) { m_minimumCropScale = scale; }
    const QVector<Example> &examples() const { return m_examples; }

private:
    void work();
    Batch build(int batchIndex, quint64 generation);
    void fillSample(const cv::Mat &image, float *destination, quint64 sampleSeed) const;

    const QVector<Example> m_examples; // read by worker threads: const, so never detached
    DecodedImageCache &m_cache;
    Preprocessing m_preprocessing;
    Augmentation m_augmentation;
    double m_minimumCropScale = defaultMinimumCropScale;
    int m_batchSize;
    int m_prefetch;

    std::mutex m_mutex;
    std::condition_variable m_workAvailable;
    std::condition_variable m_batchReady;
    std::vector<int> m_order;
    quint64 m_seed = 0;
    quint64 m_generation = 0;
    int m_nextToBuild = 0;
    int m_nextToHand = 0;
    int m_batches = 0;
    std::map<int, Batch> m_ready;
    std::exception_ptr m_error; // from a worker, for next() to rethrow: never let it escape the thread
    bool m_stopping = false;
    std::vector<std::thread> m_workers;
};

// The network's logits for every centre crop the loader builds, batch by batch in example order, with each
// batch's unreadable images. The one path by which training's validation and calibration, evaluation and
// classification see an image, so that they agree on the same model and items. Stops when shouldStop says so
// (returns false).
using CentreCropBatchHandler = std::function<void(const Batch &batch, const torch::Tensor &logits)>;
bool forEachCentreCropBatch(ClassifierNetImpl &net, torch::Device device, BatchLoader &loader,
                            const CentreCropBatchHandler &onBatch, const std::function<bool()> &shouldStop = {});
// The same, with each image's pooled backbone features, L2-normalised, as rows of `features` (on the CPU): what the
// knn_energy out-of-scope score compares with the training photographs'.
using CentreCropFeatureBatchHandler = std::function<void(const Batch &batch, const torch::Tensor &logits, const torch::Tensor &features)>;
bool forEachCentreCropBatchWithFeatures(ClassifierNetImpl &net, torch::Device device, BatchLoader &loader,
                                        const CentreCropFeatureBatchHandler &onBatch, const std::function<bool()> &shouldStop = {});
// Pooled features, L2-normalised, and the logits the head gives for them, both on the CPU.
std::pair<torch::Tensor, torch::Tensor> logitsAndNormalisedFeatures(ClassifierNetImpl &net, torch::Device device, const torch::Tensor &images);

} // namespace accession::ml
