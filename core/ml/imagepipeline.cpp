#include "imagepipeline_torch.h"

#include "imaging/cvdecode.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSaveFile>

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <numeric>
#include <random>
#include <tuple>

namespace accession::ml {

namespace {

cv::Mat resizeShorterSide(const cv::Mat &image, int side)
{
    const int shorter = std::min(image.cols, image.rows);
    if (shorter == side)
        return image;
    const double scale = double(side) / shorter;
    const int width = std::max(side, int(std::lround(image.cols * scale)));
    const int height = std::max(side, int(std::lround(image.rows * scale)));
    cv::Mat resized;
    cv::resize(image, resized, cv::Size(width, height), 0, 0, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
    return resized;
}

quint64 mix(quint64 a, quint64 b)
{
    quint64 x = a ^ (b + 0x9E3779B97F4A7C15ull + (a << 6) + (a >> 2));
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

} // namespace

DecodedImageCache::DecodedImageCache(int shorterSide, qint64 memoryBudgetBytes, QString diskDir, Sizing sizing)
    : m_shorterSide(shorterSide)
    , m_budget(memoryBudgetBytes)
    , m_diskDir(std::move(diskDir))
    , m_sizing(sizing)
{
    if (!m_diskDir.isEmpty())
        QDir().mkpath(m_diskDir);
}

QString DecodedImageCache::keyFor(const Example &example) const
{
    if (!example.contentHash.isEmpty())
        return example.contentHash;
    return QString::fromLatin1(QCryptographicHash::hash(example.path.toUtf8(), QCryptographicHash::Sha256).toHex());
}

QString DecodedImageCache::diskPath(const QString &key) const
{
    return QStringLiteral("%1/%2-%3%4.rgb").arg(m_diskDir, key, m_sizing == Sizing::AtMost ? QStringLiteral("max") : QString()).arg(m_shorterSide);
}

cv::Mat DecodedImageCache::readFromDisk(const QString &key) const
{
    if (m_diskDir.isEmpty())
        return cv::Mat();
    QFile file(diskPath(key));
    if (!file.open(QIODevice::ReadOnly))
        return cv::Mat();
    qint32 size[2] = {0, 0};
    if (file.read(reinterpret_cast<char *>(size), sizeof size) != sizeof size || size[0] <= 0 || size[1] <= 0)
        return cv::Mat();
    cv::Mat image(size[1], size[0], CV_8UC3);
    const qint64 bytes = qint64(image.total() * image.elemSize());
    if (file.read(reinterpret_cast<char *>(image.data), bytes) != bytes)
        return cv::Mat();
    return image;
}

void DecodedImageCache::writeToDisk(const QString &key, const cv::Mat &image) const
{
    if (m_diskDir.isEmpty())
        return;
    QSaveFile file(diskPath(key));
    if (!file.open(QIODevice::WriteOnly))
        return;
    const qint32 size[2] = {image.cols, image.rows};
    file.write(reinterpret_cast<const char *>(size), sizeof size);
    const cv::Mat contiguous = image.isContinuous() ? image : image.clone();
    file.write(reinterpret_cast<const char *>(contiguous.data), qint64(contiguous.total() * contiguous.elemSize()));
    file.commit(); // a cache: if the disk is full, the image is simply decoded again next time
}

cv::Mat DecodedImageCache::get(const Example &example)
{
    const QString key = keyFor(example);
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_images.constFind(key);
        if (it != m_images.constEnd()) {
            ++m_stats.memoryHits;
            return *it;
        }
    }
    cv::Mat image = readFromDisk(key);
    bool fromDisk = !image.empty();
    if (!fromDisk) {
        image = decodeUnscaled(example);
        if (m_sizing == Sizing::Exact || std::min(image.cols, image.rows) > m_shorterSide)
            image = resizeShorterSide(image, m_shorterSide);
    }
    std::lock_guard lock(m_mutex);
    const qint64 bytes = qint64(image.total() * image.elemSize());
    if (fromDisk)
        ++m_stats.diskHits;
    else
        ++m_stats.decoded;
    if (m_stats.memoryBytes + bytes <= m_budget) {
        m_images.insert(key, image);
        m_stats.memoryBytes += bytes;
    } else if (!fromDisk) {
        writeToDisk(key, image);
    }
    return image;
}

cv::Mat DecodedImageCache::decodeUnscaled(const Example &example) const
{
    QFile file(example.path);
    if (!file.open(QIODevice::ReadOnly))
        throw DecodeError(QStringLiteral("cannot read: %1").arg(file.errorString()));
    DecodeRequest request;
    request.minShorterSide = m_shorterSide;
    return decodeRgbMat(file.readAll(), request);
}

DecodedImageCache::Stats DecodedImageCache::stats() const
{
    std::lock_guard lock(m_mutex);
    return m_stats;
}

BatchLoader::BatchLoader(QVector<Example> examples, DecodedImageCache &cache, Preprocessing preprocessing,
                         Augmentation augmentation, int batchSize, int workers, int prefetchBatches)
    : m_examples(std::move(examples))
    , m_cache(cache)
    , m_preprocessing(preprocessing)
    , m_augmentation(augmentation)
    , m_batchSize(std::max(1, batchSize))
    , m_prefetch(std::max(1, prefetchBatches))
{
    for (int i = 0; i < std::max(1, workers); ++i)
        m_workers.emplace_back([this] { work(); });
}

BatchLoader::~BatchLoader()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_workAvailable.notify_all();
    for (std::thread &worker : m_workers)
        worker.join();
}

int BatchLoader::batchCount() const
{
    return int((m_order.size() + size_t(m_batchSize) - 1) / size_t(m_batchSize));
}

void BatchLoader::start(std::vector<int> order, quint64 augmentationSeed)
{
    {
        std::lock_guard lock(m_mutex);
        m_order = std::move(order);
        m_seed = augmentationSeed;
        ++m_generation;
        m_nextToBuild = 0;
        m_nextToHand = 0;
        m_batches = int((m_order.size() + size_t(m_batchSize) - 1) / size_t(m_batchSize));
        m_ready.clear();
        m_error = nullptr;
    }
    m_workAvailable.notify_all();
}

bool BatchLoader::next(Batch &batch)
{
    std::unique_lock lock(m_mutex);
    if (m_nextToHand >= m_batches)
        return false;
    m_batchReady.wait(lock, [this] { return m_ready.count(m_nextToHand) > 0 || m_error; });
    if (m_error)
        std::rethrow_exception(m_error);
    batch = std::move(m_ready[m_nextToHand]);
    m_ready.erase(m_nextToHand);
    ++m_nextToHand;
    lock.unlock();
    m_workAvailable.notify_all();
    return true;
}

void BatchLoader::work()
{
    for (;;) {
        int batchIndex;
        quint64 generation;
        {
            std::unique_lock lock(m_mutex);
            m_workAvailable.wait(lock, [this] {
                return m_stopping || (m_nextToBuild < m_batches && m_nextToBuild < m_nextToHand + m_prefetch);
            });
            if (m_stopping)
                return;
            batchIndex = m_nextToBuild++;
            generation = m_generation;
        }
        Batch batch;
        std::exception_ptr error;
        try {
            batch = build(batchIndex, generation);
        } catch (...) {
            // An exception leaving a std::thread aborts the program (a batch too large to allocate, say):
            // hand it to the consumer instead, whose job then fails with the reason.
            error = std::current_exception();
        }
        {
            std::lock_guard lock(m_mutex);
            if (generation != m_generation)
                continue; // a new pass started meanwhile
            if (error)
                m_error = error;
            else
                m_ready[batchIndex] = std::move(batch);
        }
        m_batchReady.notify_all();
    }
}

Batch BatchLoader::build(int batchIndex, quint64 generation)
{
    std::vector<int> members;
    quint64 seed;
    {
        std::lock_guard lock(m_mutex);
        if (generation != m_generation)
            return Batch();
        const size_t begin = size_t(batchIndex) * size_t(m_batchSize);
        const size_t end = std::min(m_order.size(), begin + size_t(m_batchSize));
        members.assign(m_order.begin() + long(begin), m_order.begin() + long(end));
        seed = m_seed;
    }
    const int size = m_preprocessing.inputSize;
    const int64_t sampleFloats = int64_t(3) * size * size;
    Batch batch;
    torch::Tensor images = torch::empty({int64_t(members.size()), 3, size, size}, torch::kFloat32);
    std::vector<int64_t> labels;
    int row = 0;
    for (int index : members) {
        const Example &example = m_examples.at(index); // const access: workers must never detach the shared list
        try {
            // Validation, calibration, evaluation and classification all resize the shorter side first, then cut
            // the centre, whether the image comes from a cache or straight from its file: cutting first (once done
            // without a cache, to save resizing) gave other pixels, and the trainer's validation accuracy differed
            // from evaluate's for the same model and items.
            const cv::Mat image = m_cache.get(example);
            fillSample(image, images.data_ptr<float>() + row * sampleFloats, mix(seed, quint64(index)));
            labels.push_back(example.classIndex);
            batch.examples.push_back(index);
            ++row;
        } catch (const std::exception &error) {
            batch.failures.emplace_back(example.path, QString::fromUtf8(error.what()));
        }
    }
    batch.images = images.narrow(0, 0, row);
    batch.labels = torch::tensor(labels, torch::kInt64);
    return batch;
}

void BatchLoader::fillSample(const cv::Mat &image, float *destination, quint64 sampleSeed) const
{
    const int size = m_preprocessing.inputSize;
    cv::Mat crop;
    bool flip = m_augmentation == Augmentation::FlippedCenterCrop;
    if (m_augmentation == Augmentation::RandomResizedCrop) {
        std::mt19937_64 rng(sampleSeed);
        const CropBox drawn = randomResizedCropBox(image.cols, image.rows, m_minimumCropScale, rng);
        const cv::Rect box(drawn.x, drawn.y, drawn.width, drawn.height);
        // Area averaging when reducing (as torchvision's antialiased resize), bilinear when enlarging.
        cv::resize(image(box), crop, cv::Size(size, size), 0, 0,
                   std::min(box.width, box.height) > size ? cv::INTER_AREA : cv::INTER_LINEAR);
        flip = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    } else {
        // The cache holds the image at the resize size; take the centre square of the input size.
        const cv::Mat scaled = std::min(image.cols, image.rows) < size ? resizeShorterSide(image, size) : image;
        const cv::Rect box((scaled.cols - size) / 2, (scaled.rows - size) / 2, size, size);
        crop = scaled(box);
    }
    if (flip)
        cv::flip(crop, crop, 1);
    cv::Mat floats;
    crop.convertTo(floats, CV_32FC3, 1.0 / 255.0);
    const cv::Scalar mean(m_preprocessing.mean[0], m_preprocessing.mean[1], m_preprocessing.mean[2]);
    const cv::Scalar inverseStd(1.0 / m_preprocessing.std[0], 1.0 / m_preprocessing.std[1], 1.0 / m_preprocessing.std[2]);
    cv::subtract(floats, mean, floats);
    cv::multiply(floats, inverseStd, floats);
    std::vector<cv::Mat> planes;
    for (int c = 0; c < 3; ++c)
        planes.emplace_back(size, size, CV_32F, destination + int64_t(c) * size * size);
    cv::split(floats, planes);
}

namespace {

bool centreCropPass(ClassifierNetImpl &net, torch::Device device, BatchLoader &loader, bool withFeatures,
                    const CentreCropFeatureBatchHandler &onBatch, const std::function<bool()> &shouldStop)
{
    torch::NoGradGuard noGrad;
    net.eval();
    std::vector<int> order(size_t(loader.examples().size()));
    std::iota(order.begin(), order.end(), 0);
    loader.start(std::move(order), 0);
    Batch batch;
    while (loader.next(batch)) {
        torch::Tensor logits;
        torch::Tensor features;
        if (batch.images.size(0) > 0 && withFeatures)
            std::tie(logits, features) = logitsAndNormalisedFeatures(net, device, batch.images);
        else if (batch.images.size(0) > 0)
            logits = net.forward(channelsLastInput(batch.images.to(device))).to(torch::kCPU).contiguous();
        onBatch(batch, logits, features);
        if (shouldStop && shouldStop())
            return false;
    }
    return true;
}

} // namespace

std::pair<torch::Tensor, torch::Tensor> logitsAndNormalisedFeatures(ClassifierNetImpl &net, torch::Device device, const torch::Tensor &images)
{
    const torch::Tensor pooled = net.features(channelsLastInput(images.to(device)));
    const torch::Tensor logits = net.classify(pooled).to(torch::kCPU).to(torch::kFloat32).contiguous();
    const torch::Tensor unit = torch::nn::functional::normalize(pooled.to(torch::kCPU).to(torch::kFloat32),
                                                                torch::nn::functional::NormalizeFuncOptions().dim(1))
                                   .contiguous();
    return {logits, unit};
}

bool forEachCentreCropBatch(ClassifierNetImpl &net, torch::Device device, BatchLoader &loader,
                            const CentreCropBatchHandler &onBatch, const std::function<bool()> &shouldStop)
{
    return centreCropPass(net, device, loader, false,
                          [&](const Batch &batch, const torch::Tensor &logits, const torch::Tensor &) { onBatch(batch, logits); },
                          shouldStop);
}

bool forEachCentreCropBatchWithFeatures(ClassifierNetImpl &net, torch::Device device, BatchLoader &loader,
                                        const CentreCropFeatureBatchHandler &onBatch, const std::function<bool()> &shouldStop)
{
    return centreCropPass(net, device, loader, true, onBatch, shouldStop);
}

} // namespace accession::ml
