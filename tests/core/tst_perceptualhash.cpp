#include "alteredimages.h"
#include "catalog/catalog.h"
#include "imaging/imagedecoder.h"
#include "imaging/perceptualhash.h"
#include "ingest/importer.h"
#include "testimages.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

namespace {

QByteArray photograph(int index)
{
    return shapesPhotograph(quint32(index));
}

quint64 hashOf(const QByteArray &encoded)
{
    const ImportedImage image = decodeForImport(encoded, DecodeRequest{});
    if (!image.ok() || !image.perceptualHash)
        qFatal("cannot hash a test image: %s", qPrintable(image.error));
    return *image.perceptualHash;
}

} // namespace

// The perceptual hash sees through resizing and recompression, tells unrelated photographs apart, and an import
// warns when a new photograph nearly duplicates one in the catalog.
class TestPerceptualHash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bandsOfHashesWithinThreeBitsAgree();
    void stableUnderResizeAndRecompression();
    void unrelatedPhotographsDiffer();
    void flatImageHasNoHash();
    void importWarnsOfNearDuplicates();
};

void TestPerceptualHash::bandsOfHashesWithinThreeBitsAgree()
{
    const quint64 hash = 0x0123456789abcdefull;
    QCOMPARE(hammingDistance(hash, hash ^ 0x8000000000000001ull), 2);
    for (int a = 0; a < 64; a += 5) {
        for (int b = 1; b < 64; b += 7) {
            for (int c = 2; c < 64; c += 11) {
                const quint64 other = hash ^ (quint64(1) << a) ^ (quint64(1) << b) ^ (quint64(1) << c);
                const auto x = perceptualHashBands(hash);
                const auto y = perceptualHashBands(other);
                QVERIFY(x[0] == y[0] || x[1] == y[1] || x[2] == y[2] || x[3] == y[3]);
            }
        }
    }
}

void TestPerceptualHash::stableUnderResizeAndRecompression()
{
    for (int i = 0; i < 8; ++i) {
        const QByteArray original = photograph(i);
        const quint64 hash = hashOf(original);
        const int resized = hammingDistance(hash, hashOf(alteredCopy(original, {0.6, 1.0, 0.0, 90})));
        const int recompressed = hammingDistance(hash, hashOf(alteredCopy(original, {1.0, 1.0, 0.0, 40})));
        const int both = hammingDistance(hash, hashOf(alteredCopy(original, {0.6, 1.0, 0.0, 40})));
        QVERIFY2(resized <= kNearDuplicateHashDistance && recompressed <= kNearDuplicateHashDistance
                     && both <= kNearDuplicateHashDistance,
                 qPrintable(QStringLiteral("photograph %1: %2, %3, %4 bits").arg(i).arg(resized).arg(recompressed).arg(both)));
    }
}

void TestPerceptualHash::unrelatedPhotographsDiffer()
{
    QVector<quint64> hashes;
    for (int i = 0; i < 12; ++i)
        hashes.push_back(hashOf(photograph(i)));
    for (int i = 0; i < hashes.size(); ++i) {
        for (int j = i + 1; j < hashes.size(); ++j)
            QVERIFY2(hammingDistance(hashes[i], hashes[j]) > kNearDuplicateHashDistance,
                     qPrintable(QStringLiteral("%1 and %2: %3 bits").arg(i).arg(j).arg(hammingDistance(hashes[i], hashes[j]))));
    }
}

void TestPerceptualHash::flatImageHasNoHash()
{
    const ImportedImage image = decodeForImport(solidImage(QStringLiteral("png"), 64, 64, {90, 90, 90}), DecodeRequest{});
    QVERIFY(image.ok());
    QVERIFY(!image.perceptualHash);
}

void TestPerceptualHash::importWarnsOfNearDuplicates()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString catalogPath = dir.filePath(QStringLiteral("catalog.sqlite"));
    QDir().mkpath(dir.filePath(QStringLiteral("first")));
    QDir().mkpath(dir.filePath(QStringLiteral("second")));
    QStringList originals;
    for (int i = 0; i < 5; ++i) {
        originals << dir.filePath(QStringLiteral("first/%1.png").arg(i));
        writeFile(originals.back(), photograph(i));
    }
    ImportRequest request;
    request.paths = {dir.filePath(QStringLiteral("first"))};
    ImportSummary summary;
    importIntoCatalog(catalogPath, request, summary);
    QCOMPARE(summary.imported, qint64(5));
    QCOMPARE(summary.nearDuplicates, qint64(0));

    // A resized, recompressed copy of photograph 2, an exact copy of photograph 3, and a new photograph.
    const QString altered = dir.filePath(QStringLiteral("second/altered.jpg"));
    writeFile(altered, alteredCopy(photograph(2), {0.6, 1.0, 0.0, 40}));
    const QString exact = dir.filePath(QStringLiteral("second/exact.png"));
    QFile::copy(originals[3], exact);
    writeFile(dir.filePath(QStringLiteral("second/new.png")), photograph(9));
    request.paths = {dir.filePath(QStringLiteral("second"))};
    importIntoCatalog(catalogPath, request, summary);
    QCOMPARE(summary.imported, qint64(2));
    QCOMPARE(summary.duplicates, qint64(1)); // the exact copy keeps its handling: a duplicate, no warning
    QCOMPARE(summary.nearDuplicates, qint64(1));
    QCOMPARE(summary.warnings.size(), 1);
    QVERIFY2(summary.warnings.front().contains(altered) && summary.warnings.front().contains(originals[2]),
             qPrintable(summary.warnings.front()));

    Catalog catalog(catalogPath);
    const QVector<ImportRunRecord> runs = catalog.importRuns();
    QCOMPARE(runs.size(), 2);
    QCOMPARE(runs.back().warnings, summary.warnings);
    QCOMPARE(catalog.perceptualHashes().size(), 7);
    QVERIFY(catalog.itemsWithoutPerceptualHash().isEmpty());
    const qint64 alteredId = summary.itemIds.front();
    const quint64 alteredHash = catalog.perceptualHashes().value(alteredId);
    const QVector<QPair<qint64, int>> near = catalog.itemsNearPerceptualHash(alteredHash, kNearDuplicateHashDistance, alteredId);
    QCOMPARE(near.size(), 1);
    QCOMPARE(catalog.item(near.front().first)->path, originals[2]);
}

QTEST_GUILESS_MAIN(TestPerceptualHash)
#include "tst_perceptualhash.moc"
