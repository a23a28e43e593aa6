#include "catalogwaits.h"
#include "catalogitemmodel.h"
#include "catalogsession.h"
#include "catalogview.h"
#include "departmentkeys.h"
#include "departmentkeysdialog.h"
#include "itempanel.h"
#include "mainwindow.h"
#include "reviewwidget.h"
#include "testcatalogs.h"

#include "catalog/catalog.h"
#include "catalog/itemquery.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"

#include <algorithm>

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

// The review path: fixed department keys, Enter, the preselected prediction, and an item panel that
// follows the item under review and the catalog's current item.
class TestReview : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void defaultKeysSkipTheSkipKey();
    void fileUnderStartsOnThePrediction();
    void itemPanelRefusesAnotherWindowsUnseenChange();
    void autoFiledItemSaysWhereItWasFiled();
    void departmentKeyFilesRegardlessOfRank();
    void enterAcceptsTheSuggestion();
    void anotherCuratorsEarlierDecisionIsShownAndTheReviewGoesOn();
    void keysCanBeChangedInTheDialog();
    void itemPanelShowsAndActsOnTheItemUnderReview();
    void arrowKeysMoveTheItemPanel();
    void thresholdOfOneSendsEverythingToReview();

private:
    QString freshCatalog(const QString &name) { return copyCatalog(m_fixture.catalogPath, m_dir.path(), name); }
    // A window on a fresh copy with every classified item in the review queue, showing the Review view.
    void openForReview(MainWindow &window, const QString &name);

    QTemporaryDir m_dir;
    ClassifiedCatalog m_fixture;
};

void TestReview::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // keys are saved in QSettings: keep them out of the user's
    m_fixture = makeClassifiedCatalog(m_dir.filePath(QStringLiteral("fixture")));
}

void TestReview::init()
{
    QSettings().remove(QStringLiteral("review"));
}

void TestReview::openForReview(MainWindow &window, const QString &name)
{
    QVERIFY(openCatalogAndWait(window, freshCatalog(name)));
    Catalog &catalog = *testCatalog(window.session());
    ModelRegistry(catalog).setThreshold(ModelRegistry(catalog).activeModel()->id, 1.0);
    window.session()->notifyModelsChanged();
    QVERIFY(settleCatalogReads(window.session()));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showReview();
    QVERIFY(window.reviewWidget()->remaining() >= 3);
}

void TestReview::defaultKeysSkipTheSkipKey()
{
    QStringList departments;
    for (int i = 0; i < 20; ++i)
        departments << QStringLiteral("Department %1").arg(i);
    const QHash<QString, QChar> keys = DepartmentKeys::load(departments);
    QCOMPARE(keys.value(departments[0]), QLatin1Char('1'));
    QCOMPARE(keys.value(departments[8]), QLatin1Char('9'));
    QCOMPARE(keys.value(departments[9]), QLatin1Char('0'));
    QCOMPARE(keys.value(departments[10]), QLatin1Char('A'));
    QCOMPARE(keys.value(departments[19]), QLatin1Char('J'));
    QStringList more = departments;
    for (int i = 20; i < 30; ++i)
        more << QStringLiteral("Department %1").arg(i);
    const QHash<QString, QChar> moreKeys = DepartmentKeys::load(more);
    for (const QChar key : moreKeys)
        QVERIFY(key != QLatin1Char('S'));
    QCOMPARE(moreKeys.value(more[28]), QLatin1Char('T')); // R, then past S
}

void TestReview::fileUnderStartsOnThePrediction()
{
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, freshCatalog(QStringLiteral("preselect.db"))));
    QVERIFY(session.isOpen());
    Catalog &catalog = *testCatalog(&session);
    const RegisteredModel model = *ModelRegistry(catalog).activeModel();
    ItemPanel panel(&session);
    // Every waiting item: the box starts on its prediction, whatever the department's place in the list.
    const QVector<ItemRow> waiting = ReviewStore(catalog).queue(model.id, 2.0, 100);
    QVERIFY(waiting.size() >= 3);
    QSet<QString> predicted;
    for (const ItemRow &entry : waiting) {
        panel.showItem(entry.id);
        QVERIFY(settleCatalogReads(&session));
        QCOMPARE(panel.departmentBox()->currentText(), entry.predicted);
        predicted.insert(entry.predicted);
    }
    QVERIFY(predicted.size() > 1); // so not all of them on the first department
    // Filing from the panel without touching the box files under the prediction.
    panel.showItem(waiting.first().id);
    QVERIFY(settleCatalogReads(&session));
    QTest::mouseClick(panel.fileButton(), Qt::LeftButton);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(catalog.item(waiting.first().id)->department, waiting.first().predicted);
}

// Two windows of one account on one machine: the item panel of the second files an item the first filed after the
// panel read it. Nothing is written, the panel says whose decision stands and reads the item again; filing once more,
// having seen it, is written.
void TestReview::itemPanelRefusesAnotherWindowsUnseenChange()
{
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, freshCatalog(QStringLiteral("panelconflict.db"))));
    Catalog &catalog = *testCatalog(&session);
    const RegisteredModel model = *ModelRegistry(catalog).activeModel();
    const QVector<ItemRow> waiting = ReviewStore(catalog).queue(model.id, 2.0, 100);
    QVERIFY(!waiting.isEmpty());
    const qint64 item = waiting.first().id;
    ItemPanel panel(&session);
    panel.showItem(item);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(panel.seenDecisionId(), qint64(0));
    QVERIFY(panel.conflictLabel()->isHidden());
    const QString panelChoice = panel.departmentBox()->currentText();

    Catalog firstWindow(session.path());
    QCOMPARE(firstWindow.clientName(), catalog.clientName()); // the same user@host: only the session tells them apart
    QString firstChoice;
    for (const Department &department : firstWindow.departments()) {
        if (department.name != panelChoice)
            firstChoice = department.name;
    }
    const Decision firsts = ReviewStore(firstWindow).choose(item, *firstWindow.departmentIdByName(firstChoice), 0);

    // Filed at once, before this window hears of the other's decision: the panel still shows what it read.
    panel.fileButton()->click();
    QVERIFY(QTest::qWaitFor([&] { return !panel.conflictLabel()->isHidden(); }, 10000));
    const QString shown = panel.conflictLabel()->text();
    QVERIFY2(shown.startsWith(QStringLiteral("Already filed under %1 by %2 at ").arg(firstChoice, catalog.clientName())), qPrintable(shown));
    QVERIFY2(shown.endsWith(QStringLiteral("Your change was not saved.")), qPrintable(shown));
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(firstWindow.item(item)->department, firstChoice);
    QCOMPARE(ReviewStore(firstWindow).decisions(item).size(), 1);
    // Read again: the panel now shows the first window's decision, and filing from it is no conflict.
    QVERIFY(QTest::qWaitFor([&] { return panel.seenDecisionId() == firsts.id; }, 10000));
    panel.departmentBox()->setCurrentIndex(panel.departmentBox()->findText(panelChoice));
    panel.fileButton()->click();
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(firstWindow.item(item)->department, panelChoice);
    QCOMPARE(ReviewStore(firstWindow).decisions(item).size(), 2);
    QVERIFY(panel.conflictLabel()->isHidden());
}

void TestReview::autoFiledItemSaysWhereItWasFiled()
{
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, freshCatalog(QStringLiteral("autofiled.db"))));
    QVERIFY(session.isOpen());
    Catalog &catalog = *testCatalog(&session);
    const RegisteredModel model = *ModelRegistry(catalog).activeModel();
    // One the model does not find out of scope (those are never filed).
    const QVector<ItemRow> waiting = ReviewStore(catalog).queue(model.id, 2.0, 100);
    const auto inScope = std::find_if(waiting.begin(), waiting.end(), [](const ItemRow &row) { return !row.outOfScope; });
    QVERIFY(inScope != waiting.end());
    const ItemRow entry = *inScope;
    ModelRegistry(catalog).setThreshold(model.id, 0.0); // everything the model saw in scope is filed by itself
    QCOMPARE(ReviewStore(catalog).status(entry.id), ItemStatus::AutoFiled);
    ItemPanel panel(&session);
    panel.showItem(entry.id);
    QVERIFY(settleCatalogReads(&session));
    const QString expected = QStringLiteral("Filed automatically under %1 (%2%)").arg(entry.predicted).arg(entry.confidence * 100, 0, 'f', 1);
    QVERIFY2(panel.titleLabel()->text().contains(expected), qPrintable(panel.titleLabel()->text()));
    QCOMPARE(panel.departmentBox()->currentText(), entry.predicted);
}

void TestReview::departmentKeyFilesRegardlessOfRank()
{
    MainWindow window;
    openForReview(window, QStringLiteral("keys.db"));
    Catalog &catalog = *testCatalog(window.session());
    ReviewWidget *review = window.reviewWidget();

    // The least likely department, by its own key, not by its rank.
    const qint64 first = review->currentItemId();
    const QString leastLikely = review->rankedDepartments().last();
    QVERIFY(leastLikely != review->rankedDepartments().first());
    const QChar key = review->keyOfDepartment(leastLikely);
    QVERIFY(!key.isNull());
    QStringList departments;
    for (const Department &department : catalog.departments())
        departments << department.name;
    QCOMPARE(key, DepartmentKeys::load(departments).value(leastLikely));
    QCOMPARE(key, DepartmentKeys::defaultKeys().at(departments.indexOf(leastLikely))); // by department order
    // The key is shown beside the department, with its probability as a percentage.
    const int row = review->rankedDepartments().indexOf(leastLikely);
    const QString shown = review->candidateList()->item(row)->text();
    QVERIFY2(shown.startsWith(QStringLiteral("[%1]").arg(key)) && shown.contains(QLatin1Char('%')) && shown.contains(leastLikely),
             qPrintable(shown));
    QTest::keyClick(review, key.toLatin1());
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(first)->department, leastLikely);
    QCOMPARE(catalog.item(first)->labelSource, std::optional<LabelSource>(LabelSource::Curator));

    // The same department keeps the same key on the next item, whatever its rank there.
    const qint64 second = review->currentItemId();
    QVERIFY(second != first);
    QCOMPARE(review->keyOfDepartment(leastLikely), key);
    const QString topHere = review->rankedDepartments().first();
    QTest::keyClick(review, review->keyOfDepartment(topHere).toLatin1());
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(second)->department, topHere);

    // A key no department has does nothing.
    const qint64 third = review->currentItemId();
    QTest::keyClick(review, 'x');
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(review->currentItemId(), third);
    QCOMPARE(catalog.item(third)->labelId, 0);
}

void TestReview::enterAcceptsTheSuggestion()
{
    MainWindow window;
    openForReview(window, QStringLiteral("enter.db"));
    Catalog &catalog = *testCatalog(window.session());
    ReviewWidget *review = window.reviewWidget();
    const qint64 before = review->remaining();
    const qint64 item = review->currentItemId();
    const QString suggested = review->rankedDepartments().first();
    QTest::keyClick(review, Qt::Key_Return);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(item)->department, suggested);
    QCOMPARE(review->remaining(), before - 1);
    // The keypad's Enter too.
    const qint64 next = review->currentItemId();
    const QString suggestedNext = review->rankedDepartments().first();
    QTest::keyClick(review, Qt::Key_Enter, Qt::KeypadModifier);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(next)->department, suggestedNext);
    QCOMPARE(review->remaining(), before - 2);
}

// Another curator, on another machine, filed the item under review a moment before Enter here: this window says so in
// plain words, keeps the other decision, and the review goes on with the next item.
void TestReview::anotherCuratorsEarlierDecisionIsShownAndTheReviewGoesOn()
{
    MainWindow window;
    openForReview(window, QStringLiteral("conflict.db"));
    QVERIFY(settleCatalogReads(window.session()));
    ReviewWidget *review = window.reviewWidget();
    const qint64 item = review->currentItemId();
    QVERIFY(item > 0);
    QVERIFY(review->conflictText().isEmpty());
    Catalog other(window.session()->path());
    other.setClientName(QStringLiteral("ana@desk2"));
    const QString suggested = review->rankedDepartments().first();
    const QString anas = review->rankedDepartments().last();
    QVERIFY(anas != suggested);
    ReviewStore(other).choose(item, *other.departmentIdByName(anas), 0);

    QTest::keyClick(review, Qt::Key_Return);
    QVERIFY(QTest::qWaitFor([&] { return !review->conflictText().isEmpty(); }, 10000));
    QVERIFY2(review->conflictText().contains(QStringLiteral("Already filed under %1 by ana@desk2 at ").arg(anas)),
             qPrintable(review->conflictText()));
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(other.item(item)->department, anas);
    QCOMPARE(ReviewStore(other).decisions(item).size(), 1);
    const qint64 next = review->currentItemId();
    QVERIFY(next > 0 && next != item);
    const QString suggestedNext = review->rankedDepartments().first();
    QTest::keyClick(review, Qt::Key_Return);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(other.item(next)->department, suggestedNext);
}

void TestReview::keysCanBeChangedInTheDialog()
{
    MainWindow window;
    openForReview(window, QStringLiteral("dialog.db"));
    Catalog &catalog = *testCatalog(window.session());
    ReviewWidget *review = window.reviewWidget();
    const QString first = catalog.departments()[0].name;
    const QString second = catalog.departments()[1].name;

    DepartmentKeysDialog *dialog = review->openKeysDialog();
    QVERIFY(dialog);
    QCOMPARE(dialog->keyField(first)->text(), QStringLiteral("1"));
    // A key given twice, or the Skip key, is refused and the dialog stays open.
    dialog->keyField(first)->setText(QStringLiteral("2"));
    QVERIFY(!dialog->problem().isEmpty());
    dialog->keyField(first)->setText(QStringLiteral("S"));
    QVERIFY(dialog->problem().contains(QLatin1String("Skip")));
    dialog->accept();
    QVERIFY(dialog->isVisible());
    QCOMPARE(review->keyOfDepartment(first), QLatin1Char('1'));

    dialog->keyField(first)->setText(QStringLiteral("Q"));
    QVERIFY(dialog->problem().isEmpty());
    dialog->accept();
    QCOMPARE(review->keyOfDepartment(first), QLatin1Char('Q'));
    QCOMPARE(review->keyOfDepartment(second), QLatin1Char('2'));
    QCOMPARE(review->departmentForKey(QLatin1Char('1')), QString());

    const qint64 item = review->currentItemId();
    QTest::keyClick(review, 'q');
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(item)->department, first);
    // Kept for the next session.
    QCOMPARE(DepartmentKeys::load({first, second}).value(first), QLatin1Char('Q'));
}

void TestReview::itemPanelShowsAndActsOnTheItemUnderReview()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, freshCatalog(QStringLiteral("panel.db"))));
    Catalog &catalog = *testCatalog(window.session());
    ModelRegistry(catalog).setThreshold(ModelRegistry(catalog).activeModel()->id, 1.0);
    window.session()->notifyModelsChanged();
    QVERIFY(settleCatalogReads(window.session()));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // An item looked at in the catalog first.
    const qint64 catalogItem = catalog.items(0, 1).first().id;
    window.showItem(catalogItem);
    QCOMPARE(window.itemPanel()->itemId(), catalogItem);

    window.showReview();
    ReviewWidget *review = window.reviewWidget();
    const qint64 underReview = review->currentItemId();
    QVERIFY(underReview != catalogItem);
    QCOMPARE(window.itemPanel()->itemId(), underReview);

    // The panel's buttons act on the item under review, and the panel moves on with the queue.
    QVERIFY(settleCatalogReads(window.session()));
    QComboBox *box = window.itemPanel()->departmentBox();
    const QString chosen = catalog.departments().last().name;
    box->setCurrentIndex(box->findText(chosen));
    const QString catalogItemBefore = catalog.item(catalogItem)->department;
    QTest::mouseClick(window.itemPanel()->fileButton(), Qt::LeftButton);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(underReview)->department, chosen);
    QCOMPARE(catalog.item(catalogItem)->department, catalogItemBefore);
    QVERIFY(review->currentItemId() != underReview);
    QCOMPARE(window.itemPanel()->itemId(), review->currentItemId());

    // Back in the catalog, the panel shows the catalog's item again.
    window.showCatalog();
    QCOMPARE(window.itemPanel()->itemId(), catalogItem);
}

void TestReview::arrowKeysMoveTheItemPanel()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, freshCatalog(QStringLiteral("arrows.db"))));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    CatalogItemModel *model = window.itemModel();
    QVERIFY(model->rowCount() >= 3);
    const qint64 first = model->itemIdAt(0);
    window.showItem(first);

    // The detail list: Down moves to the next row and the panel follows.
    window.catalogView()->showGrid(false);
    QTableView *list = window.catalogView()->listView();
    list->setFocus();
    QTest::keyClick(list, Qt::Key_Down);
    QCOMPARE(window.itemPanel()->itemId(), model->itemIdAt(1));
    QTest::keyClick(list, Qt::Key_Down);
    QCOMPARE(window.itemPanel()->itemId(), model->itemIdAt(2));
    QTest::keyClick(list, Qt::Key_Up);
    QCOMPARE(window.itemPanel()->itemId(), model->itemIdAt(1));

    QTest::keyClick(list, Qt::Key_Up);
    QCOMPARE(window.itemPanel()->itemId(), first);

    // The grid too (its current item is still the first).
    window.catalogView()->showGrid(true);
    QListView *grid = window.catalogView()->gridView();
    grid->setFocus();
    QTest::keyClick(grid, Qt::Key_Right);
    QCOMPARE(window.itemPanel()->itemId(), model->itemIdAt(1));
}

// At 100% nothing is filed automatically, not even a prediction whose probability is exactly 1: a curator can
// send everything to review (real ImageNet features make such predictions on easy photographs).
void TestReview::thresholdOfOneSendsEverythingToReview()
{
    const QString path = freshCatalog(QStringLiteral("certain.db"));
    Catalog catalog(path);
    ReviewStore store(catalog);
    ModelRegistry registry(catalog);
    const RegisteredModel model = *registry.activeModel();
    QVector<qint64> classDepartments;
    for (const QString &name : model.classes)
        classDepartments << *catalog.departmentIdByName(name);
    NewItem item;
    item.contentHash = QString(64, QLatin1Char('c'));
    item.path = m_fixture.incomingDir + QStringLiteral("/certain.jpg");
    item.width = 10;
    item.height = 10;
    item.format = QStringLiteral("jpeg");
    const qint64 certainItem = catalog.insertItem(item);
    NewPrediction certain;
    certain.itemId = certainItem;
    certain.probabilities.assign(size_t(model.classes.size()), 0.0f);
    certain.probabilities[0] = 1.0f;
    store.addPrediction(model.id, certain, classDepartments, model.threshold);

    const auto isQueued = [&](double threshold) {
        for (const ItemRow &entry : store.queue(model.id, threshold, 100000))
            if (entry.id == certainItem)
                return true;
        return false;
    };
    registry.setThreshold(model.id, 0.99);
    QVERIFY(!isQueued(0.99));
    QCOMPARE(store.statusCounts().value(ItemStatus::AutoFiled) > 0, true);

    registry.setThreshold(model.id, 1.0);
    QVERIFY(isQueued(1.0));
    QCOMPARE(store.autoFileCount(model.id, 1.0), 0);
    QCOMPARE(store.queueSize(model.id, 1.0), store.unlabelledPredictionCount(model.id));
    QCOMPARE(store.statusCounts().value(ItemStatus::AutoFiled), 0);
    ItemFilter filed;
    filed.status = ItemStatus::AutoFiled;
    QCOMPARE(ItemQuery(catalog, filed, ItemOrder::NewestFirst).count(), 0);
}

QTEST_MAIN(TestReview)
#include "tst_review.moc"
