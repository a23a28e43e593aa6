#include "catalog/catalog.h"
#include "catalog/itemquery.h"
#include "imaging/imagedecoder.h"
#include "ingest/exporter.h"
#include "jobs/importjob.h"
#include "testcatalogs.h"
#include "testimages.h"
#include "throwawaypostgres.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

namespace {

struct ImportOutcome
{
    bool finished = false;
    QString error;
    ImportSummary summary;
};

ImportOutcome copyImport(const QString &location, const QStringList &paths)
{
    ImportRequest request;
    request.source = ImportRequest::Source::Unlabelled;
    request.paths = paths;
    request.copyIntoCatalog = true;
    ImportJob job(location, request);
    QSignalSpy failed(&job, &ImportJob::failed);
    ImportOutcome outcome;
    outcome.finished = job.exec();
    if (!failed.isEmpty())
        outcome.error = failed.first().first().toString();
    outcome.summary = job.summary();
    return outcome;
}

QString sha256Hex(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}


QString storedPath(Catalog &catalog, qint64 itemId)
{
    QSqlQuery query = catalog.run(QStringLiteral("SELECT path FROM items WHERE id = :id"), {{QStringLiteral("id"), itemId}});
    return query.next() ? query.value(0).toString() : QString();
}

bool copyFolder(const QString &from, const QString &to)
{
    return QProcess::execute(QStringLiteral("cp"), {QStringLiteral("-a"), from, to}) == 0;
}

} // namespace

// The shared image folder: import --copy writes content-addressed blobs there, items record blob:<name>, and every
// machine resolves them against its own mount. On SQLite, and on PostgreSQL as NAME_postgresql.
class TestImageStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void copyWritesContentAddressedBlobsIntoTheSharedFolder();
    void anotherMachineResolvesThroughItsOwnMount();
    void theSameFileTwiceStoresOneBlob();
    void aFolderThatCannotBeWrittenFailsNamingIt();
    void aFailedWriteLeavesNoPartialBlob();
    void aMissingBlobIsReportedWithItsNameAndFolder();
    void commandLineSetsAndShowsTheFolder();

private:
    QTemporaryDir m_dir;
};

void TestImageStore::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error;
    QVERIFY2(prepareCatalogBackend(&error), qPrintable(error));
}

void TestImageStore::copyWritesContentAddressedBlobsIntoTheSharedFolder()
{
    QTemporaryDir dir;
    const QString shared = dir.filePath(QStringLiteral("share"));
    QVERIFY(QDir().mkpath(shared));
    const QString location = newCatalogLocation(dir.path());
    {
        Catalog catalog(location, Catalog::OpenMode::CreateIfMissing);
        catalog.setImageFolderSetting(shared);
        QCOMPARE(catalog.imageFolderSetting(), shared);
    }
    const QByteArray jpeg = solidImage(QStringLiteral("jpg"), 20, 20, {200, 10, 10});
    const QByteArray png = solidImage(QStringLiteral("png"), 24, 16, {10, 200, 10});
    writeFile(dir.filePath(QStringLiteral("in/red.JPG")), jpeg);
    writeFile(dir.filePath(QStringLiteral("in/green.png")), png);
    const ImportOutcome outcome = copyImport(location, {dir.filePath(QStringLiteral("in"))});
    QVERIFY2(outcome.finished, qPrintable(outcome.error));
    QCOMPARE(outcome.summary.imported, 2);

    Catalog catalog(location);
    QStringList expected;
    for (const qint64 id : outcome.summary.itemIds) {
        const ItemRecord item = *catalog.item(id);
        QVERIFY(item.storedCopy);
        const QString suffix = item.format == QLatin1String("jpeg") ? QStringLiteral("jpg") : QStringLiteral("png");
        const QString blobName = item.contentHash + QLatin1Char('.') + suffix;
        QCOMPARE(storedPath(catalog, id), QStringLiteral("blob:") + blobName);
        QCOMPARE(item.path, shared + QLatin1Char('/') + item.contentHash.left(2) + QLatin1Char('/') + blobName);
        const QByteArray stored = readAll(item.path);
        QCOMPARE(sha256Hex(stored), item.contentHash);
        QVERIFY(stored == jpeg || stored == png);
        expected << item.contentHash.left(2) + QLatin1Char('/') + blobName;
    }
    expected.sort();
    QCOMPARE(filesUnder(shared), expected); // no temporary file or write probe left behind
    // The rows the window, the exporter and training read resolve the same way.
    const QVector<ItemRow> rows = ItemQuery(catalog, ItemFilter(), ItemOrder::OldestFirst).page(nullptr, 10);
    QCOMPARE(rows.size(), 2);
    for (const ItemRow &row : rows)
        QVERIFY2(row.path.startsWith(shared + QLatin1Char('/')) && QFile::exists(row.path), qPrintable(row.path));
}

void TestImageStore::anotherMachineResolvesThroughItsOwnMount()
{
    QTemporaryDir dir;
    const QString shared = dir.filePath(QStringLiteral("share"));
    QVERIFY(QDir().mkpath(shared));
    const QString location = newCatalogLocation(dir.path());
    Catalog(location, Catalog::OpenMode::CreateIfMissing).setImageFolderSetting(shared);
    writeDepartmentFolders(dir.filePath(QStringLiteral("folders")), {QStringLiteral("Prints"), QStringLiteral("Textiles")}, 3);
    ImportRequest request;
    request.source = ImportRequest::Source::DepartmentFolders;
    request.foldersDir = dir.filePath(QStringLiteral("folders"));
    request.copyIntoCatalog = true;
    ImportJob job(location, request);
    QVERIFY(job.exec());
    QCOMPARE(job.summary().imported, 6);

    // The second machine mounts the same share elsewhere: a copy of the folder stands in for its mount.
    const QString otherMount = dir.filePath(QStringLiteral("other-machine/mnt/share"));
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("other-machine/mnt"))));
    QVERIFY(copyFolder(shared, otherMount));
    QVERIFY(QDir(shared).removeRecursively()); // nothing may still be read from the first machine's path

    Catalog other(location);
    other.setImageFolderOverride(otherMount);
    QCOMPARE(other.imageFolder(), otherMount);
    const QVector<ItemRow> labelled = other.labelledItems(true, true);
    QCOMPARE(labelled.size(), 6);
    for (const ItemRow &item : labelled) {
        QVERIFY2(item.path.startsWith(otherMount + QLatin1Char('/')), qPrintable(item.path));
        QString error;
        const RgbImage image = decodeRgbFile(item.path, DecodeRequest(), &error);
        QVERIFY2(error.isEmpty() && image.width > 0, qPrintable(error));
        QVERIFY(other.itemPathProblem(storedPath(other, item.id)).isEmpty());
    }
    for (const ItemRecord &item : other.items(0, 100))
        QVERIFY2(item.path.startsWith(otherMount + QLatin1Char('/')), qPrintable(item.path));

    // The environment variable is the override a machine sets once for every catalog it opens.
    qputenv(Catalog::kImageFolderEnvironment, otherMount.toUtf8());
    Catalog fromEnvironment(location);
    qunsetenv(Catalog::kImageFolderEnvironment);
    QCOMPARE(fromEnvironment.imageFolder(), otherMount);
    QCOMPARE(fromEnvironment.imageFolderSetting(), shared);
    QVERIFY(fromEnvironment.item(labelled.first().id)->path.startsWith(otherMount + QLatin1Char('/')));
}

void TestImageStore::theSameFileTwiceStoresOneBlob()
{
    QTemporaryDir dir;
    const QString shared = dir.filePath(QStringLiteral("share"));
    QVERIFY(QDir().mkpath(shared));
    const QString location = newCatalogLocation(dir.path());
    Catalog(location, Catalog::OpenMode::CreateIfMissing).setImageFolderSetting(shared);
    const QByteArray bytes = solidImage(QStringLiteral("png"), 20, 20, {1, 2, 3});
    writeFile(dir.filePath(QStringLiteral("a/photo.png")), bytes);
    writeFile(dir.filePath(QStringLiteral("b/same-photo.png")), bytes);

    const ImportOutcome first = copyImport(location, {dir.filePath(QStringLiteral("a/photo.png")), dir.filePath(QStringLiteral("b/same-photo.png"))});
    QVERIFY2(first.finished, qPrintable(first.error));
    QCOMPARE(first.summary.imported, 1);
    QCOMPARE(first.summary.duplicates, 1);
    const ImportOutcome again = copyImport(location, {dir.filePath(QStringLiteral("a/photo.png"))});
    QVERIFY2(again.finished, qPrintable(again.error));
    QCOMPARE(again.summary.duplicates, 1);
    const QString hash = sha256Hex(bytes);
    QCOMPARE(filesUnder(shared), QStringList{hash.left(2) + QLatin1Char('/') + hash + QStringLiteral(".png")});

    // A blob another catalog already wrote into the same share is reused, not written again.
    const QString otherLocation = newCatalogLocation(dir.path(), QStringLiteral("other.db"));
    Catalog(otherLocation, Catalog::OpenMode::CreateIfMissing).setImageFolderSetting(shared);
    const QString blob = shared + QLatin1Char('/') + hash.left(2) + QLatin1Char('/') + hash + QStringLiteral(".png");
    const QDateTime written = QFileInfo(blob).lastModified();
    QTest::qWait(20);
    const ImportOutcome reused = copyImport(otherLocation, {dir.filePath(QStringLiteral("b/same-photo.png"))});
    QVERIFY2(reused.finished, qPrintable(reused.error));
    QCOMPARE(reused.summary.imported, 1);
    QCOMPARE(QFileInfo(blob).lastModified(), written);
    QCOMPARE(Catalog(otherLocation).item(reused.summary.itemIds[0])->path, blob);
}

void TestImageStore::aFolderThatCannotBeWrittenFailsNamingIt()
{
    QTemporaryDir dir;
    const QString location = newCatalogLocation(dir.path());
    const QString missing = dir.filePath(QStringLiteral("not-mounted"));
    {
        Catalog catalog(location, Catalog::OpenMode::CreateIfMissing);
        try {
            catalog.setImageFolderSetting(missing);
            QFAIL("a missing folder was accepted");
        } catch (const CatalogError &error) {
            QVERIFY2(QString::fromUtf8(error.what()).contains(missing), error.what());
        }
        QVERIFY(catalog.imageFolderSetting().isEmpty());
        QVERIFY(QDir().mkpath(missing));
        catalog.setImageFolderSetting(missing);
    }
    // The share goes away (unmounted) after it was set: the import fails before reading anything, naming it.
    QVERIFY(QDir(missing).removeRecursively());
    writeFile(dir.filePath(QStringLiteral("in/photo.png")), solidImage(QStringLiteral("png"), 20, 20, {9, 9, 9}));
    const ImportOutcome outcome = copyImport(location, {dir.filePath(QStringLiteral("in/photo.png"))});
    QVERIFY(!outcome.finished);
    QVERIFY2(outcome.error.contains(missing), qPrintable(outcome.error));
    QCOMPARE(Catalog(location).itemCount(), 0);
    QVERIFY(!QFileInfo::exists(missing));

    // A file where the folder should be.
    writeFile(missing, "not a folder");
    const QString problem = Catalog::imageFolderProblem(missing);
    QVERIFY2(problem.contains(missing) && problem.contains(QStringLiteral("not a folder")), qPrintable(problem));
}

void TestImageStore::aFailedWriteLeavesNoPartialBlob()
{
    QTemporaryDir dir;
    const QString shared = dir.filePath(QStringLiteral("share"));
    QVERIFY(QDir().mkpath(shared));
    const QString location = newCatalogLocation(dir.path());
    Catalog(location, Catalog::OpenMode::CreateIfMissing).setImageFolderSetting(shared);
    const QByteArray blocked = solidImage(QStringLiteral("png"), 20, 20, {50, 60, 70});
    const QByteArray fine = solidImage(QStringLiteral("png"), 20, 20, {70, 60, 50});
    const QString blockedHash = sha256Hex(blocked);
    const QString fineHash = sha256Hex(fine);
    QVERIFY(blockedHash.left(2) != fineHash.left(2));
    // The blob's two-letter folder cannot be made (a file stands there): the write fails for that file alone.
    writeFile(shared + QLatin1Char('/') + blockedHash.left(2), "in the way");
    // What a killed import leaves: a temporary file beside where the blob goes. It is never taken for the blob.
    const QString fineFolder = shared + QLatin1Char('/') + fineHash.left(2);
    writeFile(fineFolder + QLatin1Char('/') + fineHash + QStringLiteral(".png.aB3dE9"), fine.left(fine.size() / 2));
    writeFile(dir.filePath(QStringLiteral("in/blocked.png")), blocked);
    writeFile(dir.filePath(QStringLiteral("in/fine.png")), fine);

    const ImportOutcome outcome = copyImport(location, {dir.filePath(QStringLiteral("in"))});
    QVERIFY2(outcome.finished, qPrintable(outcome.error));
    QCOMPARE(outcome.summary.imported, 1);
    QCOMPARE(outcome.summary.failures.size(), 1);
    const Problem failure = outcome.summary.failures.first();
    QVERIFY(failure.path.endsWith(QStringLiteral("blocked.png")));
    QVERIFY2(failure.reason.contains(shared + QLatin1Char('/') + blockedHash.left(2)), qPrintable(failure.reason));
    for (const QString &file : filesUnder(shared))
        QVERIFY2(!file.contains(blockedHash), qPrintable(file));

    Catalog catalog(location);
    const ItemRecord item = *catalog.item(outcome.summary.itemIds[0]);
    QCOMPARE(item.path, fineFolder + QLatin1Char('/') + fineHash + QStringLiteral(".png"));
    QCOMPARE(readAll(item.path), fine);
    QCOMPARE(catalog.itemCount(), 1);
}

void TestImageStore::aMissingBlobIsReportedWithItsNameAndFolder()
{
    QTemporaryDir dir;
    const QString shared = dir.filePath(QStringLiteral("share"));
    QVERIFY(QDir().mkpath(shared));
    const QString location = newCatalogLocation(dir.path());
    Catalog(location, Catalog::OpenMode::CreateIfMissing).setImageFolderSetting(shared);
    const QByteArray bytes = solidImage(QStringLiteral("jpg"), 20, 20, {0, 0, 200});
    writeFile(dir.filePath(QStringLiteral("in/blue.jpg")), bytes);
    const ImportOutcome outcome = copyImport(location, {dir.filePath(QStringLiteral("in/blue.jpg"))});
    QVERIFY2(outcome.finished, qPrintable(outcome.error));
    const QString blobName = sha256Hex(bytes) + QStringLiteral(".jpg");

    // The other machine's copy of the share lacks the blob (not yet synchronised, or deleted there).
    const QString otherMount = dir.filePath(QStringLiteral("other"));
    QVERIFY(QDir().mkpath(otherMount));
    Catalog other(location);
    other.setImageFolderOverride(otherMount);
    const qint64 id = outcome.summary.itemIds[0];
    const QString problem = other.itemPathProblem(storedPath(other, id));
    QVERIFY2(problem.contains(blobName) && problem.contains(otherMount), qPrintable(problem));
    const QString resolved = other.item(id)->path;
    QString error;
    const RgbImage image = decodeRgbFile(resolved, DecodeRequest(), &error);
    QVERIFY(image.width == 0);
    QVERIFY2(!error.isEmpty(), "a missing blob decoded");
    QCOMPARE(other.itemPathProblem(resolved), problem);
    // Exporting department folders on that machine reports the blob and goes on.
    other.addLabel(id, *other.ensureDepartment(QStringLiteral("Prints")), LabelSource::Curator);
    const FolderExportSummary exported = exportDepartmentFolders(other, dir.filePath(QStringLiteral("export")));
    QCOMPARE(exported.failures.size(), 1);
    QVERIFY2(exported.failures.first().reason.contains(blobName) && exported.failures.first().reason.contains(otherMount),
             qPrintable(exported.failures.first().reason));
    // The first machine still reads it.
    QVERIFY(Catalog(location).itemPathProblem(storedPath(other, id)).isEmpty());

    // Importing the same file again where the blob is missing writes it back; the item keeps its blob reference.
    const QString blob = Catalog(location).item(id)->path;
    QVERIFY(QFile::remove(blob));
    QVERIFY(!Catalog(location).itemPathProblem(storedPath(other, id)).isEmpty());
    const ImportOutcome again = copyImport(location, {dir.filePath(QStringLiteral("in/blue.jpg"))});
    QVERIFY2(again.finished, qPrintable(again.error));
    QCOMPARE(again.summary.duplicates, 1);
    QCOMPARE(readAll(blob), bytes);
    QCOMPARE(storedPath(other, id), QStringLiteral("blob:") + blobName);

    // No folder at all on this machine: the problem says so and names the blob.
    Catalog cleared(location);
    cleared.setImageFolderSetting(QString());
    QVERIFY(cleared.imageFolder().isEmpty());
    const QString unset = cleared.itemPathProblem(storedPath(cleared, id));
    QVERIFY2(unset.contains(blobName) && unset.contains(QLatin1String(Catalog::kImageFolderEnvironment)), qPrintable(unset));
}

void TestImageStore::commandLineSetsAndShowsTheFolder()
{
    QTemporaryDir dir;
    const QString location = newCatalogLocation(dir.path());
    Catalog(location, Catalog::OpenMode::CreateIfMissing);
    const QString shared = dir.filePath(QStringLiteral("share"));
    QByteArray output;
    QByteArray errors;
    QCOMPARE(runCli({QStringLiteral("storage"), QStringLiteral("--catalog"), location, QStringLiteral("--image-folder"), shared},
                    &output, &errors),
             1);
    QVERIFY2(QString::fromUtf8(errors).contains(shared), errors.constData());
    QVERIFY(QDir().mkpath(shared));
    QCOMPARE(runCli({QStringLiteral("storage"), QStringLiteral("--catalog"), location, QStringLiteral("--image-folder"), shared},
                    &output, &errors),
             0);
    QCOMPARE(Catalog(location).imageFolderSetting(), shared);
    QCOMPARE(runCli({QStringLiteral("storage"), QStringLiteral("--catalog"), location, QStringLiteral("--json")}, &output, &errors), 0);
    const QJsonObject shown = parseJsonObject(output);
    QCOMPARE(shown.value(QStringLiteral("image_folder")).toString(), shared);
    QCOMPARE(shown.value(QStringLiteral("problem")).toString(), QString());
    QCOMPARE(runCli({QStringLiteral("--help")}, &output, &errors), 0);
    QVERIFY(output.contains("storage"));
}

QTEST_GUILESS_MAIN(TestImageStore)
#include "tst_imagestore.moc"
