// The review queue read ahead on the catalog thread: a decision shows the next item without waiting for the
// catalog, pages follow one another without gaps or repeats, undo brings an item back at once, skips go last.

#include "catalogwaits.h"
#include "handmadecatalog.h"

#include "catalogsession.h"
#include "decisioncommand.h"
#include "reviewqueue.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"

#include <QElapsedTimer>
#include <QSet>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUndoStack>

using namespace accession;
using namespace accession::test;

class TestReviewQueue : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void readsAPageAhead();
    void aDecisionShowsTheNextItemWithoutWaitingForTheCatalog();
    void theWholeQueueOnceEachInOrder();
    void undoBringsTheItemBackAtOnce();
    void skippedItemsComeLast();
    void aDecisionMadeWhileTheQueueReloadsIsNotShownAgain();
    void anUndoneItemSurvivesAReloadWhileItIsWritten();
    void anotherClientsDecisionLeavesTheQueueWithinSeconds();
    void aDecisionAnotherClientMadeFirstIsAConflict();
    void anotherClientsWriteKeepsTheShownItem();

private:
    QString freshCatalog(const QString &name) const;
    // Keeps the catalog thread busy for a while, as a slow query on a large catalog would.
    static void occupyCatalogThread(CatalogSession &session, int ms);
    static void decide(CatalogSession &session, ReviewQueue &queue, DecisionCommand::Kind kind);

    QTemporaryDir m_dir;
    QString m_template;
    static constexpr int kWaiting = 130; // more than two pages
};

void TestReviewQueue::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QStringList departments{QStringLiteral("Asian Art"), QStringLiteral("Egyptian Art"), QStringLiteral("Arms and Armor")};
    const HandmadeCatalog made = makeHandmadeCatalog(m_dir.filePath(QStringLiteral("template")), departments);
    Catalog catalog(made.path);
    const qint64 model = registerHandmadeModel(catalog, QStringLiteral("model"), departments, 0.9);
    ModelRegistry(catalog).activate(model);
    // Confidence rises with the item number (0.40 to about 0.66), so the queue's order is the insertion order;
    // a few confident ones are filed and never queued.
    for (int i = 0; i < kWaiting + 5; ++i) {
        const qint64 item = addHandmadeItem(catalog, QStringLiteral("/photos/%1.jpg").arg(i, 4, 10, QLatin1Char('0')));
        const float top = i < kWaiting ? 0.40f + 0.002f * float(i) : 0.95f;
        addHandmadePrediction(catalog, model, item, {top, (1.0f - top) * 0.6f, (1.0f - top) * 0.4f});
    }
    m_template = made.path;
}

QString TestReviewQueue::freshCatalog(const QString &name) const
{
    const QString path = m_dir.filePath(name);
    QFile::remove(path);
    QFile::copy(m_template, path);
    return path;
}

void TestReviewQueue::occupyCatalogThread(CatalogSession &session, int ms)
{
    session.worker()->read(&session, [ms](Catalog &) { QThread::msleep(ms); return 0; }, [](int) {});
}

void TestReviewQueue::decide(CatalogSession &session, ReviewQueue &queue, DecisionCommand::Kind kind)
{
    session.undoStack()->push(new DecisionCommand(&session, queue.current()->entry.id, kind));
}

void TestReviewQueue::readsAPageAhead()
{
    CatalogSession session;
    ReviewQueue queue(&session);
    QVERIFY(openSessionAndWait(session, freshCatalog(QStringLiteral("ahead.db"))));
    QVERIFY(queue.hasActiveModel());
    QCOMPARE(queue.remaining(), qint64(kWaiting));
    QVERIFY(queue.current());
    QCOMPARE(queue.current()->entry.path, QStringLiteral("/photos/0000.jpg")); // least confident first
    QCOMPARE(queue.readAhead(), ReviewQueue::kPageSize - 1);
    QCOMPARE(queue.current()->classes.size(), 3);
    QCOMPARE(queue.current()->probabilities.size(), size_t(3));
    QVERIFY(queue.departmentId(QStringLiteral("Egyptian Art")));
}

void TestReviewQueue::aDecisionShowsTheNextItemWithoutWaitingForTheCatalog()
{
    CatalogSession session;
    ReviewQueue queue(&session);
    const QString path = freshCatalog(QStringLiteral("wait.db"));
    QVERIFY(openSessionAndWait(session, path));
    const qint64 first = queue.current()->entry.id;
    occupyCatalogThread(session, 400);
    decide(session, queue, DecisionCommand::Kind::Accept);
    // The catalog thread is still busy, the decision not yet written, and the next item is already current.
    QVERIFY(session.worker()->pendingTasks() >= 2);
    QVERIFY(queue.current());
    QVERIFY(queue.current()->entry.id != first);
    QCOMPARE(Catalog(path).item(first)->labelId, 0);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(Catalog(path).item(first)->department, QStringLiteral("Asian Art"));
    QCOMPARE(queue.remaining(), qint64(kWaiting - 1));
}

void TestReviewQueue::theWholeQueueOnceEachInOrder()
{
    CatalogSession session;
    ReviewQueue queue(&session);
    const QString path = freshCatalog(QStringLiteral("whole.db"));
    QVERIFY(openSessionAndWait(session, path));
    QSet<qint64> seen;
    double lastConfidence = 0;
    // As fast as the events let it: the decisions queue up on the catalog thread while pages are read between.
    while (queue.current() || queue.isLoading() || session.worker()->pendingTasks() > 0) {
        if (!queue.current()) {
            QTest::qWait(5);
            continue;
        }
        const ItemRow entry = queue.current()->entry;
        QVERIFY2(!seen.contains(entry.id), qPrintable(entry.path));
        QVERIFY(entry.confidence >= lastConfidence);
        seen.insert(entry.id);
        lastConfidence = entry.confidence;
        decide(session, queue, DecisionCommand::Kind::Accept);
        QCoreApplication::processEvents();
        QVERIFY(seen.size() <= kWaiting);
    }
    QCOMPARE(seen.size(), kWaiting);
    QCOMPARE(queue.remaining(), 0);
    Catalog catalog(path);
    QSqlQuery labelled = catalog.run(QStringLiteral("SELECT COUNT(*) FROM items WHERE current_label_id IS NOT NULL"));
    QVERIFY(labelled.next());
    QCOMPARE(labelled.value(0).toInt(), kWaiting);
}

void TestReviewQueue::undoBringsTheItemBackAtOnce()
{
    CatalogSession session;
    ReviewQueue queue(&session);
    const QString path = freshCatalog(QStringLiteral("undo.db"));
    QVERIFY(openSessionAndWait(session, path));
    const qint64 first = queue.current()->entry.id;
    decide(session, queue, DecisionCommand::Kind::Choose);
    const qint64 second = queue.current()->entry.id;
    QVERIFY(settleCatalogReads(&session));
    occupyCatalogThread(session, 400);
    session.undoStack()->undo();
    QCOMPARE(queue.current()->entry.id, first); // before the catalog thread has even started the undo
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(Catalog(path).item(first)->labelId, 0);
    QCOMPARE(queue.remaining(), qint64(kWaiting));
    // The item that was current waits right behind it.
    decide(session, queue, DecisionCommand::Kind::Accept);
    QCOMPARE(queue.current()->entry.id, second);
    // Redo after undo: the item leaves again.
    session.undoStack()->undo();
    QCOMPARE(queue.current()->entry.id, first);
    session.undoStack()->redo();
    QCOMPARE(queue.current()->entry.id, second);
    QVERIFY(settleCatalogReads(&session));
    QVERIFY(Catalog(path).item(first)->labelId != 0);
}

void TestReviewQueue::skippedItemsComeLast()
{
    CatalogSession session;
    ReviewQueue queue(&session);
    const QString path = freshCatalog(QStringLiteral("skip.db"));
    QVERIFY(openSessionAndWait(session, path));
    const qint64 skipped = queue.current()->entry.id;
    decide(session, queue, DecisionCommand::Kind::Skip);
    QVERIFY(queue.current()->entry.id != skipped);
    QCOMPARE(queue.remaining(), qint64(kWaiting)); // skipping decides nothing
    int decided = 0;
    while (queue.current() || queue.isLoading() || session.worker()->pendingTasks() > 0) {
        if (!queue.current()) {
            QTest::qWait(5);
            continue;
        }
        if (queue.current()->entry.id == skipped)
            break;
        decide(session, queue, DecisionCommand::Kind::Accept);
        ++decided;
        QCoreApplication::processEvents();
    }
    QCOMPARE(decided, kWaiting - 1);
    QVERIFY(queue.current());
    QCOMPARE(queue.current()->entry.id, skipped);
    QVERIFY(queue.current()->entry.skipped);
}

void TestReviewQueue::aDecisionMadeWhileTheQueueReloadsIsNotShownAgain()
{
    CatalogSession session;
    ReviewQueue queue(&session);
    const QString path = freshCatalog(QStringLiteral("reloading.db"));
    QVERIFY(openSessionAndWait(session, path));
    const qint64 first = queue.current()->entry.id;
    // The reload's read is queued before the decision's write, so it still finds the item waiting.
    occupyCatalogThread(session, 300);
    session.notifyModelsChanged();
    decide(session, queue, DecisionCommand::Kind::Accept);
    QVERIFY(queue.current()->entry.id != first);
    QVERIFY(settleCatalogReads(&session));
    QVERIFY(queue.current());
    QVERIFY(queue.current()->entry.id != first);
    QVERIFY(Catalog(path).item(first)->labelId != 0);
    QCOMPARE(queue.remaining(), qint64(kWaiting - 1));
    // Nothing goes missing either: the rest of the queue, once each.
    QSet<qint64> seen{first};
    while (queue.current() || queue.isLoading() || session.worker()->pendingTasks() > 0) {
        if (!queue.current()) {
            QTest::qWait(5);
            continue;
        }
        QVERIFY(!seen.contains(queue.current()->entry.id));
        seen.insert(queue.current()->entry.id);
        decide(session, queue, DecisionCommand::Kind::Accept);
        QCoreApplication::processEvents();
    }
    QCOMPARE(seen.size(), kWaiting);
}

void TestReviewQueue::anUndoneItemSurvivesAReloadWhileItIsWritten()
{
    CatalogSession session;
    ReviewQueue queue(&session);
    const QString path = freshCatalog(QStringLiteral("undo-reload.db"));
    QVERIFY(openSessionAndWait(session, path));
    const qint64 first = queue.current()->entry.id;
    decide(session, queue, DecisionCommand::Kind::Accept);
    QVERIFY(settleCatalogReads(&session));
    // The undo's write and then the reload's read are queued behind a slow task.
    occupyCatalogThread(session, 300);
    session.undoStack()->undo();
    QCOMPARE(queue.current()->entry.id, first);
    session.notifyModelsChanged();
    QVERIFY(settleCatalogReads(&session));
    QVERIFY(queue.current());
    QCOMPARE(queue.current()->entry.id, first); // back in the queue, in front, where the catalog has it
    QCOMPARE(queue.remaining(), qint64(kWaiting));
    QSet<qint64> seen;
    while (queue.current() || queue.isLoading() || session.worker()->pendingTasks() > 0) {
        if (!queue.current()) {
            QTest::qWait(5);
            continue;
        }
        QVERIFY(!seen.contains(queue.current()->entry.id));
        seen.insert(queue.current()->entry.id);
        decide(session, queue, DecisionCommand::Kind::Accept);
        QCoreApplication::processEvents();
    }
    QCOMPARE(seen.size(), kWaiting);
}

// A second curator on the same catalog file decides the item this window shows: the window's queue drops it, and
// counts it, within a few seconds, with no action here.
void TestReviewQueue::anotherClientsDecisionLeavesTheQueueWithinSeconds()
{
    CatalogSession session;
    ReviewQueue queue(&session);
    const QString path = freshCatalog(QStringLiteral("shared.db"));
    QVERIFY(openSessionAndWait(session, path));
    QSignalSpy elsewhere(&session, &CatalogSession::catalogChangedElsewhere);
    const qint64 shown = queue.current()->entry.id;
    Catalog other(path);
    other.setClientName(QStringLiteral("ana@desk2"));
    QElapsedTimer sinceWrite;
    sinceWrite.start();
    ReviewStore(other).choose(shown, *other.departmentIdByName(QStringLiteral("Egyptian Art")), 0);
    QVERIFY2(QTest::qWaitFor([&] { return queue.current() && queue.current()->entry.id != shown && queue.remaining() == kWaiting - 1; },
                             5000),
             "another curator's decision did not reach the window's queue within 5 s");
    qInfo("shown after %lld ms", qint64(sinceWrite.elapsed()));
    QCOMPARE(elsewhere.count(), 1);
}

// The other curator decided the shown item just before this one: this decision is refused and said so in plain
// words, the queue goes on, the other decision stands, and undoing the refused one changes nothing.
void TestReviewQueue::aDecisionAnotherClientMadeFirstIsAConflict()
{
    CatalogSession session;
    ReviewQueue queue(&session);
    const QString path = freshCatalog(QStringLiteral("conflict.db"));
    QVERIFY(openSessionAndWait(session, path));
    QSignalSpy conflicts(&session, &CatalogSession::decisionConflict);
    QSignalSpy errors(&session, &CatalogSession::errorOccurred);
    const qint64 shown = queue.current()->entry.id;
    QCOMPARE(queue.current()->entry.latestDecisionId, qint64(0));
    Catalog other(path);
    other.setClientName(QStringLiteral("ana@desk2"));
    ReviewStore(other).choose(shown, *other.departmentIdByName(QStringLiteral("Egyptian Art")), 0);

    session.undoStack()->push(new DecisionCommand(&session, shown, DecisionCommand::Kind::Accept, 0, {},
                                                  queue.current()->entry.latestDecisionId));
    QVERIFY(queue.current()->entry.id != shown); // the queue moved on at once, as for any decision
    QVERIFY(QTest::qWaitFor([&] { return !conflicts.isEmpty(); }, 10000));
    QCOMPARE(conflicts.first().value(0).toLongLong(), shown);
    const QString message = conflicts.first().value(1).toString();
    QVERIFY2(message.startsWith(QStringLiteral("Already filed under Egyptian Art by ana@desk2 at ")), qPrintable(message));
    QCOMPARE(ReviewStore(other).decisions(shown).size(), 1);
    QCOMPARE(other.item(shown)->department, QStringLiteral("Egyptian Art"));

    session.undoStack()->undo();
    QVERIFY(settleWorker(*session.worker()));
    QCOMPARE(ReviewStore(other).decisions(shown).size(), 1);
    QCOMPARE(other.item(shown)->department, QStringLiteral("Egyptian Art"));
    QCOMPARE(errors.count(), 0);
    QCOMPARE(conflicts.count(), 1);
}

// Another client classifies a photograph more uncertain than any: the window's queue reads it, in front, but the item
// the curator is looking at stays on screen.
void TestReviewQueue::anotherClientsWriteKeepsTheShownItem()
{
    CatalogSession session;
    ReviewQueue queue(&session);
    const QString path = freshCatalog(QStringLiteral("keep.db"));
    QVERIFY(openSessionAndWait(session, path));
    QSignalSpy elsewhere(&session, &CatalogSession::catalogChangedElsewhere);
    const qint64 shown = queue.current()->entry.id;
    Catalog other(path);
    const qint64 model = ModelRegistry(other).activeModel()->id;
    const qint64 newcomer = addHandmadeItem(other, QStringLiteral("/photos/newcomer.jpg"));
    addHandmadePrediction(other, model, newcomer, {0.34f, 0.33f, 0.33f});
    QVERIFY(QTest::qWaitFor([&] { return queue.remaining() == kWaiting + 1; }, 5000));
    QVERIFY(settleWorker(*session.worker()));
    QVERIFY(elsewhere.count() >= 1);
    QCOMPARE(queue.current()->entry.id, shown);
    // The newcomer comes next, in the queue's order.
    decide(session, queue, DecisionCommand::Kind::Skip);
    QCOMPARE(queue.current()->entry.id, newcomer);
}

QTEST_MAIN(TestReviewQueue)
#include "tst_reviewqueue.moc"
