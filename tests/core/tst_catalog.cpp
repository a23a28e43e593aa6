#include "catalog/catalog.h"
#include "catalog/migrations.h"
#include "catalog/sessionpasswords.h"
#include "catalog/transactionguard.h"

#include "testcatalogs.h"
#include "throwawaypostgres.h"

#include <QDir>
#include <QFile>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <array>
#include <atomic>
#include <functional>
#include <thread>

using namespace accession;

namespace {

NewItem makeItem(const QString &hash, const QString &path = QStringLiteral("/images/a.jpg"))
{
    NewItem item;
    item.contentHash = hash;
    item.path = path;
    item.width = 640;
    item.height = 480;
    item.format = QStringLiteral("jpeg");
    item.fileSize = 1234;
    item.metadata = QJsonObject{{QStringLiteral("title"), QStringLiteral("Armour")}};
    return item;
}

QString hashFor(int n)
{
    return QStringLiteral("%1").arg(n, 64, 16, QLatin1Char('0'));
}

} // namespace

class TestCatalog : public QObject
{
    Q_OBJECT

// Runs on SQLite, and again on a throwaway PostgreSQL cluster as tst_catalog_postgresql
// (ACCESSION_TEST_CATALOG_BACKEND=postgresql); the cases about SQLite's file, journal or locks stay on a file.
private Q_SLOTS:
    void initTestCase();
    void createsSchemaAtCurrentVersion();
    void refusesMissingCatalogWhenNotCreating();
    void refusesCatalogFromNewerVersion();
    void migratesOlderCatalogInOneStep();
    void usesWalAndForeignKeys();
    void departmentsAreOrderedRenameableAndGrouped();
    void fixedDepartmentListRefusesUnknownNames();
    void itemsAreUniqueByContentHash();
    void labelHistoryKeepsEveryLabelAndTracksTheCurrentOne();
    void statsCountLabelledItemsPerDepartment();
    void uncommittedTransactionLeavesNothing();
    void readerSeesCommittedBatchesWhileWriterWrites();
    void fullDiskFailsCleanlyAndKeepsEarlierData();
    void readThenWriteTransactionIsNotBrokenByAnotherWriter();
    void busyTimeoutIsSettable();
    void nestedGuardsAreSavepoints();
    void refusesOverlongOrControlCharacterDepartmentNames();
    void marksRunsOfDeadProcessesInterrupted();
    void twoClientsOpeningAFreshCatalogAtOnceMigrateItOnce();
    void aDepartmentAnotherClientIsAddingIsSharedNotDuplicated();
    void mergesDepartmentsAndUndoesTheMerge();
    void keepsHashesGroupsSplitsAndCollectionRecords();
    void parsesCatalogLocations();
    void refusesPostgresUrlsItCannotUse();
    void unreachableServerFailsNamingTheUrl();
    void sessionPasswordsFollowTheNormalisedUrl();

private:
    QString newLocation(const QTemporaryDir &dir) const { return test::newCatalogLocation(dir.path(), QStringLiteral("c.db")); }
};

void TestCatalog::initTestCase()
{
    QString error;
    QVERIFY2(test::prepareCatalogBackend(&error), qPrintable(error));
}

void TestCatalog::createsSchemaAtCurrentVersion()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    QCOMPARE(catalog.schemaVersion(), Catalog::kSchemaVersion);
    QCOMPARE(catalog.itemCount(), 0);
    QVERIFY(catalog.departments().isEmpty());
}

// SQLite only here (a file that is not there): a PostgreSQL database is made by its administrator.
void TestCatalog::refusesMissingCatalogWhenNotCreating()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("absent.db"));
    try {
        Catalog catalog(path);
        QFAIL("opened a catalog that does not exist");
    } catch (const CatalogError &error) {
        QVERIFY2(QString::fromUtf8(error.what()).contains(path), error.what());
    }
    QVERIFY(!QFile::exists(path));
}

void TestCatalog::refusesCatalogFromNewerVersion()
{
    QTemporaryDir dir;
    const QString path = newLocation(dir);
    {
        Catalog catalog(path, Catalog::OpenMode::CreateIfMissing);
        catalog.setSetting(QStringLiteral("schema_version"), QString::number(Catalog::kSchemaVersion + 5));
    }
    try {
        Catalog catalog(path);
        QFAIL("opened a catalog from a newer version");
    } catch (const CatalogError &error) {
        const QString message = QString::fromUtf8(error.what());
        QVERIFY2(message.contains(QStringLiteral("newer version")), error.what());
        QVERIFY2(message.contains(path), error.what());
    }
}

// SQLite only: the version-0 file is written through SQLite itself.
void TestCatalog::migratesOlderCatalogInOneStep()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("old.db"));
    {
        // A version-0 file: only the settings table, as an interrupted first start would leave it.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")));
        QVERIFY(query.exec(QStringLiteral("INSERT INTO settings VALUES ('owner', 'registrar')")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("raw"));
    Catalog catalog(path);
    QCOMPARE(catalog.schemaVersion(), Catalog::kSchemaVersion);
    QCOMPARE(catalog.setting(QStringLiteral("owner")), QStringLiteral("registrar"));
    QVERIFY(catalog.itemCount() == 0);
}

void TestCatalog::usesWalAndForeignKeys()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    if (catalog.dialect() == SqlDialect::SQLite) { // PostgreSQL has no journal mode to choose
        QSqlQuery mode = catalog.run(QStringLiteral("PRAGMA journal_mode"));
        QVERIFY(mode.next());
        QCOMPARE(mode.value(0).toString(), QStringLiteral("wal"));
    }
    // A label for an item that does not exist violates a foreign key.
    const qint64 department = catalog.addDepartment(QStringLiteral("Asian Art"));
    QVERIFY_THROWS_EXCEPTION(CatalogError, catalog.addLabel(999, department, LabelSource::Imported));
}

void TestCatalog::departmentsAreOrderedRenameableAndGrouped()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    const qint64 arms = catalog.addDepartment(QStringLiteral("Arms and Armor"));
    const qint64 asian = catalog.addDepartment(QStringLiteral("Asian Art"));
    const qint64 american = catalog.addDepartment(QStringLiteral("American Decorative Arts"));
    QCOMPARE(catalog.departments().size(), 3);
    QCOMPARE(catalog.departments()[0].name, QStringLiteral("Arms and Armor"));

    catalog.moveDepartment(american, 0);
    QCOMPARE(catalog.departments()[0].id, american);
    QCOMPARE(catalog.departments()[1].id, arms);
    QCOMPARE(catalog.departments()[2].id, asian);

    // The MET renamed this department; old CSVs must still find it.
    catalog.renameDepartment(american, QStringLiteral("The American Wing"));
    QCOMPARE(catalog.department(american)->name, QStringLiteral("The American Wing"));
    QCOMPARE(catalog.departmentIdByName(QStringLiteral("American Decorative Arts")), std::optional<qint64>(american));
    QVERIFY_THROWS_EXCEPTION(CatalogError, catalog.renameDepartment(arms, QStringLiteral("Asian Art")));
    QVERIFY_THROWS_EXCEPTION(CatalogError, catalog.addDepartment(QStringLiteral("Asian Art")));

    const qint64 decorative = catalog.addDepartmentGroup(QStringLiteral("Decorative arts"));
    catalog.setDepartmentGroup(american, decorative);
    catalog.setDepartmentGroup(arms, decorative);
    QCOMPARE(catalog.department(arms)->groupName, QStringLiteral("Decorative arts"));
    QCOMPARE(catalog.addDepartmentGroup(QStringLiteral("Decorative arts")), decorative);
    catalog.setDepartmentGroup(arms, 0);
    QCOMPARE(catalog.department(arms)->groupId, 0);
}

void TestCatalog::fixedDepartmentListRefusesUnknownNames()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    const qint64 asian = catalog.addDepartment(QStringLiteral("Asian Art"));
    catalog.setDepartmentsFixed(true);
    QVERIFY(catalog.departmentsFixed());
    QCOMPARE(catalog.ensureDepartment(QStringLiteral("Asian Art")), std::optional<qint64>(asian));
    QCOMPARE(catalog.ensureDepartment(QStringLiteral("Egyptian Art")), std::nullopt);
    catalog.setDepartmentsFixed(false);
    QVERIFY(catalog.ensureDepartment(QStringLiteral("Egyptian Art")).has_value());
    QCOMPARE(catalog.departments().size(), 2);
}

void TestCatalog::itemsAreUniqueByContentHash()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    NewItem item = makeItem(hashFor(1));
    item.externalId = QStringLiteral("436535");
    item.thumbnailJpeg = QByteArray("jpeg-bytes");
    const qint64 id = catalog.insertItem(item);
    QVERIFY_THROWS_EXCEPTION(CatalogError, catalog.insertItem(makeItem(hashFor(1), QStringLiteral("/elsewhere.jpg"))));
    QCOMPARE(catalog.itemCount(), 1);
    QCOMPARE(catalog.itemIdByHash(hashFor(1)), std::optional<qint64>(id));
    const auto stored = catalog.item(id);
    QVERIFY(stored);
    QCOMPARE(stored->externalId, QStringLiteral("436535"));
    QCOMPARE(stored->width, 640);
    QCOMPARE(stored->metadata.value(QStringLiteral("title")).toString(), QStringLiteral("Armour"));
    QVERIFY(stored->importedAt.isValid());
    QCOMPARE(catalog.thumbnailJpeg(id), QByteArray("jpeg-bytes"));
    catalog.updateItemPath(id, QStringLiteral("/moved/a.jpg"));
    QCOMPARE(catalog.item(id)->path, QStringLiteral("/moved/a.jpg"));
}

void TestCatalog::labelHistoryKeepsEveryLabelAndTracksTheCurrentOne()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    const qint64 asian = catalog.addDepartment(QStringLiteral("Asian Art"));
    const qint64 arms = catalog.addDepartment(QStringLiteral("Arms and Armor"));
    const qint64 item = catalog.insertItem(makeItem(hashFor(7)));
    QCOMPARE(catalog.item(item)->labelId, 0);

    catalog.addLabel(item, asian, LabelSource::Imported);
    const qint64 correction = catalog.addLabel(item, arms, LabelSource::Curator);
    QCOMPARE(catalog.item(item)->department, QStringLiteral("Arms and Armor"));
    QCOMPARE(catalog.item(item)->labelSource, std::optional<LabelSource>(LabelSource::Curator));

    catalog.retractLabel(correction);
    QCOMPARE(catalog.item(item)->department, QStringLiteral("Asian Art"));
    const QVector<LabelRecord> history = catalog.labelHistory(item);
    QCOMPARE(history.size(), 2);
    QVERIFY(!history[0].retractedAt);
    QVERIFY(history[1].retractedAt.has_value());
    QCOMPARE(history[1].source, LabelSource::Curator);
}

void TestCatalog::statsCountLabelledItemsPerDepartment()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    const qint64 asian = catalog.addDepartment(QStringLiteral("Asian Art"));
    catalog.addDepartment(QStringLiteral("Egyptian Art"));
    const qint64 arms = catalog.addDepartment(QStringLiteral("Arms and Armor"));
    for (int i = 0; i < 5; ++i) {
        const qint64 id = catalog.insertItem(makeItem(hashFor(100 + i)));
        if (i < 3)
            catalog.addLabel(id, asian, LabelSource::Imported);
        else if (i == 3)
            catalog.addLabel(id, arms, LabelSource::Curator);
    }
    const CatalogStats stats = catalog.stats();
    QCOMPARE(stats.items, 5);
    QCOMPARE(stats.labelled, 4);
    QCOMPARE(stats.unlabelled, 1);
    QCOMPARE(stats.byDepartment.size(), 3);
    QCOMPARE(stats.byDepartment[0].department, QStringLiteral("Asian Art"));
    QCOMPARE(stats.byDepartment[0].count, 3);
    QCOMPARE(stats.byDepartment[1].count, 0);
    QCOMPARE(stats.byDepartment[2].count, 1);
}

void TestCatalog::uncommittedTransactionLeavesNothing()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    catalog.insertItem(makeItem(hashFor(1)));
    {
        TransactionGuard transaction(catalog.database());
        catalog.insertItem(makeItem(hashFor(2)));
        catalog.insertItem(makeItem(hashFor(3)));
        // No commit: an exception or a cancel unwinds through here.
    }
    QCOMPARE(catalog.itemCount(), 1);
    {
        TransactionGuard transaction(catalog.database());
        catalog.insertItem(makeItem(hashFor(4)));
        transaction.commit();
    }
    QCOMPARE(catalog.itemCount(), 2);
}

void TestCatalog::readerSeesCommittedBatchesWhileWriterWrites()
{
    QTemporaryDir dir;
    const QString path = newLocation(dir);
    { Catalog create(path, Catalog::OpenMode::CreateIfMissing); }

    constexpr int kBatches = 40;
    constexpr int kBatchSize = 50;
    std::atomic_bool writerDone{false};
    QString writerError;
    std::thread writer([&] {
        try {
            Catalog catalog(path);
            for (int batch = 0; batch < kBatches; ++batch) {
                TransactionGuard transaction(catalog.database());
                for (int i = 0; i < kBatchSize; ++i)
                    catalog.insertItem(makeItem(hashFor(batch * kBatchSize + i + 1)));
                transaction.commit();
            }
        } catch (const std::exception &error) {
            writerError = QString::fromUtf8(error.what());
        }
        writerDone = true;
    });

    Catalog reader(path);
    qint64 last = 0;
    int reads = 0;
    while (!writerDone) {
        const qint64 count = reader.itemCount();
        QVERIFY2(count >= last, "the reader saw the catalog shrink");
        QVERIFY2(count % kBatchSize == 0, "the reader saw half a batch");
        last = count;
        ++reads;
    }
    writer.join();
    QVERIFY2(writerError.isEmpty(), qPrintable(writerError));
    QVERIFY(reads > 1);
    QCOMPARE(reader.itemCount(), kBatches * kBatchSize);
}

// SQLite only: max_page_count stands in for a full disk.
void TestCatalog::fullDiskFailsCleanlyAndKeepsEarlierData()
{
    QTemporaryDir dir;
    Catalog catalog(dir.filePath(QStringLiteral("c.db")), Catalog::OpenMode::CreateIfMissing);
    catalog.insertItem(makeItem(hashFor(1)));
    QSqlQuery pages = catalog.run(QStringLiteral("PRAGMA page_count"));
    QVERIFY(pages.next());
    // SQLite reports a database that cannot grow exactly as it reports a full disk.
    catalog.run(QStringLiteral("PRAGMA max_page_count = %1").arg(pages.value(0).toLongLong() + 2));
    bool failed = false;
    try {
        TransactionGuard transaction(catalog.database());
        for (int i = 0; i < 500; ++i) {
            NewItem item = makeItem(hashFor(1000 + i));
            item.thumbnailJpeg = QByteArray(8000, 'x');
            catalog.insertItem(item);
        }
        transaction.commit();
    } catch (const CatalogError &error) {
        failed = true;
        QVERIFY2(QString::fromUtf8(error.what()).contains(QStringLiteral("full")), error.what());
    }
    QVERIFY(failed);
    QCOMPARE(catalog.itemCount(), 1);
}

// SQLite only: its write lock covers the whole file; PostgreSQL locks the rows a writer touches, so another
// writer adding another item does not wait there.
void TestCatalog::readThenWriteTransactionIsNotBrokenByAnotherWriter()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("c.db"));
    Catalog importer(path, Catalog::OpenMode::CreateIfMissing);
    // The other writer does not wait, so that what it meets shows at once.
    qputenv("ACCESSION_CATALOG_BUSY_TIMEOUT", "0");
    Catalog other(path);
    qunsetenv("ACCESSION_CATALOG_BUSY_TIMEOUT");

    // An import batch reads (is this hash known?) and then writes. If another process could write between
    // the read and the write, SQLite would refuse the write at once with "database is locked".
    TransactionGuard batch(importer.database());
    QVERIFY(!importer.itemIdByHash(hashFor(1)));
    bool otherWrote = true;
    try {
        other.insertItem(makeItem(hashFor(2)));
    } catch (const CatalogError &error) {
        otherWrote = false; // it had to wait for the batch
        QVERIFY2(QString::fromUtf8(error.what()).contains(QStringLiteral("locked")), error.what());
    }
    QVERIFY(!otherWrote);
    importer.insertItem(makeItem(hashFor(1)));
    batch.commit();
    QCOMPARE(importer.itemCount(), 1);
    other.insertItem(makeItem(hashFor(2))); // and writes once the batch is in
    QCOMPARE(importer.itemCount(), 2);
}

void TestCatalog::busyTimeoutIsSettable()
{
    QCOMPARE(Catalog::busyTimeoutSeconds(), Catalog::kDefaultBusyTimeoutSeconds);
    qputenv("ACCESSION_CATALOG_BUSY_TIMEOUT", "5");
    QCOMPARE(Catalog::busyTimeoutSeconds(), 5);
    qputenv("ACCESSION_CATALOG_BUSY_TIMEOUT", "soon");
    QCOMPARE(Catalog::busyTimeoutSeconds(), Catalog::kDefaultBusyTimeoutSeconds);
    qunsetenv("ACCESSION_CATALOG_BUSY_TIMEOUT");
}

void TestCatalog::nestedGuardsAreSavepoints()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    {
        TransactionGuard outer(catalog.database());
        catalog.insertItem(makeItem(hashFor(1)));
        // Catalog methods that write in their own guard work inside a caller's batch.
        const auto department = catalog.ensureDepartment(QStringLiteral("Asian Art"));
        QVERIFY(department);
        catalog.renameDepartment(*department, QStringLiteral("Art of Asia"));
        {
            TransactionGuard inner(catalog.database());
            catalog.insertItem(makeItem(hashFor(2)));
            // Not committed: only the inner part is undone.
        }
        outer.commit();
    }
    QCOMPARE(catalog.itemCount(), 1);
    QVERIFY(catalog.departmentIdByName(QStringLiteral("Art of Asia")));
    {
        TransactionGuard outer(catalog.database());
        {
            TransactionGuard inner(catalog.database());
            catalog.insertItem(makeItem(hashFor(3)));
            inner.commit();
        }
        // The outer one decides: not committed, so nothing of either stays.
    }
    QCOMPARE(catalog.itemCount(), 1);
    // The guards are closed: a new outermost transaction begins and commits.
    TransactionGuard again(catalog.database());
    catalog.insertItem(makeItem(hashFor(4)));
    again.commit();
    QCOMPARE(catalog.itemCount(), 2);
}

void TestCatalog::refusesOverlongOrControlCharacterDepartmentNames()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    const QString huge(100 * 1024, QLatin1Char('x'));
    const auto refuses = [](const std::function<void()> &action, const QString &reasonPart) {
        try {
            action();
        } catch (const CatalogError &error) {
            const QString message = QString::fromUtf8(error.what());
            if (!message.contains(reasonPart))
                qWarning("unexpected reason: %s", error.what());
            return message.contains(reasonPart) && message.size() < 400; // one short line, not the name
        }
        return false;
    };
    QVERIFY(refuses([&] { catalog.addDepartment(huge); }, QStringLiteral("too long")));
    QVERIFY(refuses([&] { catalog.ensureDepartment(huge); }, QStringLiteral("too long")));
    QVERIFY(refuses([&] { catalog.addDepartment(QStringLiteral("Asian\nArt")); }, QStringLiteral("control character")));
    QVERIFY(refuses([&] { catalog.addDepartment(QStringLiteral("Asian\u0007Art")); }, QStringLiteral("U+0007")));
    QVERIFY(refuses([&] { catalog.addDepartmentGroup(huge); }, QStringLiteral("too long")));
    const qint64 asian = catalog.addDepartment(QStringLiteral("Asian Art"));
    QVERIFY(refuses([&] { catalog.renameDepartment(asian, huge); }, QStringLiteral("too long")));
    QVERIFY(catalog.departments().size() == 1);
    QCOMPARE(catalog.departments().first().name, QStringLiteral("Asian Art"));

    // The limit counts characters, not UTF-16 units, and can be changed.
    const QString exactly(Catalog::kMaxDepartmentNameLength, QChar(0x00E9));
    QVERIFY(Catalog::departmentNameProblem(exactly).isEmpty());
    QVERIFY(!Catalog::departmentNameProblem(exactly + QLatin1Char('x')).isEmpty());
    const QString emoji = QString::fromUcs4(U"\U0001F3FA").repeated(Catalog::kMaxDepartmentNameLength);
    QVERIFY(Catalog::departmentNameProblem(emoji).isEmpty());
    catalog.setMaxDepartmentNameLength(300);
    QVERIFY(catalog.addDepartment(QString(250, QLatin1Char('y'))) > 0);
}

void TestCatalog::marksRunsOfDeadProcessesInterrupted()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    const qint64 ours = catalog.beginImportRun(QStringLiteral("this process"));
    const qint64 killed = catalog.beginImportRun(QStringLiteral("a killed process"));
    const qint64 elsewhere = catalog.beginImportRun(QStringLiteral("another machine"));
    const qint64 done = catalog.beginImportRun(QStringLiteral("a finished one"));
    catalog.finishImportRun(done, QStringLiteral("finished"), 1, 0, 0);

    // A process that has ended: its pid is free.
    const qint64 deadPid = test::pidOfAnEndedProcess();
    catalog.run(QStringLiteral("UPDATE import_runs SET pid = :pid WHERE id = :id"),
                {{QStringLiteral("pid"), deadPid}, {QStringLiteral("id"), killed}});
    catalog.run(QStringLiteral("UPDATE import_runs SET pid = :pid, host = 'elsewhere.example' WHERE id = :id"),
                {{QStringLiteral("pid"), deadPid}, {QStringLiteral("id"), elsewhere}});

    QCOMPARE(catalog.markInterruptedImportRuns(), 1);
    QCOMPARE(catalog.markInterruptedImportRuns(), 0);
    QHash<qint64, QString> status;
    for (const ImportRunRecord &run : catalog.importRuns())
        status.insert(run.id, run.status);
    QCOMPARE(status.value(ours), QStringLiteral("running"));
    QCOMPARE(status.value(killed), QStringLiteral("interrupted"));
    QCOMPARE(status.value(elsewhere), QStringLiteral("running")); // cannot be told from here
    QCOMPARE(status.value(done), QStringLiteral("finished"));
    const CatalogStats stats = catalog.stats();
    QVERIFY(stats.importRunsByStatus.contains(qMakePair(QStringLiteral("interrupted"), qint64(1))));
    QVERIFY(stats.importRunsByStatus.contains(qMakePair(QStringLiteral("running"), qint64(2))));

    // A pid given to another process since (here: this one) is told apart by the process's start.
    catalog.run(QStringLiteral("UPDATE import_runs SET process_identity = 'another-boot:1' WHERE id = :id"),
                {{QStringLiteral("id"), ours}});
    QCOMPARE(catalog.markInterruptedImportRuns(), QFile::exists(QStringLiteral("/proc/self/stat")) ? 1 : 0);
}

// Two clients starting at once on a new catalog: one migrates, the other waits (PostgreSQL's advisory lock, SQLite's
// write lock) and finds the work done; neither fails and the schema is whole.
void TestCatalog::twoClientsOpeningAFreshCatalogAtOnceMigrateItOnce()
{
    QTemporaryDir dir;
    const QString location = newLocation(dir);
    QSet<QString> migrationSteps;
    for (const Migration &migration : catalogMigrations())
        migrationSteps.insert(QString::fromLatin1(migration.description));
    constexpr int kClients = 2;
    std::atomic_int ready{0};
    std::array<QString, kClients> errors;
    std::array<int, kClients> stepsRun{};
    std::array<int, kClients> versions{};
    std::vector<std::thread> clients;
    for (int client = 0; client < kClients; ++client) {
        clients.emplace_back([&, client] {
            ++ready;
            while (ready < kClients) // both open at the same moment
                std::this_thread::yield();
            try {
                Catalog catalog(location, Catalog::OpenMode::CreateIfMissing, [&](int, int, const QString &step) {
                    stepsRun[size_t(client)] += migrationSteps.contains(step) ? 1 : 0;
                });
                versions[size_t(client)] = catalog.schemaVersion();
            } catch (const std::exception &error) {
                errors[size_t(client)] = QString::fromUtf8(error.what());
            }
        });
    }
    for (std::thread &client : clients)
        client.join();
    for (int client = 0; client < kClients; ++client) {
        QVERIFY2(errors[size_t(client)].isEmpty(), qPrintable(errors[size_t(client)]));
        QCOMPARE(versions[size_t(client)], Catalog::kSchemaVersion);
    }
    QCOMPARE(stepsRun[0] + stepsRun[1], int(catalogMigrations().size())); // every step once, by one of them
    QVERIFY(stepsRun[0] == 0 || stepsRun[1] == 0);
    Catalog after(location);
    QVERIFY(after.missingIndexes().isEmpty());
    const qint64 department = after.addDepartment(QStringLiteral("Arms and Armor"));
    const qint64 item = after.insertItem(makeItem(hashFor(1)));
    after.addLabel(item, department, LabelSource::Imported);
    QCOMPARE(after.stats().labelled, 1);
}

// Client A adds a department and a group inside a transaction it has not committed; client B, which cannot see
// them yet, asks for the same names and waits on A's lock (SQLite's write lock, PostgreSQL's unique index). When A
// commits, B gets A's rows: a second client never fails on the unique name nor makes a duplicate.
void TestCatalog::aDepartmentAnotherClientIsAddingIsSharedNotDuplicated()
{
    QTemporaryDir dir;
    const QString location = newLocation(dir);
    Catalog clientA(location, Catalog::OpenMode::CreateIfMissing);
    clientA.addDepartment(QStringLiteral("Prints")); // the list is not empty: positions are computed

    std::optional<qint64> departmentOfB, groupOfB;
    QString errorOfB, refusalOfB;
    std::atomic_bool opened{false}, go{false};
    std::thread clientB([&] { // a connection belongs to the thread that opens it
        try {
            Catalog catalog(location);
            opened = true;
            while (!go)
                std::this_thread::yield();
            departmentOfB = catalog.ensureDepartment(QStringLiteral("Arms and Armor"));
            groupOfB = catalog.addDepartmentGroup(QStringLiteral("Decorative Arts"));
            catalog.addDepartment(QStringLiteral("Arms and Armor"));
        } catch (const CatalogError &error) {
            (departmentOfB && groupOfB ? refusalOfB : errorOfB) = QString::fromUtf8(error.what());
        }
        opened = true;
    });
    while (!opened)
        std::this_thread::yield();
    qint64 departmentOfA = 0, groupOfA = 0;
    {
        TransactionGuard transaction(clientA.database());
        departmentOfA = *clientA.ensureDepartment(QStringLiteral("Arms and Armor"));
        groupOfA = clientA.addDepartmentGroup(QStringLiteral("Decorative Arts"));
        go = true;
        QTest::qSleep(300); // B has looked, found nothing, and waits on A
        transaction.commit();
    }
    clientB.join();
    QVERIFY2(errorOfB.isEmpty(), qPrintable(errorOfB));
    QCOMPARE(departmentOfB, std::optional<qint64>(departmentOfA));
    QCOMPARE(groupOfB, std::optional<qint64>(groupOfA));
    QCOMPARE(refusalOfB, QStringLiteral("department 'Arms and Armor' already exists"));
    QCOMPARE(clientA.departments().size(), 2);
    QCOMPARE(clientA.departments().last().position, 1);
}

void TestCatalog::mergesDepartmentsAndUndoesTheMerge()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    const qint64 prints = catalog.addDepartment(QStringLiteral("Prints"));
    const qint64 drawings = catalog.addDepartment(QStringLiteral("Drawings"));
    const qint64 item = catalog.insertItem(makeItem(hashFor(1)));
    catalog.addLabel(item, prints, LabelSource::Imported);
    catalog.renameDepartment(prints, QStringLiteral("Prints and Multiples")); // "Prints" becomes an alias

    const qint64 merge = catalog.mergeDepartments(prints, drawings);
    QCOMPARE(catalog.departments().size(), 1);
    QCOMPARE(catalog.item(item)->departmentId, drawings);
    QCOMPARE(catalog.departmentIdByName(QStringLiteral("Prints")), std::optional<qint64>(drawings));
    QCOMPARE(catalog.departmentIdByName(QStringLiteral("Prints and Multiples")), std::optional<qint64>(drawings));
    QCOMPARE(catalog.undoableDepartmentMerges().size(), 1);

    catalog.undoDepartmentMerge(merge);
    QCOMPARE(catalog.departments().size(), 2);
    QCOMPARE(catalog.item(item)->departmentId, prints);
    QCOMPARE(catalog.item(item)->department, QStringLiteral("Prints and Multiples"));
    QCOMPARE(catalog.departmentIdByName(QStringLiteral("Prints")), std::optional<qint64>(prints));
    QVERIFY(catalog.undoableDepartmentMerges().isEmpty());
    // The department came back under its old id; a new one still gets an id of its own.
    const qint64 paintings = catalog.addDepartment(QStringLiteral("Paintings"));
    QVERIFY(paintings != prints && paintings != drawings);
}

void TestCatalog::keepsHashesGroupsSplitsAndCollectionRecords()
{
    QTemporaryDir dir;
    Catalog catalog(newLocation(dir), Catalog::OpenMode::CreateIfMissing);
    NewItem withThumbnail = makeItem(hashFor(1), QStringLiteral("/images/one.jpg"));
    withThumbnail.thumbnailJpeg = QByteArray("\xff\xd8\x00jpeg\x00\xff\xd9", 10); // bytes, zeros included
    withThumbnail.thumbnailWidth = 4;
    withThumbnail.thumbnailHeight = 3;
    const qint64 one = catalog.insertItem(withThumbnail);
    const qint64 two = catalog.insertItem(makeItem(hashFor(2), QStringLiteral("/images/two.jpg")));
    const qint64 three = catalog.insertItem(makeItem(hashFor(3), QStringLiteral("/images/three.jpg")));
    QCOMPARE(catalog.thumbnailJpeg(one), withThumbnail.thumbnailJpeg);

    // Hashes use all 64 bits (the top one set reads as a negative number in the database); writing again replaces.
    const quint64 hash = 0xF0E1D2C3B4A59687ULL;
    catalog.setPerceptualHash(one, 0x1ULL);
    catalog.setPerceptualHash(one, hash);
    catalog.setPerceptualHash(two, hash ^ 0x3ULL);
    const QHash<qint64, quint64> hashes = catalog.perceptualHashes();
    QCOMPARE(hashes.size(), 2);
    QCOMPARE(hashes.value(one), hash);
    const QVector<QPair<qint64, int>> near = catalog.itemsNearPerceptualHash(hash, 3, one);
    QCOMPARE(near, (QVector<QPair<qint64, int>>{{two, 2}}));
    QCOMPARE(catalog.itemsWithoutPerceptualHash(), (QVector<QPair<qint64, QString>>{{three, QStringLiteral("/images/three.jpg")}}));

    NearDuplicateGroup group;
    group.items = {one, two};
    group.pairs = {NearDuplicatePair{one, two, 0.98, 2}};
    catalog.replaceNearDuplicateGroups({group, group}); // the same members twice: each kept once per group
    catalog.replaceNearDuplicateGroups({group}); // a check replaces what the last one found
    QCOMPARE(catalog.nearDuplicateGroups().size(), 1);
    const auto found = catalog.nearDuplicateGroupOfItem(two);
    QVERIFY(found);
    QCOMPARE(found->items, (QVector<qint64>{one, two}));
    QCOMPARE(found->paths, (QStringList{QStringLiteral("/images/one.jpg"), QStringLiteral("/images/two.jpg")}));
    QCOMPARE(found->pairs.size(), 1);
    QCOMPARE(found->pairs[0].cosine, 0.98);
    QCOMPARE(found->pairs[0].hashDistance, 2);
    QVERIFY(!catalog.nearDuplicateGroupOfItem(three));

    const qint64 split = catalog.createSplit(7, 0.2);
    QCOMPARE(catalog.splitId(7, 0.2), std::optional<qint64>(split));
    QVERIFY(!catalog.splitId(7, 0.25));
    catalog.addSplitAssignments(split, {{one, true}, {two, false}});
    catalog.addSplitAssignments(split, {{one, false}, {three, true}}); // an assigned item keeps its side
    QCOMPARE(catalog.splitAssignments(split), (QHash<qint64, bool>{{one, true}, {two, false}, {three, true}}));
    catalog.moveSplitAssignments(split, {{one, false}});
    QCOMPARE(catalog.splitAssignments(split).value(one), false);

    catalog.recordCollectionObject(QStringLiteral("met"), QStringLiteral("42"), QStringLiteral("g"), QStringLiteral("failed"),
                                   QStringLiteral("timeout"));
    catalog.recordCollectionObject(QStringLiteral("met"), QStringLiteral("42"), QStringLiteral("g"), QStringLiteral("imported"),
                                   QString(), one);
    const auto objects = catalog.collectionObjects(QStringLiteral("met"));
    QCOMPARE(objects.size(), 1);
    QCOMPARE(objects.value(QStringLiteral("42")).status, QStringLiteral("imported"));
    QCOMPARE(objects.value(QStringLiteral("42")).itemId, one);
    const QString url = QStringLiteral("https://collection.example/objects?departmentIds=1");
    catalog.cacheResponse(url, QByteArray("old"));
    catalog.cacheResponse(url, QByteArray("{\"objectIDs\": [42]}\x00\xff", 21));
    QCOMPARE(catalog.cachedResponse(url), std::optional<QByteArray>(QByteArray("{\"objectIDs\": [42]}\x00\xff", 21)));
    QVERIFY(!catalog.cachedResponse(url + QStringLiteral("&page=2")));

    const qint64 run = catalog.beginImportRun(QStringLiteral("folder"));
    catalog.recordImportFailure(run, QStringLiteral("/images/broken.jpg"), QStringLiteral("not a JPEG"));
    catalog.recordImportFailure(0, QStringLiteral("/images/lost.jpg"), QStringLiteral("unreadable"));
    catalog.setImportRunWarnings(run, {QStringLiteral("two columns named 'department'")});
    QCOMPARE(catalog.importFailures(run).size(), 1);
    QCOMPARE(catalog.importFailures(run).first().reason, QStringLiteral("not a JPEG"));
    QCOMPARE(catalog.importFailures().size(), 2);
    QCOMPARE(catalog.importRuns().last().warnings, QStringList{QStringLiteral("two columns named 'department'")});
}

void TestCatalog::parsesCatalogLocations()
{
    const CatalogLocation file = CatalogLocation::parse(QStringLiteral("relative/catalog.db"));
    QCOMPARE(file.dialect, SqlDialect::SQLite);
    QCOMPARE(file.filePath, QDir::current().absoluteFilePath(QStringLiteral("relative/catalog.db")));
    QCOMPARE(file.display(), file.filePath);

    const CatalogLocation shared = CatalogLocation::parse(QStringLiteral("postgresql://registrar@db.museum.example:5433/collection"
                                                                         "?sslmode=verify-full&application_name=accession"));
    QCOMPARE(shared.dialect, SqlDialect::PostgreSQL);
    QCOMPARE(shared.host, QStringLiteral("db.museum.example"));
    QCOMPARE(shared.port, 5433);
    QCOMPARE(shared.user, QStringLiteral("registrar"));
    QCOMPARE(shared.databaseName, QStringLiteral("collection"));
    QCOMPARE(shared.connectOptions, QStringLiteral("sslmode=verify-full;application_name=accession"));
    QCOMPARE(shared.display(), QStringLiteral("postgresql://registrar@db.museum.example:5433/collection"
                                              "?sslmode=verify-full&application_name=accession"));

    const CatalogLocation defaults = CatalogLocation::parse(QStringLiteral("postgres://db.museum.example/collection"));
    QCOMPARE(defaults.dialect, SqlDialect::PostgreSQL);
    QCOMPARE(defaults.port, -1);
    QVERIFY(defaults.user.isEmpty());
    QCOMPARE(defaults.display(), QStringLiteral("postgresql://db.museum.example/collection"));

    const CatalogLocation service = CatalogLocation::parse(QStringLiteral("postgresql:///collection?service=museum"));
    QVERIFY(service.host.isEmpty());
    QCOMPARE(service.connectOptions, QStringLiteral("service=museum"));
    QCOMPARE(service.display(), QStringLiteral("postgresql:///collection?service=museum"));
}

void TestCatalog::refusesPostgresUrlsItCannotUse()
{
    const auto refusal = [](const QString &location) {
        try {
            CatalogLocation::parse(location);
        } catch (const CatalogError &error) {
            return QString::fromUtf8(error.what());
        }
        return QString();
    };
    QVERIFY2(refusal(QStringLiteral("postgresql://registrar@db.example/")).contains(QStringLiteral("names no database")),
             qPrintable(refusal(QStringLiteral("postgresql://registrar@db.example/"))));
    // A password in the URL would end up in settings, recent-catalog lists and messages: refused, and never shown.
    const QString withPassword = refusal(QStringLiteral("postgresql://registrar:s3cret@db.example/collection"));
    QVERIFY2(withPassword.contains(QStringLiteral("~/.pgpass")), qPrintable(withPassword));
    QVERIFY2(!withPassword.contains(QStringLiteral("s3cret")), qPrintable(withPassword));
    const QString passwordOption = refusal(QStringLiteral("postgresql://db.example/collection?password=s3cret"));
    QVERIFY2(passwordOption.contains(QStringLiteral("password")) && !passwordOption.contains(QStringLiteral("s3cret")),
             qPrintable(passwordOption));
    const QString spaced = refusal(QStringLiteral("postgresql://db.example/collection?options=-c%20x=1"));
    QVERIFY2(spaced.contains(QStringLiteral("option options")), qPrintable(spaced));
}

void TestCatalog::unreachableServerFailsNamingTheUrl()
{
    int port = 0;
    {
        QTcpServer probe; // a port nothing listens on once the probe is gone
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    const QString url = QStringLiteral("postgresql://registrar@127.0.0.1:%1/collection").arg(port);
    try {
        Catalog catalog(url);
        QFAIL("opened a catalog on a server that is not there");
    } catch (const CatalogError &error) {
        const QString message = QString::fromUtf8(error.what());
        QVERIFY2(message.startsWith(QStringLiteral("cannot connect to ") + url + QStringLiteral(": ")), error.what());
        QVERIFY2(message.contains(QStringLiteral("refused"), Qt::CaseInsensitive), error.what()); // the server's reason
    }
}

void TestCatalog::sessionPasswordsFollowTheNormalisedUrl()
{
    // Typed once for the URL as the dialog wrote it, found by every connection however the URL is written there.
    SessionPasswords::remember(QStringLiteral("postgres://registrar@db.example:5433/collection"), QStringLiteral("s3cret"));
    QCOMPARE(SessionPasswords::passwordFor(QStringLiteral("postgresql://registrar@db.example:5433/collection")),
             std::optional<QString>(QStringLiteral("s3cret")));
    QVERIFY(!SessionPasswords::passwordFor(QStringLiteral("postgresql://curator@db.example:5433/collection"))); // another user
    QVERIFY(!SessionPasswords::passwordFor(QStringLiteral("postgresql://registrar@db.example/collection")));    // another port
    SessionPasswords::forget(QStringLiteral("postgresql://registrar@db.example:5433/collection"));
    QVERIFY(!SessionPasswords::passwordFor(QStringLiteral("postgres://registrar@db.example:5433/collection")));
    // Files have no password; a URL that cannot be read is no key.
    SessionPasswords::remember(QStringLiteral("catalog.accession"), QStringLiteral("s3cret"));
    QVERIFY(!SessionPasswords::passwordFor(QStringLiteral("catalog.accession")));
    SessionPasswords::remember(QStringLiteral("postgresql://registrar@db.example/"), QStringLiteral("s3cret"));
    QVERIFY(!SessionPasswords::passwordFor(QStringLiteral("postgresql://registrar@db.example/")));

    // libpq's words for a missing and a wrong password, and one that is neither.
    QVERIFY(SessionPasswords::isPasswordRefusal(QStringLiteral("connection to server at \"127.0.0.1\", port 5432 failed: "
                                                               "fe_sendauth: no password supplied")));
    QVERIFY(SessionPasswords::isPasswordRefusal(QStringLiteral("FATAL:  password authentication failed for user \"registrar\"")));
    QVERIFY(!SessionPasswords::isPasswordRefusal(QStringLiteral("Connection refused Is the server running on that host?")));
}

QTEST_GUILESS_MAIN(TestCatalog)
#include "tst_catalog.moc"
