// The catalog thread the GUI reads and writes through: order, dropped reads, writes that always run, errors,
// and opening with migration progress.

#include "handmadecatalog.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace accession;
using namespace accession::test;

class TestCatalogWorker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void tasksRunInOrderOnTheirOwnThread();
    void readsForAGoneReceiverOrAnotherCatalogAreDropped();
    void writesRunEvenWhenTheWorkerShutsDown();
    void errorsReachTheirHandler();
    void openingReportsEachMigrationStep();
    void openingAFolderFails();

private:
    bool open(CatalogWorker &worker, const QString &path);
    static bool settle(CatalogWorker &worker);
    QTemporaryDir m_dir;
    QString m_path;
};

void TestCatalogWorker::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = makeHandmadeCatalog(m_dir.path(), {QStringLiteral("Asian Art"), QStringLiteral("Egyptian Art")}).path;
    Catalog catalog(m_path);
    for (int i = 0; i < 5; ++i)
        addHandmadeItem(catalog, QStringLiteral("/photos/%1.jpg").arg(i));
}

bool TestCatalogWorker::open(CatalogWorker &worker, const QString &path)
{
    QSignalSpy opened(&worker, &CatalogWorker::opened);
    worker.open(path);
    // Not opened.wait(): the worker thread may emit before the wait begins, and wait() counts only what comes during it.
    return QTest::qWaitFor([&] { return !opened.isEmpty(); }, 30000);
}

bool TestCatalogWorker::settle(CatalogWorker &worker)
{
    return QTest::qWaitFor([&] { return worker.pendingTasks() == 0; }, 30000);
}

void TestCatalogWorker::tasksRunInOrderOnTheirOwnThread()
{
    CatalogWorker worker;
    QVERIFY(open(worker, m_path));
    QObject receiver;
    QStringList events;
    QThread *workThread = nullptr;
    // A slow read first: the write and the read posted after it wait for it, and this thread does not.
    QElapsedTimer posting;
    posting.start();
    worker.read(&receiver, [&](Catalog &) { QThread::msleep(200); workThread = QThread::currentThread(); return 1; },
                [&](int) { events << QStringLiteral("slow read"); });
    worker.write(&receiver, [](Catalog &catalog) { return addHandmadeItem(catalog, QStringLiteral("/photos/new.jpg")); },
                 [&](qint64 id) { events << QStringLiteral("write %1").arg(id > 0); });
    worker.read(&receiver, [](Catalog &catalog) { return catalog.itemCount(); },
                [&](qint64 count) { events << QStringLiteral("count %1").arg(count); });
    QVERIFY(posting.elapsed() < 150); // posting never waits for the work
    QCOMPARE(worker.pendingTasks(), 3);
    QVERIFY(events.isEmpty());
    QVERIFY(settle(worker));
    QCOMPARE(events, (QStringList{QStringLiteral("slow read"), QStringLiteral("write 1"), QStringLiteral("count 6")}));
    QVERIFY(workThread && workThread != QThread::currentThread());
    Catalog(m_path).run(QStringLiteral("DELETE FROM items WHERE path = '/photos/new.jpg'"));
}

void TestCatalogWorker::readsForAGoneReceiverOrAnotherCatalogAreDropped()
{
    // Made first: making it takes longer than the slow read below on a busy machine, which would let the reads run.
    const QString other = makeHandmadeCatalog(m_dir.filePath(QStringLiteral("other")), {QStringLiteral("Arms and Armor")}).path;
    CatalogWorker worker;
    QVERIFY(open(worker, m_path));
    int ran = 0;
    int delivered = 0;
    worker.read(&worker, [](Catalog &) { QThread::msleep(100); return 0; }, [](int) {}); // keeps the next ones waiting
    {
        QObject shortLived;
        worker.read(&shortLived, [&](Catalog &) { return ++ran; }, [&](int) { ++delivered; });
    }
    // Reads posted for this catalog, then another catalog chosen: they are not run for the new one.
    QObject receiver;
    worker.read(&receiver, [&](Catalog &) { return ++ran; }, [&](int) { ++delivered; });
    worker.open(other);
    QString openPath;
    worker.read(&receiver, [](Catalog &catalog) { return catalog.path(); }, [&](const QString &path) { openPath = path; });
    QVERIFY(settle(worker));
    QCOMPARE(ran, 0);
    QCOMPARE(delivered, 0);
    QCOMPARE(openPath, other);
    // After close, a read is dropped and a write fails with a reason.
    worker.close();
    QString failure;
    worker.read(&receiver, [&](Catalog &) { return ++ran; }, [&](int) { ++delivered; });
    worker.write(&receiver, [&](Catalog &) { return ++ran; }, [&](int) { ++delivered; },
                 [&](const QString &message) { failure = message; });
    QVERIFY(settle(worker));
    QCOMPARE(ran, 0);
    QVERIFY2(failure.contains(QStringLiteral("not saved")), qPrintable(failure));
}

void TestCatalogWorker::writesRunEvenWhenTheWorkerShutsDown()
{
    const QString path = makeHandmadeCatalog(m_dir.filePath(QStringLiteral("shutdown")), {QStringLiteral("Asian Art")}).path;
    std::atomic<int> readsRun{0};
    {
        CatalogWorker worker;
        QVERIFY(open(worker, path));
        QObject receiver;
        worker.read(&receiver, [](Catalog &) { QThread::msleep(100); return 0; }, [](int) {});
        for (int i = 0; i < 20; ++i) {
            worker.write(&receiver, [i](Catalog &catalog) { return addHandmadeItem(catalog, QStringLiteral("/photos/w%1.jpg").arg(i)); },
                         [](qint64) {});
            worker.read(&receiver, [&](Catalog &) { return ++readsRun; }, [](int) {});
        }
    } // destroyed with all of it queued
    QCOMPARE(Catalog(path).itemCount(), 20);
    QCOMPARE(readsRun.load(), 0);
}

void TestCatalogWorker::errorsReachTheirHandler()
{
    CatalogWorker worker;
    QVERIFY(open(worker, m_path));
    QObject receiver;
    QString handled;
    worker.read(&receiver, [](Catalog &catalog) { return catalog.run(QStringLiteral("SELECT nonsense FROM nowhere")).next(); },
                [](bool) {}, [&](const QString &message) { handled = message; });
    QSignalSpy unhandled(&worker, &CatalogWorker::taskFailed);
    worker.write(&receiver, [](Catalog &catalog) { catalog.addDepartment(QString()); }, [] {});
    QVERIFY(settle(worker));
    QVERIFY2(handled.contains(m_path) && handled.contains(QStringLiteral("nowhere")), qPrintable(handled));
    QCOMPARE(unhandled.size(), 1);
    // The worker goes on after a failure.
    qint64 count = -1;
    worker.read(&receiver, [](Catalog &catalog) { return catalog.itemCount(); }, [&](qint64 items) { count = items; });
    QVERIFY(settle(worker));
    QCOMPARE(count, 5);
}

void TestCatalogWorker::openingReportsEachMigrationStep()
{
    CatalogWorker worker;
    QSignalSpy progress(&worker, &CatalogWorker::migrationProgress);
    QSignalSpy opened(&worker, &CatalogWorker::opened);
    worker.open(m_dir.filePath(QStringLiteral("new.db")), Catalog::OpenMode::CreateIfMissing);
    QVERIFY(QTest::qWaitFor([&] { return !opened.isEmpty(); }, 30000));
    // A new file goes through every schema step and its indexes, each announced before it runs, then the end.
    const int steps = int(progress.size()) - 1;
    QVERIFY(steps >= Catalog::kSchemaVersion);
    for (int step = 0; step < steps; ++step) {
        QCOMPARE(progress[step][0].toInt(), step);
        QCOMPARE(progress[step][1].toInt(), steps);
        QVERIFY(!progress[step][2].toString().isEmpty());
    }
    QCOMPARE(progress.last()[0].toInt(), steps);
    QVERIFY(progress.last()[2].toString().isEmpty());
    // A current catalog migrates nothing.
    progress.clear();
    QVERIFY(open(worker, m_path));
    QCOMPARE(progress.size(), 0);
}

void TestCatalogWorker::openingAFolderFails()
{
    CatalogWorker worker;
    QSignalSpy failed(&worker, &CatalogWorker::openFailed);
    worker.open(m_dir.path());
    QVERIFY(QTest::qWaitFor([&] { return !failed.isEmpty(); }, 30000));
    QVERIFY2(failed.first()[1].toString().contains(QStringLiteral("folder")), qPrintable(failed.first()[1].toString()));
    QObject receiver;
    bool ran = false;
    worker.read(&receiver, [&](Catalog &) { return ran = true; }, [](bool) {});
    QVERIFY(settle(worker));
    QVERIFY(!ran);
}

QTEST_GUILESS_MAIN(TestCatalogWorker)
#include "tst_catalogworker.moc"
