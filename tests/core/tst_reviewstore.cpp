#include "catalog/catalog.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"

#include "handmadecatalog.h"
#include "throwawaypostgres.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

using namespace accession;
using namespace accession::test;

namespace {

QVector<qint64> queueIds(const QVector<ItemRow> &entries)
{
    QVector<qint64> ids;
    for (const ItemRow &entry : entries)
        ids << entry.id;
    return ids;
}

} // namespace

// Predictions, the review queue and curator decisions on a catalog filled by hand, without training a network:
// the probabilities are chosen, so the order, the counts and the filing rule can be checked exactly.
class TestReviewStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void queueIsMostUncertainFirst();
    void statusesAndCounts();
    void acceptAndChooseFileTheItem();
    void undoAndRedoRestoreExactly();
    void skipSendsToTheBack();
    void sentBackItemsWaitForReview();
    void thresholdOfOneFilesNothing();
    void impossibleDecisionsAreRefused();
    void anotherClientsDecisionIsAConflict();
    void anotherWindowOfTheSameAccountIsAnotherCurator();
    void concurrentDecisionsOnOneItemKeepOne();

private:
    // Everything a decision may change, as text: each item's status, current label and review flag, the queue
    // in order, the counts.
    QString state(Catalog &catalog) const;
    double threshold(Catalog &catalog) const { return ModelRegistry(catalog).model(m_model)->threshold; }

    QTemporaryDir m_dir;
    int m_run = 0;
    HandmadeCatalog m_made;
    qint64 m_model = 0;
    qint64 m_paintings = 0, m_prints = 0, m_arms = 0;
    // needs review (confidence, margin): i2 (0.4, 0.05), i3 (0.5, 0.05), i1 (0.5, 0.2); auto-filed: i4 (A), i5 (B);
    // not classified: i6; labelled on import (Prints) and classified: i7.
    qint64 i1 = 0, i2 = 0, i3 = 0, i4 = 0, i5 = 0, i6 = 0, i7 = 0;
};

// Also run on a throwaway PostgreSQL cluster as tst_reviewstore_postgresql (makeHandmadeCatalog picks the backend).
void TestReviewStore::initTestCase()
{
    QString error;
    QVERIFY2(test::prepareCatalogBackend(&error), qPrintable(error));
}

void TestReviewStore::init()
{
    QVERIFY(m_dir.isValid());
    const QStringList departments = {QStringLiteral("Paintings"), QStringLiteral("Prints"), QStringLiteral("Arms")};
    m_made = makeHandmadeCatalog(m_dir.filePath(QString::number(++m_run)), departments);
    m_paintings = m_made.departmentIds[0];
    m_prints = m_made.departmentIds[1];
    m_arms = m_made.departmentIds[2];
    Catalog catalog(m_made.path);
    m_model = registerHandmadeModel(catalog, QStringLiteral("model"), departments, 0.9);
    i1 = addHandmadeItem(catalog, QStringLiteral("/photos/i1.jpg"));
    i2 = addHandmadeItem(catalog, QStringLiteral("/photos/i2.jpg"));
    i3 = addHandmadeItem(catalog, QStringLiteral("/photos/i3.jpg"));
    i4 = addHandmadeItem(catalog, QStringLiteral("/photos/i4.jpg"));
    i5 = addHandmadeItem(catalog, QStringLiteral("/photos/i5.jpg"));
    i6 = addHandmadeItem(catalog, QStringLiteral("/photos/i6.jpg"));
    i7 = addHandmadeItem(catalog, QStringLiteral("/photos/i7.jpg"));
    addHandmadePrediction(catalog, m_model, i1, {0.5f, 0.3f, 0.2f});
    addHandmadePrediction(catalog, m_model, i2, {0.4f, 0.35f, 0.25f});
    addHandmadePrediction(catalog, m_model, i3, {0.05f, 0.45f, 0.5f});
    addHandmadePrediction(catalog, m_model, i4, {0.95f, 0.03f, 0.02f});
    addHandmadePrediction(catalog, m_model, i5, {0.02f, 0.97f, 0.01f});
    catalog.addLabel(i7, m_prints, LabelSource::Imported);
    addHandmadePrediction(catalog, m_model, i7, {0.6f, 0.3f, 0.1f});
}

QString TestReviewStore::state(Catalog &catalog) const
{
    ReviewStore store(catalog);
    QStringList lines;
    for (qint64 id : {i1, i2, i3, i4, i5, i6, i7}) {
        const ItemRecord item = *catalog.item(id);
        const auto prediction = store.prediction(id, m_model);
        lines << QStringLiteral("%1 %2 label=%3/%4 flag=%5")
                     .arg(id)
                     .arg(itemStatusName(store.status(id)), item.department,
                          item.labelSource ? labelSourceName(*item.labelSource) : QStringLiteral("-"))
                     .arg(prediction ? int(prediction->reviewFlag) : -1);
    }
    const double t = threshold(catalog);
    QStringList queue;
    for (const ItemRow &entry : store.queue(m_model, t, 100))
        queue << QStringLiteral("%1%2%3").arg(entry.id).arg(entry.skipped ? QStringLiteral("s") : QString(),
                                                                 entry.sentBack ? QStringLiteral("b") : QString());
    lines << QStringLiteral("queue ") + queue.join(QLatin1Char(' '));
    lines << QStringLiteral("queue size %1, auto-file %2").arg(store.queueSize(m_model, t)).arg(store.autoFileCount(m_model, t));
    const QHash<ItemStatus, qint64> counts = store.statusCounts();
    for (ItemStatus status : {ItemStatus::Unlabelled, ItemStatus::Labelled, ItemStatus::AutoFiled, ItemStatus::NeedsReview,
                              ItemStatus::Confirmed})
        lines << QStringLiteral("%1: %2").arg(itemStatusName(status)).arg(counts.value(status));
    return lines.join(QLatin1Char('\n'));
}

void TestReviewStore::queueIsMostUncertainFirst()
{
    Catalog catalog(m_made.path);
    ReviewStore store(catalog);
    const QVector<ItemRow> queue = store.queue(m_model, 0.9, 100);
    QCOMPARE(queueIds(queue), (QVector<qint64>{i2, i3, i1}));
    QCOMPARE(store.queueSize(m_model, 0.9), 3);
    QCOMPARE(queue[0].predicted, QStringLiteral("Paintings"));
    QCOMPARE(queue[1].predicted, QStringLiteral("Arms"));
    QCOMPARE(float(queue[0].confidence), 0.4f);
    QCOMPARE(float(queue[0].margin), 0.4f - 0.35f);
    QCOMPARE(queue[0].candidates.size(), 3);
    QCOMPARE(queue[1].candidates[0].department, QStringLiteral("Arms"));
    QCOMPARE(queue[1].candidates[1].department, QStringLiteral("Prints"));
    QCOMPARE(queue[1].candidates[2].department, QStringLiteral("Paintings"));
    QCOMPARE(float(queue[1].candidates[1].probability), 0.45f);
    // Paging through the queue gives the same order.
    QCOMPARE(queueIds(store.queue(m_model, 0.9, 2)) + queueIds(store.queue(m_model, 0.9, 2, 2)), (QVector<qint64>{i2, i3, i1}));
    // A lower threshold files more and queues fewer.
    QCOMPARE(queueIds(store.queue(m_model, 0.45, 100)), (QVector<qint64>{i2}));
    QCOMPARE(store.autoFileCount(m_model, 0.45), 4);
}

void TestReviewStore::statusesAndCounts()
{
    Catalog catalog(m_made.path);
    ReviewStore store(catalog);
    QCOMPARE(store.status(i1), ItemStatus::NeedsReview);
    QCOMPARE(store.status(i4), ItemStatus::AutoFiled);
    QCOMPARE(store.status(i5), ItemStatus::AutoFiled);
    QCOMPARE(store.status(i6), ItemStatus::Unlabelled);
    QCOMPARE(store.status(i7), ItemStatus::Labelled);
    const QHash<ItemStatus, qint64> counts = store.statusCounts();
    QCOMPARE(counts.value(ItemStatus::NeedsReview), 3);
    QCOMPARE(counts.value(ItemStatus::AutoFiled), 2);
    QCOMPARE(counts.value(ItemStatus::Unlabelled), 1);
    QCOMPARE(counts.value(ItemStatus::Labelled), 1);
    QCOMPARE(counts.value(ItemStatus::Confirmed), 0);
    QCOMPARE(store.autoFileCount(m_model, 0.9), 2);
    QCOMPARE(store.unlabelledPredictionCount(m_model), 5);
    QCOMPARE(store.predictionCount(m_model), 6);
    QCOMPARE(store.countWithoutPrediction(m_model), 1);
    QCOMPARE(store.itemsWithoutPrediction(m_model, 0, 10).value(0).id, i6);
    QVERIFY(store.prediction(i4, m_model)->autoFiledWhenMade);
    QVERIFY(!store.prediction(i1, m_model)->autoFiledWhenMade);
}

void TestReviewStore::acceptAndChooseFileTheItem()
{
    Catalog catalog(m_made.path);
    ReviewStore store(catalog);
    const Decision accepted = store.accept(i2);
    QCOMPARE(accepted.action, DecisionAction::Accept);
    QCOMPARE(accepted.departmentId, m_paintings);
    QCOMPARE(accepted.modelId, m_model);
    QCOMPARE(store.status(i2), ItemStatus::Confirmed);
    QCOMPARE(catalog.item(i2)->departmentId, m_paintings);
    QCOMPARE(catalog.item(i2)->labelSource, std::optional<LabelSource>(LabelSource::Curator));
    QCOMPARE(catalog.item(i2)->labelId, accepted.labelId);

    // Choosing the predicted department is accepting it; another one is a choice.
    QCOMPARE(store.choose(i3, m_arms).action, DecisionAction::Accept);
    const Decision chosen = store.choose(i1, m_prints);
    QCOMPARE(chosen.action, DecisionAction::Choose);
    QCOMPARE(chosen.department, QStringLiteral("Prints"));
    QCOMPARE(catalog.item(i1)->department, QStringLiteral("Prints"));

    QVERIFY(store.queue(m_model, 0.9, 100).isEmpty());
    QCOMPARE(store.statusCounts().value(ItemStatus::Confirmed), 3);
    QCOMPARE(store.statusCounts().value(ItemStatus::NeedsReview), 0);
    // A curator may correct an auto-filed item too.
    store.choose(i4, m_arms);
    QCOMPARE(store.status(i4), ItemStatus::Confirmed);
    QCOMPARE(store.autoFileCount(m_model, 0.9), 1);
    QCOMPARE(store.decisions(i1).size(), 1);
}

void TestReviewStore::undoAndRedoRestoreExactly()
{
    Catalog catalog(m_made.path);
    ReviewStore store(catalog);
    // Each decision as the undo stack redoes it.
    const QVector<std::function<Decision()>> decisions = {
        [&] { return store.accept(i2); },
        [&] { return store.skip(i1); },
        [&] { return store.unfile(i4); },
        [&] { return store.choose(i5, m_arms); },
        [&] { return store.choose(i7, m_paintings); }, // overrides an imported label
        [&] { return store.choose(i1, m_arms); },      // after its skip
        [&] { return store.skip(i3); },
        [&] { return store.unfile(i3); },              // undone, it is skipped again
    };
    QStringList states = {state(catalog)};
    QVector<qint64> made;
    for (const auto &decide : decisions) {
        made << decide().id;
        states << state(catalog);
        QVERIFY2(states.last() != states[states.size() - 2], "a decision changed nothing");
    }
    for (int round = 0; round < 2; ++round) {
        for (int i = int(made.size()) - 1; i >= 0; --i) {
            const Decision undo = store.undo(made[i]);
            QCOMPARE(undo.action, DecisionAction::Undo);
            QCOMPARE(undo.undoesDecisionId, made[i]);
            QVERIFY(store.decision(made[i])->undone);
            QCOMPARE(state(catalog), states[i]);
        }
        for (int i = 0; i < decisions.size(); ++i) {
            made[i] = decisions[i]().id;
            QCOMPARE(state(catalog), states[i + 1]);
        }
    }
    // History is kept: nothing overwritten.
    const QVector<Decision> history = store.decisions(i2);
    QCOMPARE(history.size(), 5);
    QCOMPARE(history[0].action, DecisionAction::Accept);
    QVERIFY(history[0].undone);
    QCOMPARE(history[1].action, DecisionAction::Undo);
    QVERIFY(!history[4].undone);
    QCOMPARE(catalog.labelHistory(i7).size(), 4); // imported, then a curator label retracted twice and made again
    QVERIFY(catalog.labelHistory(i7)[1].retractedAt.has_value());

    // undoLatest takes the newest decision not undone.
    store.undoLatest(i1);
    QCOMPARE(store.status(i1), ItemStatus::NeedsReview);
    QVERIFY(store.queue(m_model, 0.9, 100).constLast().skipped);
    store.undoLatest(i1);
    QCOMPARE(store.status(i1), ItemStatus::NeedsReview);
    const QVector<ItemRow> queue = store.queue(m_model, 0.9, 100);
    QCOMPARE(queueIds(queue), (QVector<qint64>{i3, i1, i4}));
    QVERIFY(!queue[1].skipped);
    QVERIFY(queue[2].sentBack);
}

void TestReviewStore::skipSendsToTheBack()
{
    Catalog catalog(m_made.path);
    ReviewStore store(catalog);
    const qint64 sizeBefore = store.queueSize(m_model, 0.9);
    store.skip(i2);
    QVector<ItemRow> queue = store.queue(m_model, 0.9, 100);
    QCOMPARE(queueIds(queue), (QVector<qint64>{i3, i1, i2}));
    QVERIFY(queue[2].skipped);
    QVERIFY(!queue[0].skipped);
    QCOMPARE(store.status(i2), ItemStatus::NeedsReview);
    QCOMPARE(store.queueSize(m_model, 0.9), sizeBefore);
    // Skipped items keep their own order among themselves.
    store.skip(i3);
    QCOMPARE(queueIds(store.queue(m_model, 0.9, 100)), (QVector<qint64>{i1, i2, i3}));
    store.undoLatest(i2);
    QCOMPARE(queueIds(store.queue(m_model, 0.9, 100)), (QVector<qint64>{i2, i1, i3}));
}

void TestReviewStore::sentBackItemsWaitForReview()
{
    Catalog catalog(m_made.path);
    ReviewStore store(catalog);
    store.unfile(i4);
    QCOMPARE(store.status(i4), ItemStatus::NeedsReview);
    QVector<ItemRow> queue = store.queue(m_model, 0.9, 100);
    QCOMPARE(queueIds(queue), (QVector<qint64>{i2, i3, i1, i4}));
    QVERIFY(queue[3].sentBack);
    QCOMPARE(store.autoFileCount(m_model, 0.9), 1);
    QCOMPARE(store.queueSize(m_model, 0.9), 4);
    QCOMPARE(store.statusCounts().value(ItemStatus::AutoFiled), 1);
    // Sent back stays sent back whatever the threshold: a lower one files i1 and i3 but not i4.
    ModelRegistry(catalog).setThreshold(m_model, 0.45);
    QCOMPARE(store.status(i1), ItemStatus::AutoFiled);
    QCOMPARE(store.status(i4), ItemStatus::NeedsReview);
    QCOMPARE(queueIds(store.queue(m_model, 0.45, 100)), (QVector<qint64>{i2, i4}));
    QCOMPARE(store.autoFileCount(m_model, 0.45), 3);
    // Accepting it files it for good.
    store.accept(i4);
    QCOMPARE(store.status(i4), ItemStatus::Confirmed);
    QCOMPARE(catalog.item(i4)->department, QStringLiteral("Paintings"));
}

void TestReviewStore::thresholdOfOneFilesNothing()
{
    Catalog catalog(m_made.path);
    ReviewStore store(catalog);
    ModelRegistry(catalog).setThreshold(m_model, 1.0);
    const qint64 certain = addHandmadeItem(catalog, QStringLiteral("/photos/certain.jpg"));
    addHandmadePrediction(catalog, m_model, certain, {1.0f, 0.0f, 0.0f});
    QVERIFY(!store.prediction(certain, m_model)->autoFiledWhenMade);
    QCOMPARE(store.status(certain), ItemStatus::NeedsReview);
    QCOMPARE(store.status(i4), ItemStatus::NeedsReview);
    QCOMPARE(store.autoFileCount(m_model, 1.0), 0);
    QCOMPARE(store.queueSize(m_model, 1.0), 6);
    QCOMPARE(queueIds(store.queue(m_model, 1.0, 100)), (QVector<qint64>{i2, i3, i1, i4, i5, certain}));
    QCOMPARE(store.statusCounts().value(ItemStatus::AutoFiled), 0);
    QCOMPARE(store.statusCounts().value(ItemStatus::NeedsReview), 6);
    QVERIFY(!filesAutomatically(1.0, 1.0, false));
    QVERIFY(filesAutomatically(1.0, 0.999, false));
}

void TestReviewStore::impossibleDecisionsAreRefused()
{
    Catalog catalog(m_made.path);
    ReviewStore store(catalog);
    QVERIFY(catalogRefusal([&] { store.accept(i6); }).contains(QStringLiteral("no prediction")));
    QVERIFY(catalogRefusal([&] { store.skip(i6); }).contains(QStringLiteral("no prediction")));
    QVERIFY(catalogRefusal([&] { store.unfile(i6); }).contains(QStringLiteral("no prediction")));
    QVERIFY(catalogRefusal([&] { store.choose(i1, m_arms + 100); }).contains(QStringLiteral("no department")));
    QVERIFY(catalogRefusal([&] { store.choose(i7 + 100, m_arms); }).contains(QStringLiteral("no item")));
    QVERIFY(catalogRefusal([&] { store.undoLatest(i1); }).contains(QStringLiteral("no decision left")));
    const Decision accepted = store.accept(i1);
    const Decision undo = store.undo(accepted.id);
    QVERIFY(catalogRefusal([&] { store.undo(accepted.id); }).contains(QStringLiteral("undone already")));
    QVERIFY(catalogRefusal([&] { store.undo(undo.id); }).contains(QStringLiteral("itself an undo")));
    QVERIFY(catalogRefusal([&] { store.undo(undo.id + 100); }).contains(QStringLiteral("no decision")));
    // A choice needs no prediction: an unclassified item can be filed by hand.
    QCOMPARE(store.choose(i6, m_prints).action, DecisionAction::Choose);
    QCOMPARE(store.status(i6), ItemStatus::Confirmed);
}

// Two curators on one catalog, each with a connection of their own: a decision on an item someone else decided since
// what the curator saw writes nothing and names the other decision.
void TestReviewStore::anotherClientsDecisionIsAConflict()
{
    Catalog alice(m_made.path);
    alice.setClientName(QStringLiteral("alice@desk1"));
    Catalog bob(m_made.path);
    bob.setClientName(QStringLiteral("bob@desk2"));
    ReviewStore aliceStore(alice), bobStore(bob);
    QCOMPARE(aliceStore.latestDecisionId(i1), qint64(0));
    const qint64 seenByBoth = bobStore.latestDecisionId(i1);

    const Decision first = aliceStore.choose(i1, m_arms, seenByBoth);
    QCOMPARE(first.decidedBy, QStringLiteral("alice@desk1"));
    // Alice's own later decisions are no conflict with her own.
    const Decision again = aliceStore.choose(i1, m_paintings, seenByBoth);
    const QString before = state(alice);
    try {
        bobStore.choose(i1, m_prints, seenByBoth);
        QFAIL("bob's decision on an item alice decided since he looked was written");
    } catch (const DecisionConflict &conflict) {
        QCOMPARE(conflict.itemId(), i1);
        QCOMPARE(conflict.other().id, again.id);
        QCOMPARE(conflict.other().decidedBy, QStringLiteral("alice@desk1"));
        QCOMPARE(conflict.other().department, QStringLiteral("Paintings"));
        const QString text = DecisionConflict::describe(conflict.other());
        QVERIFY2(text.startsWith(QStringLiteral("Already filed under Paintings by alice@desk1 at ")), qPrintable(text));
    }
    QCOMPARE(state(bob), before);
    QCOMPARE(bobStore.decisions(i1).size(), 2);
    // Skipping, sending back and accepting are judged alike.
    QVERIFY_THROWS_EXCEPTION(DecisionConflict, bobStore.skip(i1, seenByBoth));
    QVERIFY_THROWS_EXCEPTION(DecisionConflict, bobStore.accept(i1, seenByBoth));
    QCOMPARE(bobStore.decisions(i1).size(), 2);

    // Having seen alice's decision, bob may change it; then alice's undo of hers is refused, and his label stands.
    const Decision bobs = bobStore.choose(i1, m_prints, again.id);
    QCOMPARE(alice.item(i1)->department, QStringLiteral("Prints"));
    try {
        aliceStore.undo(again.id, again.id);
        QFAIL("alice's undo over bob's later decision was written");
    } catch (const DecisionConflict &conflict) {
        QCOMPARE(conflict.other().id, bobs.id);
        QCOMPARE(conflict.other().decidedBy, QStringLiteral("bob@desk2"));
    }
    QCOMPARE(alice.item(i1)->department, QStringLiteral("Prints"));
    QCOMPARE(aliceStore.latestDecisionId(i1), bobs.id);
    // Without a seen decision nothing is checked (a job, or --force).
    QVERIFY(aliceStore.undo(again.id).undoesDecisionId == again.id);
}

// One account on one machine (a kiosk, a terminal server, two windows of one user): the same user@host, yet two
// sessions, so the second window's decision over the first's unseen one is refused. Each window's own decisions, undos
// included, never conflict with themselves.
void TestReviewStore::anotherWindowOfTheSameAccountIsAnotherCurator()
{
    Catalog first(m_made.path);
    first.setClientName(QStringLiteral("registrar@kiosk"));
    Catalog second(m_made.path);
    second.setClientName(QStringLiteral("registrar@kiosk"));
    QVERIFY(!first.clientSession().isEmpty());
    QVERIFY(first.clientSession() != second.clientSession());
    ReviewStore firstStore(first), secondStore(second);
    const qint64 seenByBoth = secondStore.latestDecisionId(i1);

    const Decision firsts = firstStore.choose(i1, m_arms, seenByBoth);
    QCOMPARE(firsts.decidedBy, QStringLiteral("registrar@kiosk"));
    QCOMPARE(firsts.decidedIn, first.clientSession());
    // The first window's undo and redo over its own decision, from what it saw before: no conflict.
    const Decision undone = firstStore.undo(firsts.id, seenByBoth);
    const Decision redone = firstStore.choose(i1, m_paintings, seenByBoth);
    QCOMPARE(first.item(i1)->department, QStringLiteral("Paintings"));

    const QString before = state(second);
    try {
        secondStore.choose(i1, m_prints, seenByBoth);
        QFAIL("the second window's decision over the first window's unseen one was written");
    } catch (const DecisionConflict &conflict) {
        QCOMPARE(conflict.other().id, redone.id);
        QCOMPARE(conflict.other().decidedIn, first.clientSession());
        const QString text = DecisionConflict::describe(conflict.other());
        QVERIFY2(text.startsWith(QStringLiteral("Already filed under Paintings by registrar@kiosk at ")), qPrintable(text));
    }
    QVERIFY_THROWS_EXCEPTION(DecisionConflict, secondStore.skip(i1, seenByBoth));
    QVERIFY_THROWS_EXCEPTION(DecisionConflict, secondStore.undo(redone.id, undone.id));
    QCOMPARE(state(second), before);
    QCOMPARE(second.item(i1)->department, QStringLiteral("Paintings"));

    // Having seen it, the second window may change it; a Catalog given the second's session is the second.
    QCOMPARE(secondStore.choose(i1, m_prints, redone.id).decidedIn, second.clientSession());
    Catalog secondAgain(m_made.path);
    secondAgain.setClientSession(second.clientSession());
    QCOMPARE(ReviewStore(secondAgain).choose(i1, m_arms, redone.id).department, QStringLiteral("Arms"));
    QVERIFY_THROWS_EXCEPTION(DecisionConflict, firstStore.choose(i1, m_paintings, redone.id));
}

// Several clients at once, each sure nobody decided the items: per item exactly one decision is written, the others
// get conflicts, and nothing else is lost. On PostgreSQL this needs the lock on the item; on SQLite the write lock.
void TestReviewStore::concurrentDecisionsOnOneItemKeepOne()
{
    constexpr int kClients = 4;
    const QVector<qint64> items = {i1, i2, i3, i4, i5, i6};
    const QVector<qint64> departments = {m_paintings, m_prints, m_arms};
    std::atomic<int> written{0}, conflicts{0}, failures{0};
    std::atomic<bool> go{false};
    QStringList errors;
    std::mutex errorsLock;
    std::vector<std::thread> clients;
    for (int client = 0; client < kClients; ++client) {
        clients.emplace_back([&, client] {
            try {
                Catalog catalog(m_made.path);
                catalog.setClientName(QStringLiteral("client%1@test").arg(client));
                ReviewStore store(catalog);
                while (!go)
                    std::this_thread::yield();
                for (qint64 item : items) {
                    try {
                        store.choose(item, departments[(client + int(item)) % departments.size()], 0);
                        ++written;
                    } catch (const DecisionConflict &) {
                        ++conflicts;
                    }
                }
            } catch (const std::exception &error) {
                ++failures;
                std::lock_guard<std::mutex> lock(errorsLock);
                errors << QString::fromUtf8(error.what());
            }
        });
    }
    go = true;
    for (std::thread &client : clients)
        client.join();
    QVERIFY2(failures == 0, qPrintable(errors.join(QLatin1Char('\n'))));
    QCOMPARE(written.load(), int(items.size()));
    QCOMPARE(conflicts.load(), int(items.size()) * (kClients - 1));
    Catalog catalog(m_made.path);
    ReviewStore store(catalog);
    for (qint64 item : items) {
        const QVector<Decision> decisions = store.decisions(item);
        QCOMPARE(decisions.size(), 1);
        QCOMPARE(catalog.item(item)->department, decisions[0].department);
    }
}

QTEST_GUILESS_MAIN(TestReviewStore)
#include "tst_reviewstore.moc"
