// One catalog, several clients: the catalog thread hears of the other clients' writes (PostgreSQL's notices,
// SQLite's data_version) and not of its own, and a decision against one it had not seen is refused.
// Also run on a throwaway PostgreSQL cluster as tst_concurrentclients_postgresql.

#include "handmadecatalog.h"
#include "testcatalogs.h"
#include "testimages.h"
#include "throwawaypostgres.h"

#include "catalog/catalog.h"
#include "catalog/cataloglocation.h"
#include "catalog/catalogworker.h"
#include "catalog/reviewstore.h"
#include "jobs/classifyjob.h"

#include <atomic>
#include <thread>

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QSqlError>
#include <QSqlQuery>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

class TestConcurrentClients : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void anotherClientsWriteIsHeardAndOursIsNot();
    void aConflictThroughTheCatalogThreadWritesNothing();
    void aPlainWriteInAutocommitIsHeard();
    void aKilledImportLosesNothingCommittedAndLeavesNoHalfRows();
    void classifyingWhileAnotherClientReviewsLosesNothing();

private:
    bool openWorker(CatalogWorker &worker);

    QTemporaryDir m_dir;
    int m_run = 0;
    HandmadeCatalog m_made;
    qint64 m_item = 0, m_other = 0;
};

void TestConcurrentClients::initTestCase()
{
    QString error;
    QVERIFY2(prepareCatalogBackend(&error), qPrintable(error));
}

void TestConcurrentClients::init()
{
    m_made = makeHandmadeCatalog(m_dir.filePath(QString::number(++m_run)), {QStringLiteral("Paintings"), QStringLiteral("Prints")});
    Catalog catalog(m_made.path);
    m_item = addHandmadeItem(catalog, QStringLiteral("/photos/a.jpg"));
    m_other = addHandmadeItem(catalog, QStringLiteral("/photos/b.jpg"));
}

bool TestConcurrentClients::openWorker(CatalogWorker &worker)
{
    QSignalSpy opened(&worker, &CatalogWorker::opened);
    QSignalSpy failed(&worker, &CatalogWorker::openFailed);
    worker.open(m_made.path);
    (void)QTest::qWaitFor([&] { return !opened.isEmpty() || !failed.isEmpty(); }, 60000);
    if (!failed.isEmpty())
        qWarning("cannot open %s: %s", qPrintable(m_made.path), qPrintable(failed.first().value(1).toString()));
    return !opened.isEmpty();
}

void TestConcurrentClients::anotherClientsWriteIsHeardAndOursIsNot()
{
    Catalog other(m_made.path); // opened first: an open that wrote would count as a change
    other.setClientName(QStringLiteral("ana@desk2"));
    CatalogWorker worker;
    QVERIFY(openWorker(worker));
    QSignalSpy changed(&worker, &CatalogWorker::changedElsewhere);
    QSignalSpy failed(&worker, &CatalogWorker::taskFailed);

    // The worker's own write: no notice (its views know already), however long one waits.
    bool written = false;
    worker.write(this, [item = m_item, department = m_made.departmentIds[0]](Catalog &catalog) {
        catalog.setClientName(QStringLiteral("window@desk1"));
        ReviewStore(catalog).choose(item, department, 0);
    }, [&written] { written = true; });
    QVERIFY(QTest::qWaitFor([&] { return written; }, 10000));
    QTest::qWait(3 * CatalogWorker::kChangePollMs);
    QCOMPARE(changed.count(), 0);

    // Another client's decision: heard within a few seconds, and the worker then reads it.
    QElapsedTimer sinceWrite;
    sinceWrite.start();
    ReviewStore(other).choose(m_other, m_made.departmentIds[1], 0);
    QVERIFY2(QTest::qWaitFor([&] { return changed.count() > 0; }, 5000), "another client's decision went unheard for 5 s");
    qInfo("heard after %lld ms", qint64(sinceWrite.elapsed()));
    QString department;
    worker.read(this, [item = m_other](Catalog &catalog) { return catalog.item(item)->department; },
                [&department](const QString &name) { department = name; });
    QVERIFY(QTest::qWaitFor([&] { return !department.isEmpty(); }, 10000));
    QCOMPARE(department, QStringLiteral("Prints"));
    // Once per write, not once per poll.
    QTest::qWait(3 * CatalogWorker::kChangePollMs);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(failed.count(), 0);
}

void TestConcurrentClients::aConflictThroughTheCatalogThreadWritesNothing()
{
    CatalogWorker worker;
    QVERIFY(openWorker(worker));
    Catalog other(m_made.path);
    other.setClientName(QStringLiteral("ana@desk2"));
    const Decision anas = ReviewStore(other).choose(m_item, m_made.departmentIds[1], 0);

    QString refusal;
    bool done = false;
    worker.write(this, [item = m_item, department = m_made.departmentIds[0]](Catalog &catalog) {
        catalog.setClientName(QStringLiteral("ben@desk1"));
        ReviewStore(catalog).choose(item, department, 0);
    }, [&done] { done = true; }, [&refusal](const QString &message) { refusal = message; });
    QVERIFY(QTest::qWaitFor([&] { return done || !refusal.isEmpty(); }, 10000));
    QVERIFY(!done);
    QVERIFY2(refusal.contains(QStringLiteral("Already filed under Prints by ana@desk2 at ")), qPrintable(refusal));
    const QVector<Decision> decisions = ReviewStore(other).decisions(m_item);
    QCOMPARE(decisions.size(), 1);
    QCOMPARE(decisions[0].id, anas.id);
    QCOMPARE(other.item(m_item)->department, QStringLiteral("Prints"));
}

// A write by no Accession code at all (psql, a script, another tool), in autocommit on a connection of its own, is
// heard like a decision: on PostgreSQL the schema's triggers notify (a TransactionGuard is not needed), on SQLite
// data_version counts it. A statement that changes no row is not heard.
void TestConcurrentClients::aPlainWriteInAutocommitIsHeard()
{
    CatalogWorker worker;
    QVERIFY(openWorker(worker));
    QSignalSpy changed(&worker, &CatalogWorker::changedElsewhere);
    const QString connection = QStringLiteral("plain-sql");
    {
        const CatalogLocation location = CatalogLocation::parse(m_made.path);
        QSqlDatabase plain;
        if (location.dialect == SqlDialect::PostgreSQL) {
            plain = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connection);
            plain.setHostName(location.host);
            plain.setPort(location.port);
            plain.setUserName(location.user);
            plain.setDatabaseName(location.databaseName);
        } else {
            plain = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
            plain.setDatabaseName(location.filePath);
        }
        QVERIFY2(plain.open(), qPrintable(plain.lastError().text()));
        QSqlQuery query(plain);

        QVERIFY2(query.exec(QStringLiteral("UPDATE departments SET name = 'Nothing' WHERE id = -1")), qPrintable(query.lastError().text()));
        QTest::qWait(3 * CatalogWorker::kChangePollMs);
        QCOMPARE(changed.count(), 0);

        QElapsedTimer sinceWrite;
        sinceWrite.start();
        QVERIFY2(query.exec(QStringLiteral("UPDATE departments SET name = 'Etchings' WHERE name = 'Prints'")),
                 qPrintable(query.lastError().text()));
        QCOMPARE(query.numRowsAffected(), 1);
        QVERIFY2(QTest::qWaitFor([&] { return changed.count() > 0; }, 5000), "a plain autocommit write went unheard for 5 s");
        qInfo("heard after %lld ms", qint64(sinceWrite.elapsed()));
        QString names;
        worker.read(this, [](Catalog &catalog) {
            QStringList all;
            for (const Department &department : catalog.departments())
                all << department.name;
            return all.join(QLatin1Char(','));
        }, [&names](const QString &read) { names = read; });
        QVERIFY(QTest::qWaitFor([&] { return !names.isEmpty(); }, 10000));
        QCOMPARE(names, QStringLiteral("Paintings,Etchings"));

        // Once per write, not once per poll.
        QTest::qWait(3 * CatalogWorker::kChangePollMs);
        QCOMPARE(changed.count(), 1);
        query.finish();
        plain.close();
    }
    QSqlDatabase::removeDatabase(connection);
}

namespace {

qint64 countOf(Catalog &catalog, const QString &sql)
{
    QSqlQuery query = catalog.run(sql);
    return query.next() ? query.value(0).toLongLong() : -1;
}

} // namespace

// One client killed (SIGKILL) in the middle of an import while another watches: what it committed stays, nothing of a
// batch it had not committed shows, and importing again completes the folder without duplicates.
void TestConcurrentClients::aKilledImportLosesNothingCommittedAndLeavesNoHalfRows()
{
    constexpr int kImages = 1200;
    const QString folder = m_dir.filePath(QStringLiteral("incoming%1").arg(m_run));
    QDir().mkpath(folder);
    for (int i = 0; i < kImages; ++i)
        writeFile(QStringLiteral("%1/%2.png").arg(folder).arg(i, 5, 10, QLatin1Char('0')),
                  splitImage(QStringLiteral("png"), 48, 40, {i % 256, (i / 256) * 40, 90}, {200, i % 7 * 30, (i * 13) % 256}));
    Catalog watcher(m_made.path);
    const qint64 before = watcher.itemCount();

    QProcess import;
    import.start(QStringLiteral(ACCESSION_CLI_PATH), {QStringLiteral("import"), QStringLiteral("--catalog"), m_made.path, folder});
    QVERIFY(import.waitForStarted(30000));
    qint64 seen = 0;
    // Killed once a batch or two is in: the items it committed must survive the kill.
    QVERIFY2(QTest::qWaitFor([&] { seen = watcher.itemCount() - before; return seen >= 128 || import.state() == QProcess::NotRunning; }, 120000),
             "the import wrote nothing for two minutes");
    QVERIFY2(import.state() == QProcess::Running, "the import finished before it could be killed: give it more images");
    import.kill();
    QVERIFY(import.waitForFinished(30000));
    const qint64 afterKill = watcher.itemCount() - before;
    QVERIFY2(afterKill >= seen, qPrintable(QStringLiteral("%1 items seen committed, %2 after the kill").arg(seen).arg(afterKill)));
    QVERIFY2(afterKill < kImages, "the kill came after the import's end");
    qInfo("killed after %lld of %d items", afterKill, kImages);
    // No half-written item: each has its size and hash, none points at a missing label.
    QCOMPARE(countOf(watcher, QStringLiteral("SELECT COUNT(*) FROM items WHERE width <= 0 OR height <= 0 OR content_hash = ''")), qint64(0));
    QCOMPARE(countOf(watcher, QStringLiteral("SELECT COUNT(*) FROM items i WHERE i.current_label_id IS NOT NULL"
                                             " AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.id = i.current_label_id)")),
             qint64(0));

    QByteArray out, err;
    QCOMPARE(runCli({QStringLiteral("import"), QStringLiteral("--catalog"), m_made.path, folder}, &out, &err), 0);
    QCOMPARE(watcher.itemCount() - before, qint64(kImages));
    QCOMPARE(countOf(watcher, QStringLiteral("SELECT COUNT(DISTINCT content_hash) FROM items")), watcher.itemCount());
}

// Classification on one connection while a curator on another decides other items, as when one machine classifies
// the night's photographs while colleagues review: both finish, every decision is kept, every new item gets its
// prediction, and neither side meets a lock or busy error.
void TestConcurrentClients::classifyingWhileAnotherClientReviewsLosesNothing()
{
    const QString folder = m_dir.filePath(QStringLiteral("classifying%1").arg(m_run));
    const QStringList departments = {QStringLiteral("Paintings"), QStringLiteral("Prints"), QStringLiteral("Textiles")};
    const QString location = newCatalogLocation(folder, QStringLiteral("catalog.db"));
    writeColourFolders(folder + QStringLiteral("/labelled"), departments, 10, 11);
    writeColourFolders(folder + QStringLiteral("/reviewed"), departments, 10, 12);
    writeColourFolders(folder + QStringLiteral("/tonight"), departments, 40, 13);
    importFolders(location, folder + QStringLiteral("/labelled"));
    const QString model = folder + QStringLiteral("/model.safetensors");
    QVERIFY(trainSmallBaseline(location, model, 2));
    // The items under review: classified before, unlabelled.
    ClassifyRequest first;
    first.catalogPath = location;
    first.modelPath = model;
    first.paths = {folder + QStringLiteral("/reviewed")};
    first.threads = 2;
    QVERIFY(ClassifyJob(first).exec());
    QVector<qint64> reviewed;
    QVector<qint64> departmentIds;
    {
        Catalog catalog(location);
        QSqlQuery query = catalog.run(QStringLiteral("SELECT id FROM items WHERE current_label_id IS NULL ORDER BY id"));
        while (query.next())
            reviewed.push_back(query.value(0).toLongLong());
        for (const QString &name : departments)
            departmentIds.push_back(*catalog.departmentIdByName(name));
    }
    QCOMPARE(reviewed.size(), 30);

    // The curator: its own connection, its own thread, deciding in a loop (each decision against the latest it saw)
    // until the classification has ended and it has decided every item at least once.
    std::atomic<bool> classifying{true};
    std::atomic<int> decidedWhileClassifying{0};
    QHash<qint64, int> made; // decisions per item, read after the thread ends
    QStringList curatorErrors;
    std::thread curator([&] {
        try {
            Catalog catalog(location);
            catalog.setClientName(QStringLiteral("ana@desk2"));
            ReviewStore store(catalog);
            QHash<qint64, qint64> seen;
            for (int round = 0; round == 0 || classifying; ++round) {
                for (int i = 0; i < reviewed.size(); ++i) {
                    const qint64 item = reviewed[i];
                    const bool during = classifying;
                    seen[item] = store.choose(item, departmentIds[(i + round) % departmentIds.size()], seen.value(item, 0)).id;
                    ++made[item];
                    if (during && classifying)
                        ++decidedWhileClassifying;
                }
            }
        } catch (const std::exception &error) {
            curatorErrors << QString::fromUtf8(error.what());
        }
    });
    ClassifyRequest tonight;
    tonight.catalogPath = location;
    tonight.modelPath = model;
    tonight.paths = {folder + QStringLiteral("/tonight")};
    tonight.threads = 2;
    tonight.batchSize = 8; // many small writes, interleaved with the curator's
    ClassifyJob job(tonight);
    QString jobError;
    connect(&job, &Job::failed, this, [&jobError](const QString &message) { jobError = message; });
    QElapsedTimer took;
    took.start();
    const bool classified = job.exec();
    classifying = false;
    curator.join();
    qInfo("classified in %lld ms; %d decisions while classifying, %lld in all", qint64(took.elapsed()), int(decidedWhileClassifying),
          [&] { qint64 all = 0; for (int count : made) all += count; return all; }());
    QVERIFY2(classified, qPrintable(jobError));
    QVERIFY2(curatorErrors.isEmpty(), qPrintable(curatorErrors.join(QLatin1Char('\n'))));
    QVERIFY2(decidedWhileClassifying > 0, "the curator decided nothing while the classification ran: the test did not overlap them");
    const ClassifySummary summary = job.summary();
    QVERIFY2(summary.failures.isEmpty(), qPrintable(summary.failures.isEmpty() ? QString() : summary.failures.first().reason));
    QCOMPARE(summary.import.imported, qint64(120));
    QCOMPARE(summary.classified, qint64(120));

    Catalog catalog(location);
    ReviewStore store(catalog);
    for (const qint64 item : reviewed)
        QCOMPARE(store.decisions(item).size(), made.value(item));
    // Every item imported tonight has the model's prediction; none is labelled.
    QCOMPARE(countOf(catalog, QStringLiteral("SELECT COUNT(*) FROM items i WHERE i.current_label_id IS NULL AND NOT EXISTS"
                                             " (SELECT 1 FROM predictions p WHERE p.item_id = i.id AND p.model_id = %1)")
                                  .arg(summary.modelId)),
             qint64(0));
    QCOMPARE(countOf(catalog, QStringLiteral("SELECT COUNT(*) FROM items WHERE current_label_id IS NULL")), qint64(120));
}

QTEST_GUILESS_MAIN(TestConcurrentClients)
#include "tst_concurrentclients.moc"
