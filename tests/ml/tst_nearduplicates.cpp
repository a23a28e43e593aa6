#include "alteredimages.h"
#include "catalog/catalog.h"
#include "imaging/perceptualhash.h"
#include "ml/datasplit.h"
#include "ml/nearduplicates.h"
#include "ml/similarityindex.h"
#include "testcatalogs.h"
#include "testimages.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <numeric>
#include <set>

using namespace accession;
using namespace accession::test;

namespace {

const QStringList kDepartments = {QStringLiteral("Ceramics"), QStringLiteral("Textiles")};
constexpr int kPerDepartment = 10;
// Originals whose altered copies join the catalog: resized and recompressed (hash and features see them).
const QVector<int> kResizedCopies = {0, 1, 12};
// Cropped to the centre 85% and turned 2 degrees: beyond the hash, for the features to find.
constexpr int kCroppedCopy = 5;
constexpr double kTinyBackboneThreshold = 0.99;

QString originalName(int index)
{
    return QStringLiteral("%1/original-%2.png").arg(kDepartments[index / kPerDepartment]).arg(index, 2, 10, QLatin1Char('0'));
}

std::vector<float> randomUnitRows(int count, int dimension, quint32 seed)
{
    QRandomGenerator random(seed);
    std::vector<float> rows(size_t(count) * size_t(dimension));
    for (int i = 0; i < count; ++i) {
        double norm = 0;
        float *row = rows.data() + size_t(i) * size_t(dimension);
        for (int d = 0; d < dimension; ++d) {
            // Box-Muller: a direction uniform on the sphere.
            const double u = std::max(1e-12, random.generateDouble());
            row[d] = float(std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * random.generateDouble()));
            norm += double(row[d]) * row[d];
        }
        for (int d = 0; d < dimension; ++d)
            row[d] = float(row[d] / std::sqrt(norm));
    }
    return rows;
}

// Makes row `twin` the direction of row `original` plus scale times the unit row `noise`, normalised again.
void makeAlike(std::vector<float> &rows, int dimension, int original, int twin, const float *noise, float scale)
{
    float *target = rows.data() + size_t(twin) * size_t(dimension);
    const float *source = rows.data() + size_t(original) * size_t(dimension);
    double norm = 0;
    for (int d = 0; d < dimension; ++d) {
        target[d] = source[d] + scale * noise[d];
        norm += double(target[d]) * target[d];
    }
    for (int d = 0; d < dimension; ++d)
        target[d] = float(target[d] / std::sqrt(norm));
}

// count random unit rows in which rows 0..twins-1 (twins at most 100) each have a twin at row 100 + i, with a cosine
// near 0.95 (the same direction plus noise).
std::vector<float> rowsWithTwins(int count, int dimension, int twins, quint32 seed)
{
    std::vector<float> rows = randomUnitRows(count, dimension, seed);
    const std::vector<float> noise = randomUnitRows(twins, dimension, seed + 1);
    for (int i = 0; i < twins; ++i)
        makeAlike(rows, dimension, i, 100 + i, noise.data() + size_t(i) * dimension, 0.33f);
    return rows;
}

} // namespace

// Near-duplicates: the indexes find planted pairs among many random ones, and the engine and the command line group
// altered copies with their originals in a real catalog, saving the groups.
class TestNearDuplicates : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void embeddingIndexFindsPlantedPairs();
    void embeddingIndexLeavesOutCrowdedRows();
    void hashIndexFindsPlantedPairs();
    void groupsOfPairsJoinChains();
    void engineGroupsCopiesWithTheirOriginals();
    void engineComparesCrowdedPhotographsByHashesAlone();
    void splitKeepsGroupsTogether();
    void hashesOnlyFillsMissingHashesAndReportsUnreadableFiles();
    void commandLinePrintsGroupsAsJson();

private:
    qint64 itemIdOf(Catalog &catalog, const QString &path) const;

    QTemporaryDir m_dir;
    QString m_catalog;
    QString m_model;
    QHash<int, QString> m_copyOf; // original index -> copy's path
};

qint64 TestNearDuplicates::itemIdOf(Catalog &catalog, const QString &path) const
{
    for (const ItemRow &item : catalog.labelledItems()) {
        if (item.path == path)
            return item.id;
    }
    return 0;
}

void TestNearDuplicates::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString photos = m_dir.filePath(QStringLiteral("photos"));
    for (const QString &department : kDepartments)
        QDir().mkpath(photos + QLatin1Char('/') + department);
    for (int i = 0; i < kDepartments.size() * kPerDepartment; ++i)
        writeFile(photos + QLatin1Char('/') + originalName(i), shapesPhotograph(quint32(100 + i)));
    for (const int i : kResizedCopies) {
        m_copyOf.insert(i, photos + QLatin1Char('/') + originalName(i).replace(QStringLiteral("original"), QStringLiteral("resized")).replace(QStringLiteral(".png"), QStringLiteral(".jpg")));
        writeFile(m_copyOf[i], alteredCopy(shapesPhotograph(quint32(100 + i)), {0.6, 1.0, 0.0, 40}));
    }
    m_copyOf.insert(kCroppedCopy, photos + QLatin1Char('/') + originalName(kCroppedCopy).replace(QStringLiteral("original"), QStringLiteral("cropped")).replace(QStringLiteral(".png"), QStringLiteral(".jpg")));
    writeFile(m_copyOf[kCroppedCopy], alteredCopy(shapesPhotograph(quint32(100 + kCroppedCopy)), {1.0, 0.85, 2.0, 60}));
    m_catalog = m_dir.filePath(QStringLiteral("catalog.db"));
    importFolders(m_catalog, photos);

    m_model = m_dir.filePath(QStringLiteral("model.safetensors"));
    QVERIFY(trainSmallBaseline(m_catalog, m_model, 2, 8));
}

void TestNearDuplicates::embeddingIndexFindsPlantedPairs()
{
    constexpr int count = 20000;
    constexpr int dimension = 128;
    const std::vector<float> rows = rowsWithTwins(count, dimension, 100, 7);
    const std::vector<SimilarRows> found = similarEmbeddingPairs(rows.data(), count, dimension, 0.9);
    std::set<std::pair<int, int>> pairs;
    for (const SimilarRows &pair : found) {
        QVERIFY(pair.a < pair.b);
        QVERIFY(pair.cosine >= 0.9);
        pairs.insert({pair.a, pair.b});
    }
    int planted = 0;
    for (int i = 0; i < 100; ++i)
        planted += pairs.count({i, 100 + i}) ? 1 : 0;
    QVERIFY2(planted >= 97, qPrintable(QStringLiteral("%1 of 100 planted pairs found").arg(planted)));
    QCOMPARE(int(pairs.size()), planted); // random directions in 128 dimensions are never that alike
}

void TestNearDuplicates::embeddingIndexLeavesOutCrowdedRows()
{
    constexpr int count = 5000;
    constexpr int dimension = 64;
    // Twins 0..49 and 100..149; a crowd of 40 rows alike to each other (as a trained classifier makes a class's
    // photographs); a cluster of 5 (an object photographed five times).
    std::vector<float> rows = rowsWithTwins(count, dimension, 50, 11);
    const std::vector<float> noise = randomUnitRows(45, dimension, 13);
    for (int i = 1; i < 40; ++i)
        makeAlike(rows, dimension, 1000, 1000 + i, noise.data() + size_t(i) * dimension, 0.2f);
    for (int i = 1; i < 5; ++i)
        makeAlike(rows, dimension, 2000, 2000 + i, noise.data() + size_t(40 + i) * dimension, 0.2f);
    const auto inCrowd = [](int row) { return row >= 1000 && row < 1040; };

    // Without a limit the crowd's 780 pairs are all there.
    int crowdPairs = 0;
    for (const SimilarRows &pair : similarEmbeddingPairs(rows.data(), count, dimension, 0.9))
        crowdPairs += inCrowd(pair.a) && inCrowd(pair.b) ? 1 : 0;
    QVERIFY2(crowdPairs >= 700, qPrintable(QString::number(crowdPairs)));

    std::vector<int> crowded;
    const std::vector<SimilarRows> found = similarEmbeddingPairs(rows.data(), count, dimension, 0.9, 1, {}, 16, &crowded);
    std::vector<int> wanted(40);
    std::iota(wanted.begin(), wanted.end(), 1000);
    QCOMPARE(crowded, wanted);
    int twins = 0;
    int cluster = 0;
    for (const SimilarRows &pair : found) {
        QVERIFY2(!inCrowd(pair.a) && !inCrowd(pair.b), qPrintable(QStringLiteral("%1-%2").arg(pair.a).arg(pair.b)));
        twins += pair.b == pair.a + 100 && pair.a < 50 ? 1 : 0;
        cluster += pair.a >= 2000 && pair.b < 2005 ? 1 : 0;
    }
    QVERIFY2(twins >= 48, qPrintable(QString::number(twins)));
    QCOMPARE(cluster, 10); // four others each: under the limit
    QCOMPARE(int(found.size()), twins + cluster);
}

void TestNearDuplicates::hashIndexFindsPlantedPairs()
{
    constexpr int count = 50000;
    QRandomGenerator64 random(3);
    std::vector<quint64> hashes(static_cast<size_t>(count));
    for (quint64 &hash : hashes)
        hash = random.generate();
    // Twins 1, 2 or 3 bits away (always found), and 6 bits away (found when a band agrees, as it mostly does).
    for (int i = 0; i < 300; ++i) {
        const int bits = i < 200 ? 1 + i % 3 : 6;
        quint64 twin = hashes[size_t(i)];
        std::set<int> flipped;
        while (int(flipped.size()) < bits)
            flipped.insert(int(random.bounded(64)));
        for (const int bit : flipped)
            twin ^= quint64(1) << bit;
        hashes[size_t(count - 1 - i)] = twin;
    }
    // A band shared by many (a blank ground): still found, without comparing all of them.
    for (int i = 1000; i < 3000; ++i)
        hashes[size_t(i)] = (hashes[size_t(i)] & ~quint64(0xffff)) | 0x1234;
    const std::vector<SimilarRows> found = nearHashPairs(hashes, 6);
    std::set<std::pair<int, int>> pairs;
    for (const SimilarRows &pair : found) {
        QVERIFY(pair.hashDistance <= 6);
        QCOMPARE(pair.hashDistance, hammingDistance(hashes[size_t(pair.a)], hashes[size_t(pair.b)]));
        pairs.insert({pair.a, pair.b});
    }
    int close = 0;
    int far = 0;
    for (int i = 0; i < 300; ++i)
        (i < 200 ? close : far) += pairs.count({i, count - 1 - i}) ? 1 : 0;
    QCOMPARE(close, 200);
    QVERIFY2(far >= 60, qPrintable(QStringLiteral("%1 of 100 six-bit pairs found").arg(far)));
}

void TestNearDuplicates::groupsOfPairsJoinChains()
{
    const std::vector<std::vector<int>> groups = groupsOfPairs(8, {{5, 6, 0.95, -1}, {0, 3, 0.91, -1}, {3, 7, 0.93, 2}});
    QCOMPARE(groups.size(), size_t(2));
    QCOMPARE(groups[0], (std::vector<int>{0, 3, 7}));
    QCOMPARE(groups[1], (std::vector<int>{5, 6}));
}

void TestNearDuplicates::engineGroupsCopiesWithTheirOriginals()
{
    NearDuplicateRequest request;
    request.catalogPath = m_catalog;
    request.modelPath = m_model;
    // The test's backbone (two epochs on 32-pixel images) sees little: unrelated shapes reach 0.95.
    request.cosineThreshold = kTinyBackboneThreshold;
    request.threads = 2;
    const NearDuplicateReport report = findNearDuplicates(request);
    QCOMPARE(report.itemsChecked, qint64(kDepartments.size() * kPerDepartment + m_copyOf.size()));
    QVERIFY(report.failures.isEmpty());
    QCOMPARE(report.backbone, QFileInfo(m_model).absoluteFilePath());
    QCOMPARE(report.hashesFilled, qint64(0)); // hashed at import

    Catalog catalog(m_catalog);
    const QString photos = m_dir.filePath(QStringLiteral("photos/"));
    QHash<qint64, int> originalOfItem;
    for (int i = 0; i < kDepartments.size() * kPerDepartment; ++i)
        originalOfItem.insert(itemIdOf(catalog, photos + originalName(i)), i);
    for (const NearDuplicateGroup &group : report.groups) {
        qInfo() << "group" << group.paths;
        for (const NearDuplicatePair &pair : group.pairs) {
            qInfo() << "  " << pair.a << pair.b << "cosine" << pair.cosine << "hash" << pair.hashDistance;
            QVERIFY(!std::isnan(pair.cosine)); // both measures for every pair
            QVERIFY(pair.hashDistance >= 0);
        }
        int originals = 0;
        for (const qint64 item : group.items)
            originals += originalOfItem.contains(item) ? 1 : 0;
        QVERIFY2(originals <= 1, "a group joins two different photographs");
    }
    for (const int i : kResizedCopies) {
        const std::optional<NearDuplicateGroup> group = catalog.nearDuplicateGroupOfItem(itemIdOf(catalog, photos + originalName(i)));
        QVERIFY2(group, qPrintable(originalName(i)));
        QVERIFY(group->paths.contains(m_copyOf[i]));
        QVERIFY(group->id > 0);
        QCOMPARE(catalog.nearDuplicateGroup(group->id)->items, group->items);
    }
    // What was saved is what was found.
    const QVector<NearDuplicateGroup> saved = catalog.nearDuplicateGroups();
    QCOMPARE(saved.size(), report.groups.size());
    QSet<QVector<qint64>> savedItems;
    for (const NearDuplicateGroup &group : saved)
        savedItems.insert(group.items);
    for (const NearDuplicateGroup &group : report.groups)
        QVERIFY(savedItems.contains(group.items));
}

void TestNearDuplicates::engineComparesCrowdedPhotographsByHashesAlone()
{
    // At a cosine of 0.05 the test's small backbone finds most photographs alike to many others: with a limit of 4,
    // those are compared by their hashes alone, and the report says so.
    NearDuplicateRequest request;
    request.catalogPath = m_catalog;
    request.modelPath = m_model;
    request.cosineThreshold = 0.05;
    request.threads = 2;
    request.saveGroups = false;
    const auto mostFeatureOnlyPairs = [&](const NearDuplicateReport &report) {
        QHash<qint64, int> featureOnly;
        for (const NearDuplicateGroup &group : report.groups) {
            for (const NearDuplicatePair &pair : group.pairs) {
                if (pair.hashDistance > request.hashDistance) {
                    ++featureOnly[pair.a];
                    ++featureOnly[pair.b];
                }
            }
        }
        int most = 0;
        for (const int pairs : std::as_const(featureOnly))
            most = std::max(most, pairs);
        return most;
    };
    request.mostFeatureNeighbours = 0;
    const NearDuplicateReport unlimited = findNearDuplicates(request);
    QCOMPARE(unlimited.crowdedItems, qint64(0));
    QVERIFY2(mostFeatureOnlyPairs(unlimited) > 4, qPrintable(QString::number(mostFeatureOnlyPairs(unlimited))));

    request.mostFeatureNeighbours = 4;
    const NearDuplicateReport limited = findNearDuplicates(request);
    QVERIFY(limited.crowdedItems > 0);
    QVERIFY(limited.embeddingPairs < unlimited.embeddingPairs);
    QVERIFY2(mostFeatureOnlyPairs(limited) <= 4, qPrintable(QString::number(mostFeatureOnlyPairs(limited))));
    QVERIFY2(limited.note.contains(QStringLiteral("%1 of %2 photographs were each alike to more than 4 others")
                                       .arg(limited.crowdedItems)
                                       .arg(limited.itemsChecked)),
             qPrintable(limited.note));
    QVERIFY(limited.note.contains(QStringLiteral("compared by their perceptual hashes alone")));
    // The resized copies, a few bits apart by hash, are still grouped with their originals.
    Catalog catalog(m_catalog);
    const QString photos = m_dir.filePath(QStringLiteral("photos/"));
    for (const int i : kResizedCopies) {
        const qint64 original = itemIdOf(catalog, photos + originalName(i));
        const qint64 copy = itemIdOf(catalog, m_copyOf[i]);
        const bool together = std::any_of(limited.groups.begin(), limited.groups.end(), [&](const NearDuplicateGroup &group) {
            return group.items.contains(original) && group.items.contains(copy);
        });
        QVERIFY2(together, qPrintable(originalName(i)));
    }
}

void TestNearDuplicates::splitKeepsGroupsTogether()
{
    const QString copy = copyCatalog(m_catalog, m_dir.path(), QStringLiteral("split.db"));
    Catalog catalog(copy);
    const QVector<NearDuplicateGroup> groups = catalog.nearDuplicateGroups();
    QVERIFY(groups.size() >= kResizedCopies.size());
    const auto sidesOf = [&](qint64 splitId, const NearDuplicateGroup &group) {
        const QHash<qint64, bool> assigned = catalog.splitAssignments(splitId);
        QSet<bool> sides;
        for (const qint64 item : group.items)
            sides.insert(assigned.value(item));
        return sides;
    };
    // A new split: every group on one side, for several seeds (a group split at random would soon show).
    for (quint64 seed = 20; seed < 30; ++seed) {
        const DataSplit split = prepareSplit(catalog, seed, 0.4);
        QVERIFY(split.nearDuplicateGroups >= kResizedCopies.size());
        QCOMPARE(split.movedForNearDuplicates, 0);
        for (const NearDuplicateGroup &group : groups)
            QVERIFY2(sidesOf(split.splitId, group).size() == 1, qPrintable(group.paths.join(QStringLiteral(", "))));
    }

    // A split saved before with a group on both sides: the group moves to one side, and the split says how many moved.
    const NearDuplicateGroup &group = groups.front();
    const qint64 splitId = catalog.createSplit(40, 0.4);
    QVector<QPair<qint64, bool>> sides;
    for (int i = 0; i < group.items.size(); ++i)
        sides.push_back({group.items[i], i == 0});
    catalog.addSplitAssignments(splitId, sides);
    QCOMPARE(sidesOf(splitId, group).size(), 2);
    const DataSplit split = prepareSplit(catalog, 40, 0.4);
    QCOMPARE(split.splitId, splitId);
    QCOMPARE(split.movedForNearDuplicates, 1); // the one validation item joins the rest in training
    QCOMPARE(sidesOf(splitId, group), QSet<bool>{false});
    QCOMPARE(prepareSplit(catalog, 40, 0.4).movedForNearDuplicates, 0);
}

void TestNearDuplicates::hashesOnlyFillsMissingHashesAndReportsUnreadableFiles()
{
    const QString copy = copyCatalog(m_catalog, m_dir.path(), QStringLiteral("unhashed.db"));
    const QString missingPath = m_dir.filePath(QStringLiteral("gone/original.png"));
    {
        Catalog catalog(copy);
        QSqlQuery query(catalog.database());
        QVERIFY(query.exec(QStringLiteral("DELETE FROM perceptual_hashes")));
        catalog.updateItemPath(itemIdOf(catalog, m_dir.filePath(QStringLiteral("photos/")) + originalName(19)), missingPath);
    }
    NearDuplicateRequest request;
    request.catalogPath = copy;
    request.useEmbeddings = false;
    const NearDuplicateReport report = findNearDuplicates(request);
    const qint64 items = kDepartments.size() * kPerDepartment + m_copyOf.size();
    QCOMPARE(report.hashesFilled, items - 1);
    QCOMPARE(report.failures.size(), 1);
    QCOMPARE(report.failures.front().path, missingPath);
    QVERIFY2(report.failures.front().reason.contains(QStringLiteral("not found")), qPrintable(report.failures.front().reason));
    QVERIFY(report.backbone.isEmpty());
    QCOMPARE(report.embeddingPairs, qint64(0));
    for (const int i : kResizedCopies) {
        const bool grouped = std::any_of(report.groups.begin(), report.groups.end(), [&](const NearDuplicateGroup &group) {
            return group.paths.contains(m_copyOf[i]);
        });
        QVERIFY2(grouped, qPrintable(m_copyOf[i]));
    }
    Catalog catalog(copy);
    QCOMPARE(catalog.itemsWithoutPerceptualHash().size(), 1);
}

void TestNearDuplicates::commandLinePrintsGroupsAsJson()
{
    const QString copy = copyCatalog(m_catalog, m_dir.path(), QStringLiteral("cli.db"));
    QByteArray out;
    QByteArray err;
    QCOMPARE(runCli({QStringLiteral("near-duplicates"), QStringLiteral("--catalog"), copy, QStringLiteral("--model"), m_model,
                     QStringLiteral("--threads"), QStringLiteral("2"), QStringLiteral("--threshold"),
                     QString::number(kTinyBackboneThreshold), QStringLiteral("--json")},
                    &out, &err),
             0);
    const QJsonObject json = parseJsonObject(out);
    QCOMPARE(json.value(QStringLiteral("items_checked")).toInt(), kDepartments.size() * kPerDepartment + m_copyOf.size());
    QVERIFY(json.value(QStringLiteral("failures")).toArray().isEmpty());
    const QJsonArray groups = json.value(QStringLiteral("groups")).toArray();
    QVERIFY(groups.size() >= kResizedCopies.size());
    for (const int i : kResizedCopies) {
        bool found = false;
        for (const QJsonValue &value : groups) {
            const QJsonObject group = value.toObject();
            const QJsonArray paths = group.value(QStringLiteral("paths")).toArray();
            if (!paths.contains(m_copyOf[i]))
                continue;
            found = true;
            QCOMPARE(group.value(QStringLiteral("items")).toArray().size(), paths.size());
            const QJsonArray pairs = group.value(QStringLiteral("pairs")).toArray();
            QVERIFY(!pairs.isEmpty());
            const QJsonObject pair = pairs.first().toObject();
            QVERIFY(pair.value(QStringLiteral("a")).toInteger() > 0);
            QVERIFY(pair.value(QStringLiteral("cosine")).isDouble());
            QVERIFY(pair.value(QStringLiteral("hash_distance")).toInt(-1) >= 0);
        }
        QVERIFY2(found, qPrintable(m_copyOf[i]));
    }
    // Plain text names the groups' files; a missing catalog is an error naming it.
    QCOMPARE(runCli({QStringLiteral("near-duplicates"), QStringLiteral("--catalog"), copy, QStringLiteral("--hashes-only")}, &out, &err), 0);
    QVERIFY2(out.contains("groups of near-duplicates") && out.contains(m_copyOf[kResizedCopies.front()].toUtf8()), out.constData());
    const QString none = m_dir.filePath(QStringLiteral("none.db"));
    QCOMPARE(runCli({QStringLiteral("near-duplicates"), QStringLiteral("--catalog"), none}, &out, &err), 1);
    QVERIFY2(QString::fromUtf8(err).contains(none), err.constData());
}

QTEST_GUILESS_MAIN(TestNearDuplicates)
#include "tst_nearduplicates.moc"
