#include "catalogwaits.h"
#include "catalogitemmodel.h"
#include "catalogsession.h"
#include "catalogview.h"
#include "handmadecatalog.h"
#include "itempanel.h"
#include "mainwindow.h"
#include "reviewwidget.h"
#include "testimages.h"

#include "catalog/catalog.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTableView>
#include <QTest>
#include <QUndoStack>

using namespace accession;
using namespace accession::test;

// Out-of-scope photographs in the window: the review view and the item panel say why such an item waits, and the
// catalog's status filter "Out of scope" lists exactly those items.
class TestOutOfScopeReview : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void reviewAndItemPanelSayWhy();
    void catalogFilterListsExactlyTheFlaggedItems();

private:
    QTemporaryDir m_dir;
    QString m_catalog;
    QSet<qint64> m_flagged;
    qint64 m_uncertain = 0;
};

void TestOutOfScopeReview::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    const QStringList departments = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art")};
    const HandmadeCatalog handmade = makeHandmadeCatalog(m_dir.path(), departments);
    m_catalog = handmade.path;
    Catalog catalog(m_catalog);
    const qint64 modelId = registerHandmadeModel(catalog, QStringLiteral("model"), departments, 0.9);
    ReviewStore store(catalog);
    // Three confident and in scope (filed), two as confident but unlike any department's photographs (to review),
    // one uncertain (to review for its confidence alone).
    for (int i = 0; i < 6; ++i) {
        const QString path = m_dir.filePath(QStringLiteral("photo-%1.png").arg(i));
        writeFile(path, solidImage(QStringLiteral("png"), 32, 24, {40 * i, 100, 200 - 30 * i}));
        NewPrediction prediction;
        prediction.itemId = addHandmadeItem(catalog, path);
        prediction.probabilities = i == 5 ? std::vector<float>{0.6f, 0.4f} : std::vector<float>{0.97f, 0.03f};
        prediction.outOfScope = i == 3 || i == 4;
        prediction.outOfScopeScore = prediction.outOfScope ? 4.5 : -6.0;
        store.addPrediction(modelId, prediction, handmade.departmentIds, 0.9);
        if (prediction.outOfScope)
            m_flagged.insert(prediction.itemId);
        if (i == 5)
            m_uncertain = prediction.itemId;
    }
    QCOMPARE(store.statusCounts().value(ItemStatus::AutoFiled), qint64(3));
    QCOMPARE(store.statusCounts().value(ItemStatus::NeedsReview), qint64(3));
}

void TestOutOfScopeReview::reviewAndItemPanelSayWhy()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, m_catalog));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showReview();
    QVERIFY(settleCatalogReads(window.session()));
    ReviewWidget *review = window.reviewWidget();
    QCOMPARE(review->remaining(), qint64(3));

    // Most uncertain first: the uncertain one waits for its confidence, with no other reason given.
    QCOMPARE(review->currentItemId(), m_uncertain);
    QVERIFY(review->reasonText().isEmpty());
    QTest::keyClick(review, Qt::Key_S); // skipped: the out-of-scope ones come next
    QVERIFY(settleCatalogReads(window.session()));
    QVERIFY2(m_flagged.contains(review->currentItemId()), qPrintable(QString::number(review->currentItemId())));
    QCOMPARE(review->reasonText(), QStringLiteral("Waits for review: unlike any department's photographs"));
    QVERIFY(QTest::qWaitFor([&] { return window.itemPanel()->itemId() == review->currentItemId(); }));
    QVERIFY(settleCatalogReads(window.session()));
    QVERIFY2(window.itemPanel()->titleLabel()->text().contains(QStringLiteral("unlike any department")),
             qPrintable(window.itemPanel()->titleLabel()->text()));

    // Accepted, it leaves the queue; the other out-of-scope item is next, with the same reason.
    const qint64 accepted = review->currentItemId();
    QTest::keyClick(review, Qt::Key_Return);
    QVERIFY(settleCatalogReads(window.session()));
    QVERIFY(review->currentItemId() != accepted);
    QVERIFY(m_flagged.contains(review->currentItemId()));
    QCOMPARE(review->reasonText(), QStringLiteral("Waits for review: unlike any department's photographs"));
    window.session()->undoStack()->undo(); // the catalog goes back as it was for the next test
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(ReviewStore(*testCatalog(window.session())).status(accepted), ItemStatus::NeedsReview);
}

void TestOutOfScopeReview::catalogFilterListsExactlyTheFlaggedItems()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, m_catalog));
    CatalogView *view = window.catalogView();
    QComboBox *status = view->statusFilter();
    const int entry = status->findData(CatalogView::kOutOfScopeFilter);
    QVERIFY(entry >= 0);
    QCOMPARE(status->itemText(entry), QStringLiteral("Out of scope"));
    status->setCurrentIndex(entry);
    QVERIFY(settleCatalogReads(window.session()));
    auto *model = qobject_cast<CatalogItemModel *>(view->listView()->model());
    QVERIFY(model);
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(fetchAllRows(*model));
    QCOMPARE(model->totalCount(), qint64(m_flagged.size()));
    QSet<qint64> shown;
    for (int row = 0; row < model->rowCount(); ++row) {
        shown.insert(model->itemIdAt(row));
        QCOMPARE(model->rowData(row)->status, ItemStatus::NeedsReview);
        QVERIFY(model->rowData(row)->outOfScope);
    }
    QCOMPARE(shown, m_flagged);

    // Back to any status: every item again.
    status->setCurrentIndex(status->findData(-1));
    QVERIFY(settleCatalogReads(window.session()));
    QVERIFY(fetchAllRows(*model));
    QCOMPARE(model->rowCount(), 6);
}

QTEST_MAIN(TestOutOfScopeReview)
#include "tst_outofscopereview.moc"
