#include "nearduplicates.h"

#include "backbone_torch.h"
#include "device.h"
#include "headfitting_torch.h"
#include "network_torch.h"
#include "similarityindex.h"

#include "catalog/catalog.h"
#include "catalog/transactionguard.h"
#include "imaging/imagedecoder.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QSet>
#include <QtConcurrent/QtConcurrentMap>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace accession {

namespace {

// Items hashed per batch when filling the hashes of items imported before hashes existed: one transaction each.
constexpr int kHashFillBatch = 256;

struct CheckedItem
{
    qint64 id = 0;
    QString path;
    QString contentHash;
};

// Hashes the items that have none (imported before hashes were kept), a batch at a time in parallel.
void fillMissingHashes(Catalog &catalog, NearDuplicateReport &report, const WorkControl &control)
{
    const QVector<QPair<qint64, QString>> missing = catalog.itemsWithoutPerceptualHash();
    struct Outcome
    {
        std::optional<quint64> hash;
        QString error;
    };
    DecodeRequest decode;
    decode.minShorterSide = kThumbnailSide;
    for (qsizetype begin = 0; begin < missing.size(); begin += kHashFillBatch) {
        control.throwIfCancelled();
        control.report(begin, missing.size(), QStringLiteral("Hashing %1 photographs imported before hashes were kept")
                                                  .arg(missing.size()));
        const QVector<QPair<qint64, QString>> batch = missing.mid(begin, kHashFillBatch);
        const QList<Outcome> outcomes = QtConcurrent::blockingMapped<QList<Outcome>>(batch, [decode](const QPair<qint64, QString> &item) {
            Outcome outcome;
            const RgbImage image = decodeRgbFile(item.second, decode, &outcome.error);
            if (!image.isNull())
                outcome.hash = perceptualHashOfRgb(reinterpret_cast<const uchar *>(image.pixels.constData()), image.width,
                                                   image.height, qsizetype(image.width) * 3);
            return outcome;
        });
        TransactionGuard transaction(catalog.database());
        for (int i = 0; i < outcomes.size(); ++i) {
            if (!outcomes[i].error.isEmpty()) {
                report.failures.push_back({batch[i].second, QStringLiteral("cannot hash: %1").arg(outcomes[i].error)});
            } else if (outcomes[i].hash) {
                catalog.setPerceptualHash(batch[i].first, *outcomes[i].hash);
                ++report.hashesFilled;
            }
        }
        transaction.commit();
    }
}

} // namespace

NearDuplicateReport findNearDuplicates(const NearDuplicateRequest &request, const WorkControl &control)
{
    QElapsedTimer timer;
    timer.start();
    NearDuplicateReport report;
    if (!(request.cosineThreshold > 0.0 && request.cosineThreshold <= 1.0))
        throw std::runtime_error(QStringLiteral("--threshold must be in (0, 1] (got %1)").arg(request.cosineThreshold).toStdString());
    if (request.hashDistance < 0 || request.hashDistance > 32)
        throw std::runtime_error(QStringLiteral("--hash-distance must be in 0..32 (got %1)").arg(request.hashDistance).toStdString());

    Catalog catalog(request.catalogPath);
    QVector<CheckedItem> items;
    for (qint64 offset = 0;; offset += 10000) {
        const QVector<ItemRecord> page = catalog.items(offset, 10000);
        for (const ItemRecord &record : page)
            items.push_back({record.id, record.path, record.contentHash});
        if (page.size() < 10000)
            break;
    }
    report.itemsChecked = items.size();
    const int count = int(items.size());

    fillMissingHashes(catalog, report, control);
    control.throwIfCancelled();

    // Pairs, keyed by their rows (a < b), with what is known of them.
    std::map<std::pair<int, int>, SimilarRows> pairs;
    const QHash<qint64, quint64> storedHashes = catalog.perceptualHashes();
    std::vector<int> hashedRows;
    std::vector<quint64> hashes;
    for (int row = 0; row < count; ++row) {
        const auto found = storedHashes.constFind(items[row].id);
        if (found != storedHashes.constEnd()) {
            hashedRows.push_back(row);
            hashes.push_back(*found);
        }
    }
    control.report(0, 1, QStringLiteral("Comparing perceptual hashes"));
    for (const SimilarRows &pair : nearHashPairs(hashes, request.hashDistance)) {
        const int a = hashedRows[size_t(pair.a)];
        const int b = hashedRows[size_t(pair.b)];
        pairs[{std::min(a, b), std::max(a, b)}] = {std::min(a, b), std::max(a, b), std::numeric_limits<double>::quiet_NaN(),
                                                   pair.hashDistance};
        ++report.hashPairs;
    }

    // Embeddings: the backbone's features (each image through it once, kept in the catalog's feature store).
    torch::Tensor embeddings;
    std::optional<ml::Backbone> backbone;
    if (request.useEmbeddings && count >= 2) {
        backbone = ml::loadBackbone({request.modelPath, request.weightsPath, request.architecture, request.mean, request.std,
                                     QStringLiteral("near-duplicates")},
                                    catalog, 2);
        if (!backbone)
            report.note = QStringLiteral("%1 has no active model: perceptual hashes alone were compared (give --model, or "
                                         "--weights with --arch, to compare the photographs' features too)").arg(catalog.path());
    }
    if (backbone) {
        configureComputeThreads(request.threads);
        report.backbone = backbone->path;
        const torch::Device device = ml::selectDevice();
        backbone->net->to(device);
        ml::useChannelsLast(*backbone->net);
        QVector<Example> examples;
        for (const CheckedItem &item : items)
            examples.push_back({item.id, item.path, item.contentHash, 0});
        const ml::TrainingHooks hooks = ml::featureHooks(control, report.failures);
        ml::FeatureStore store(ml::FeatureStore::pathFor(ml::featureCacheDirOf(catalog.path()), backbone->path, backbone->architecture,
                                                         backbone->preprocessing),
                               backbone->net->featureSize());
        ml::DecodedImageCache cache(backbone->preprocessing.resizeSize(), qint64(1) << 30);
        const torch::Tensor features = ml::backboneFeatures(store, *backbone->net, device, cache, backbone->preprocessing,
                                                            examples, 0, request.batchSize, hooks)
                                           .to(torch::kCPU, torch::kFloat32);
        control.report(0, 1, QStringLiteral("Comparing the photographs' features"));
        // Centred on the catalog's mean, then L2-normalised: a backbone's features share a large common part (they
        // are all photographs of objects), which would make every pair look alike.
        const torch::Tensor readable = ~torch::isnan(features).any(1);
        const torch::Tensor readableRows = torch::nonzero(readable).squeeze(1).contiguous();
        if (readableRows.numel() >= 2) {
            torch::Tensor kept = features.index_select(0, readableRows);
            kept = kept - kept.mean(0, true);
            kept = torch::nn::functional::normalize(kept, torch::nn::functional::NormalizeFuncOptions().dim(1)).contiguous();
            embeddings = torch::full({count, kept.size(1)}, std::numeric_limits<float>::quiet_NaN());
            embeddings.index_copy_(0, readableRows, kept);
            const int64_t *rowOf = readableRows.data_ptr<int64_t>();
            std::vector<int> crowded;
            const std::vector<SimilarRows> similar =
                similarEmbeddingPairs(kept.data_ptr<float>(), int(kept.size(0)), int(kept.size(1)), request.cosineThreshold, 1,
                                      [&] { control.throwIfCancelled(); }, request.mostFeatureNeighbours, &crowded);
            report.embeddingPairs = qint64(similar.size());
            report.crowdedItems = qint64(crowded.size());
            if (!crowded.empty()) {
                report.note = QStringLiteral("%1 of %2 photographs were each alike to more than %3 others by the features of %4, "
                                             "which cannot tell them apart: they were compared by their perceptual hashes alone. "
                                             "Pretrained ImageNet weights tell photographs apart better than a model trained on "
                                             "these departments.")
                                  .arg(crowded.size())
                                  .arg(kept.size(0))
                                  .arg(request.mostFeatureNeighbours)
                                  .arg(QFileInfo(backbone->path).fileName());
            }
            for (const SimilarRows &pair : similar) {
                const int a = int(rowOf[pair.a]);
                const int b = int(rowOf[pair.b]);
                SimilarRows &known = pairs[{a, b}];
                known.a = a;
                known.b = b;
                known.cosine = pair.cosine;
                known.hashDistance = -1;
            }
        }
    }

    // Each pair says both measures where both are known.
    std::vector<SimilarRows> joined;
    for (auto &[rows, pair] : pairs) {
        const auto hashA = storedHashes.constFind(items[rows.first].id);
        const auto hashB = storedHashes.constFind(items[rows.second].id);
        if (hashA != storedHashes.constEnd() && hashB != storedHashes.constEnd())
            pair.hashDistance = hammingDistance(*hashA, *hashB);
        if (embeddings.defined() && std::isnan(pair.cosine)) {
            const double cosine = (embeddings[rows.first] * embeddings[rows.second]).sum().item<double>();
            if (!std::isnan(cosine))
                pair.cosine = cosine;
        }
        joined.push_back(pair);
    }
    const std::vector<std::vector<int>> groups = groupsOfPairs(count, joined);
    QHash<int, int> groupOfRow;
    for (size_t g = 0; g < groups.size(); ++g) {
        NearDuplicateGroup group;
        for (const int row : groups[g]) {
            group.items.push_back(items[row].id);
            group.paths.push_back(items[row].path);
            groupOfRow.insert(row, int(g));
        }
        report.groups.push_back(group);
    }
    for (const SimilarRows &pair : joined)
        report.groups[groupOfRow.value(pair.a)].pairs.push_back({items[pair.a].id, items[pair.b].id, pair.cosine, pair.hashDistance});
    std::stable_sort(report.groups.begin(), report.groups.end(), [](const NearDuplicateGroup &x, const NearDuplicateGroup &y) {
        return x.items.size() > y.items.size();
    });
    control.throwIfCancelled();
    if (request.saveGroups) {
        catalog.replaceNearDuplicateGroups(report.groups);
        // The ids the catalog gave them, matched by first item (a row belongs to one group).
        QHash<qint64, qint64> idOfFirstItem;
        for (const NearDuplicateGroup &saved : catalog.nearDuplicateGroups())
            idOfFirstItem.insert(saved.items.front(), saved.id);
        for (NearDuplicateGroup &group : report.groups)
            group.id = idOfFirstItem.value(group.items.front());
    }
    report.seconds = timer.elapsed() / 1000.0;
    return report;
}

} // namespace accession
