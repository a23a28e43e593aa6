#include "catalog/catalog.h"
#include "catalog/transactionguard.h"

#include "testcatalogs.h"

#include <QFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

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

private Q_SLOTS:
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
};

void TestCatalog::createsSchemaAtCurrentVersion()
{
    QTemporaryDir dir;
    Catalog catalog(dir.filePath(QStringLiteral("new.db")), Catalog::OpenMode::CreateIfMissing);
    QCOMPARE(catalog.schemaVersion(), Catalog::kSchemaVersion);
    QCOMPARE(catalog.itemCount(), 0);
    QVERIFY(catalog.departments().isEmpty());
}

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
    const QString path = dir.filePath(QStringLiteral("future.db"));
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
    Catalog catalog(dir.filePath(QStringLiteral("c.db")), Catalog::OpenMode::CreateIfMissing);
    QSqlQuery mode = catalog.run(QStringLiteral("PRAGMA journal_mode"));
    QVERIFY(mode.next());
    QCOMPARE(mode.value(0).toString(), QStringLiteral("wal"));
    // A label for an item that does not exist violates a foreign key.
    const qint64 department = catalog.addDepartment(QStringLiteral("Asian Art"));
    QVERIFY_THROWS_EXCEPTION(CatalogError, catalog.addLabel(999, department, LabelSource::Imported));
}

void TestCatalog::departmentsAreOrderedRenameableAndGrouped()
{
    QTemporaryDir dir;
    Catalog catalog(dir.filePath(QStringLiteral("c.db")), Catalog::OpenMode::CreateIfMissing);
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
    Catalog catalog(dir.filePath(QStringLiteral("c.db")), Catalog::OpenMode::CreateIfMissing);
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
    Catalog catalog(dir.filePath(QStringLiteral("c.db")), Catalog::OpenMode::CreateIfMissing);
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
    Catalog catalog(dir.filePath(QStringLiteral("c.db")), Catalog::OpenMode::CreateIfMissing);
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
    Catalog catalog(dir.filePath(QStringLiteral("c.db")), Catalog::OpenMode::CreateIfMissing);
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
    Catalog catalog(dir.filePath(QStringLiteral("c.db")), Catalog::OpenMode::CreateIfMissing);
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
    const QString path = dir.filePath(QStringLiteral("c.db"));
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
    Catalog catalog(dir.filePath(QStringLiteral("c.db")), Catalog::OpenMode::CreateIfMissing);
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
    Catalog catalog(dir.filePath(QStringLiteral("c.db")), Catalog::OpenMode::CreateIfMissing);
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
    Catalog catalog(dir.filePath(QStringLiteral("c.db")), Catalog::OpenMode::CreateIfMissing);
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

QTEST_GUILESS_MAIN(TestCatalog)
#include "tst_catalog.moc"
