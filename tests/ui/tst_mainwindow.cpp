#include "catalogwaits.h"
#include "catalogitemmodel.h"
#include "catalogsession.h"
#include "catalogview.h"
#include "dashboardmodels.h"
#include "dashboardwidget.h"
#include "departmentsdialog.h"
#include "displaytext.h"
#include "fakecollectionserver.h"
#include "itempanel.h"
#include "itemthumbnailmodel.h"
#include "mainwindow.h"
#include "metimportdialog.h"
#include "retraindialog.h"
#include "reviewwidget.h"
#include "testcatalogs.h"
#include "testimages.h"

#include "catalog/catalog.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "demo/syntheticimages.h"

#include <QAbstractItemModelTester>
#include <QBarCategoryAxis>
#include <QChartView>
#include <QJsonArray>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMimeData>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QSlider>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <QUrl>

using namespace accession;
using namespace accession::test;

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void itemModelsPassTheModelTester();
    void catalogModelPagesFiltersAndOrders();
    void itemPanelShowsPredictionsAndHistory();
    void droppedFilesAreImportedAndClassified();
    void reviewFromTheKeyboardWithUndo();
    void correctionElsewhereIsUndoneToo();
    void confusionCellListsItsItems();
    void confusionColumnsHaveDistinctShortLabels();
    void thresholdControlChangesWhatIsFiled();
    void retrainingDialogTrainsAndOffersComparison();
    void departmentsCanBeMergedAndGrouped();
    void metImportDialogListsDepartmentsAndImports();
    void reportsCatalogThatCannotOpen();
    void hostileDepartmentNamesShowAsPlainBoundedText();

private:
    QString freshCatalog(const QString &name) { return copyCatalog(m_fixture.catalogPath, m_dir.path(), name); }
    QTemporaryDir m_dir;
    ClassifiedCatalog m_fixture;
};

void TestMainWindow::initTestCase()
{
    m_fixture = makeClassifiedCatalog(m_dir.filePath(QStringLiteral("fixture")));
}

void TestMainWindow::itemModelsPassTheModelTester()
{
    const QString path = freshCatalog(QStringLiteral("tester.db"));
    Catalog catalog(path);
    CatalogWorker worker;
    QVERIFY(openWorkerAndWait(worker, path));
    CatalogItemModel items;
    QAbstractItemModelTester itemsTester(&items, QAbstractItemModelTester::FailureReportingMode::QtTest);
    items.setCatalog(&worker);
    QVERIFY(settleWorker(worker));
    while (items.canFetchMore(QModelIndex())) {
        items.fetchMore(QModelIndex());
        QVERIFY(settleWorker(worker));
    }
    QCOMPARE(items.rowCount(), 48 + 15);
    items.setFilter({0, ItemStatus::NeedsReview, QString()});
    QVERIFY(settleWorker(worker));
    items.setOrder(ItemOrder::LeastConfidentFirst);
    QVERIFY(settleWorker(worker));
    const qint64 refreshed = items.itemIdAt(0);
    items.refreshItem(refreshed);
    QVERIFY(settleWorker(worker));
    QCOMPARE(items.itemIdAt(0), refreshed);
    items.setCatalog(nullptr);

    const RegisteredModel model = *ModelRegistry(catalog).activeModel();
    const EvaluationReport report = EvaluationReport::fromJson(model.card.value(QStringLiteral("validation")).toObject());
    PerClassMetricsModel perClass;
    QAbstractItemModelTester perClassTester(&perClass, QAbstractItemModelTester::FailureReportingMode::QtTest);
    perClass.setReport(report);
    QCOMPARE(perClass.rowCount(), 3);
    ConfusionMatrixModel confusion;
    QAbstractItemModelTester confusionTester(&confusion, QAbstractItemModelTester::FailureReportingMode::QtTest);
    confusion.setReport(report);
    QCOMPARE(confusion.columnCount(), 3);
    ModelListModel models;
    QAbstractItemModelTester modelsTester(&models, QAbstractItemModelTester::FailureReportingMode::QtTest);
    models.setModels(ModelRegistry(catalog).models());
    QCOMPARE(models.rowCount(), 1);
}

void TestMainWindow::catalogModelPagesFiltersAndOrders()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("paged.db"));
    const int perDepartment = (CatalogItemModel::kPageSize + 150) / 2;
    writeDepartmentFolders(dir.filePath(QStringLiteral("in")), {QStringLiteral("A"), QStringLiteral("B")}, perDepartment, 16);
    importFolders(path, dir.filePath(QStringLiteral("in")));
    Catalog catalog(path);
    CatalogWorker worker;
    QVERIFY(openWorkerAndWait(worker, path));
    CatalogItemModel model;
    QSignalSpy firstPages(&model, &CatalogItemModel::firstPageLoaded);
    model.setCatalog(&worker);
    // Nothing is read on this thread: the first page and the count arrive from the catalog thread.
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.isLoading());
    QVERIFY(!model.canFetchMore(QModelIndex()));
    QVERIFY(settleWorker(worker));
    QCOMPARE(firstPages.size(), 1);
    QCOMPARE(model.totalCount(), 2 * perDepartment);
    QCOMPARE(model.rowCount(), CatalogItemModel::kPageSize);
    model.fetchMore(QModelIndex());
    QVERIFY(settleWorker(worker));
    QCOMPARE(model.rowCount(), 2 * perDepartment);
    QVERIFY(!model.canFetchMore(QModelIndex()));
    // Newest first: ids fall, with no row twice across the page boundary.
    QSet<qint64> seen;
    for (int row = 0; row < model.rowCount(); ++row) {
        QVERIFY(!seen.contains(model.itemIdAt(row)));
        seen.insert(model.itemIdAt(row));
        if (row > 0)
            QVERIFY(model.itemIdAt(row) < model.itemIdAt(row - 1));
    }
    // A department filter and a search.
    ItemFilter filter;
    filter.departmentId = *catalog.departmentIdByName(QStringLiteral("B"));
    model.setFilter(filter);
    QVERIFY(settleWorker(worker));
    QCOMPARE(model.totalCount(), perDepartment);
    // Two filters in quick succession: only the last one's rows arrive.
    filter.search = QStringLiteral("a-0007");
    model.setFilter(filter);
    filter.search = QStringLiteral("b-0007");
    model.setFilter(filter);
    QVERIFY(settleWorker(worker));
    QCOMPARE(model.totalCount(), 1);
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(model.index(0, CatalogItemModel::FileColumn).data().toString().contains(QStringLiteral("b-0007")));
    // Thumbnails arrive from the loader thread.
    model.setFilter({});
    QVERIFY(settleWorker(worker));
    const QModelIndex first = model.index(0, CatalogItemModel::FileColumn);
    first.data(Qt::DecorationRole);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QTRY_VERIFY(!changed.isEmpty());
}

void TestMainWindow::itemPanelShowsPredictionsAndHistory()
{
    const QString path = freshCatalog(QStringLiteral("panel.db"));
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    ItemPanel panel(&session);
    Catalog &catalog = *testCatalog(&session);
    const RegisteredModel model = *ModelRegistry(catalog).activeModel();
    const ItemRow waiting = ReviewStore(catalog).queue(model.id, 2.0, 1).first();
    panel.showItem(waiting.id);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(panel.chartCategories().size(), 3);
    QCOMPARE(panel.chartCategories().last(), waiting.predicted); // drawn bottom-up: the top candidate last
    QVERIFY(std::abs(panel.chartValues().last() - waiting.confidence) < 1e-3);
    QCOMPARE(panel.historyList()->count(), 2); // imported, predicted
    panel.departmentBox()->setCurrentText(QStringLiteral("Asian Art"));
    QTest::mouseClick(panel.fileButton(), Qt::LeftButton);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(catalog.item(waiting.id)->department, QStringLiteral("Asian Art"));
    QCOMPARE(panel.historyList()->count(), 4); // + curator label, + decision
}

void TestMainWindow::droppedFilesAreImportedAndClassified()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, freshCatalog(QStringLiteral("drop.db"))));
    window.show();
    QTemporaryDir drop;
    writeDepartmentFolders(drop.filePath(QStringLiteral("tmp")), {QStringLiteral("Asian Art")}, 3, 40, 99);
    QList<QUrl> urls;
    for (const QString &name : QDir(drop.filePath(QStringLiteral("tmp/Asian Art"))).entryList(QDir::Files))
        urls << QUrl::fromLocalFile(drop.filePath(QStringLiteral("tmp/Asian Art/") + name));
    writeFile(drop.filePath(QStringLiteral("broken.jpg")), "this is not a photograph");
    urls << QUrl::fromLocalFile(drop.filePath(QStringLiteral("broken.jpg")));
    auto *mime = new QMimeData;
    mime->setUrls(urls);

    QSignalSpy ended(&window, &MainWindow::jobEnded);
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent dropEvent(QPointF(50, 50), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &dropEvent);
    QVERIFY(settleCatalogReads(window.session())); // whether there is a model to classify with, read first
    QVERIFY(window.isJobRunning() || !ended.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(ended.size(), 1, 120000);
    QVERIFY(ended.first().first().toBool());
    Catalog &catalog = *testCatalog(window.session());
    QCOMPARE(catalog.itemCount(), 48 + 15 + 3);
    const qint64 model = ModelRegistry(catalog).activeModel()->id;
    QCOMPARE(ReviewStore(catalog).predictionCount(model), 15 + 3); // the fixture's incoming items, and the dropped ones
    // The broken file is reported in the problems panel, not in a dialog.
    QCOMPARE(window.problemsTable()->rowCount(), 1);
    QVERIFY(window.problemsTable()->item(0, 2)->text().contains(QStringLiteral("not an image")));
    delete mime;
}

void TestMainWindow::reviewFromTheKeyboardWithUndo()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, freshCatalog(QStringLiteral("review.db"))));
    Catalog &catalog = *testCatalog(window.session());
    ModelRegistry(catalog).setThreshold(ModelRegistry(catalog).activeModel()->id, 1.0);
    window.session()->notifyModelsChanged();
    QVERIFY(settleCatalogReads(window.session()));
    window.show();
    window.showReview();
    ReviewWidget *review = window.reviewWidget();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const qint64 before = review->remaining();
    QVERIFY(before >= 3);

    // Enter accepts the suggestion. The next item shows at once, from the page read ahead; the decision is
    // written on the catalog thread meanwhile.
    const qint64 first = review->currentItemId();
    const QString suggested = ReviewStore(catalog).queue(ModelRegistry(catalog).activeModel()->id, 1.0, 1).first().predicted;
    QTest::keyClick(review, Qt::Key_Return);
    QVERIFY(review->currentItemId() != first);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(first)->department, suggested);
    QCOMPARE(catalog.item(first)->labelSource, std::optional<LabelSource>(LabelSource::Curator));
    QCOMPARE(review->remaining(), before - 1);

    // A department's fixed key files under that department.
    const qint64 second = review->currentItemId();
    const QString ranked2 = review->departmentForKey(QLatin1Char('2'));
    QVERIFY(!ranked2.isEmpty());
    QTest::keyClick(review, Qt::Key_2);
    QVERIFY(review->currentItemId() != second);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(second)->department, ranked2);

    // S skips: the item goes to the back of the queue, no label.
    const qint64 third = review->currentItemId();
    QTest::keyClick(review, Qt::Key_S);
    QVERIFY(review->currentItemId() != third);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(third)->labelId, 0);
    QVERIFY(review->currentItemId() != third);
    QCOMPARE(review->remaining(), before - 2);

    // Ctrl+Z undoes, most recent first: the skip, then the choice; each brings its item back at once.
    QTest::keyClick(review, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(review->currentItemId(), third);
    QTest::keyClick(review, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(review->currentItemId(), second);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(second)->labelId, 0);
    QCOMPARE(review->remaining(), before - 1);
    QCOMPARE(window.session()->undoStack()->count(), 3);
    QVERIFY(ReviewStore(catalog).decisions(second).first().undone);
    // Redo takes it away again, and the queue moves on.
    window.session()->undoStack()->redo();
    QCOMPARE(review->currentItemId(), third);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(second)->department, ranked2);
    QCOMPARE(review->remaining(), before - 2);
}

void TestMainWindow::correctionElsewhereIsUndoneToo()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, freshCatalog(QStringLiteral("elsewhere.db"))));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    Catalog &catalog = *testCatalog(window.session());
    const qint64 item = catalog.items(0, 1).first().id; // an imported, labelled item
    const QString before = catalog.item(item)->department;
    window.itemPanel()->showItem(item);
    QVERIFY(settleCatalogReads(window.session()));
    const QString other = before == QLatin1String("Asian Art") ? QStringLiteral("Arms and Armor") : QStringLiteral("Asian Art");
    window.itemPanel()->departmentBox()->setCurrentText(other);
    QTest::mouseClick(window.itemPanel()->fileButton(), Qt::LeftButton);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(item)->department, other);
    window.session()->undoStack()->undo();
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(item)->department, before);
    QCOMPARE(catalog.item(item)->labelSource, std::optional<LabelSource>(LabelSource::Imported));
    window.session()->undoStack()->redo();
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(item)->department, other);
}

void TestMainWindow::confusionCellListsItsItems()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, freshCatalog(QStringLiteral("confusion.db"))));
    window.show();
    window.showDashboard();
    DashboardWidget *dashboard = window.dashboard();
    QTRY_VERIFY_WITH_TIMEOUT(dashboard->hasItemEvaluation(), 60000);
    // The summary names the epoch whose weights the model kept.
    const QJsonObject kept = ModelRegistry(*testCatalog(window.session())).activeModel()->card.value(QStringLiteral("training"))
                                 .toObject().value(QStringLiteral("kept_epoch")).toObject();
    QVERIFY(kept.value(QStringLiteral("epoch")).toInt() > 0);
    QVERIFY2(dashboard->summary()->text().contains(QStringLiteral("Weights of epoch %1 (%2 phase)")
                                                        .arg(kept.value(QStringLiteral("epoch")).toInt())
                                                        .arg(kept.value(QStringLiteral("phase")).toString())),
             qPrintable(dashboard->summary()->text()));
    QTableView *view = dashboard->confusionView();
    QModelIndex fullest;
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        for (int column = 0; column < view->model()->columnCount(); ++column) {
            const QModelIndex cell = view->model()->index(row, column);
            if (!fullest.isValid() || cell.data().toInt() > fullest.data().toInt())
                fullest = cell;
        }
    }
    const int expected = fullest.data().toInt();
    QVERIFY(expected > 0);
    // The per-department bars carry the same short labels as the matrix's columns.
    QStringList columnLabels;
    for (int column = 0; column < view->model()->columnCount(); ++column)
        columnLabels << view->model()->headerData(column, Qt::Horizontal).toString();
    QStringList barLabels;
    for (QChartView *chartView : dashboard->findChildren<QChartView *>()) {
        for (QAbstractAxis *axis : chartView->chart()->axes(Qt::Horizontal)) {
            if (auto *categories = qobject_cast<QBarCategoryAxis *>(axis))
                barLabels = categories->categories();
        }
    }
    QCOMPARE(barLabels, columnLabels);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, view->visualRect(fullest).center());
    QCOMPARE(dashboard->cellItems()->rowCount(), expected);
    // Opening one shows it in the item panel.
    const QModelIndex first = dashboard->cellItems()->index(0);
    const qint64 itemId = first.data(ItemThumbnailModel::ItemIdRole).toLongLong();
    Q_EMIT dashboard->cellGrid()->activated(first);
    QCOMPARE(window.itemPanel()->itemId(), itemId);
    QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget *>(window.catalogView()));
}

void TestMainWindow::confusionColumnsHaveDistinctShortLabels()
{
    const QStringList met = {QStringLiteral("Arms and Armor"),
                             QStringLiteral("Arts of Africa, Oceania, and the Americas"),
                             QStringLiteral("Asian Art"),
                             QStringLiteral("Drawings and Prints"),
                             QStringLiteral("European Paintings"),
                             QStringLiteral("European Sculpture and Decorative Arts"),
                             QStringLiteral("Greek and Roman Art"),
                             QStringLiteral("Musical Instruments"),
                             QStringLiteral("The American Wing")};
    const QStringList labels = shortDepartmentLabels(met);
    QCOMPARE(labels, (QStringList{QStringLiteral("ArA"), QStringLiteral("AAOA"), QStringLiteral("AsA"), QStringLiteral("DP"),
                                  QStringLiteral("EP"), QStringLiteral("ESDA"), QStringLiteral("GRA"), QStringLiteral("MI"),
                                  QStringLiteral("AW")}));
    // Alike to the end of the first word: the position tells them apart.
    QCOMPARE(shortDepartmentLabels({QStringLiteral("Asian Art"), QStringLiteral("Asian Arts"), QStringLiteral("prints")}),
             (QStringList{QStringLiteral("AA1"), QStringLiteral("AA2"), QStringLiteral("pr")}));

    EvaluationReport report;
    report.classes = met;
    report.confusion = QVector<QVector<int>>(met.size(), QVector<int>(met.size(), 0));
    ConfusionMatrixModel confusion;
    confusion.setReport(report);
    QCOMPARE(confusion.headerData(0, Qt::Horizontal).toString(), QStringLiteral("ArA"));
    QCOMPARE(confusion.headerData(2, Qt::Horizontal).toString(), QStringLiteral("AsA"));
    QCOMPARE(confusion.headerData(2, Qt::Vertical).toString(), QStringLiteral("AsA"));
    QCOMPARE(confusion.headerData(2, Qt::Vertical, ConfusionMatrixModel::FullNameRole).toString(), QStringLiteral("Asian Art"));
}

void TestMainWindow::thresholdControlChangesWhatIsFiled()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, freshCatalog(QStringLiteral("threshold.db"))));
    Catalog &catalog = *testCatalog(window.session());
    const qint64 model = ModelRegistry(catalog).activeModel()->id;
    window.show();
    window.showDashboard(); // a hidden dashboard counts only when shown
    DashboardWidget *dashboard = window.dashboard();
    QSignalSpy counted(dashboard, &DashboardWidget::consequencesCounted);
    dashboard->thresholdSlider()->setValue(1000);
    QTRY_VERIFY(!counted.isEmpty()); // counted off the GUI thread, a moment after the slider stops
    const QString strict = dashboard->consequences()->text();
    QTest::mouseClick(dashboard->applyThresholdButton(), Qt::LeftButton);
    QVERIFY(settleCatalogReads(window.session())); // written on the catalog thread
    QCOMPARE(ModelRegistry(catalog).model(model)->threshold, 1.0);
    const qint64 filedStrict = ReviewStore(catalog).statusCounts().value(ItemStatus::AutoFiled);

    counted.clear();
    dashboard->thresholdSlider()->setValue(0);
    QTRY_VERIFY(!counted.isEmpty());
    QVERIFY(dashboard->consequences()->text() != strict);
    // At 0 every prediction is filed but those out of scope, which never are.
    QSqlQuery inScope = catalog.run(QStringLiteral("SELECT COUNT(*) FROM predictions p JOIN items i ON i.id = p.item_id"
                                                   " WHERE p.model_id = :m AND i.current_label_id IS NULL AND p.out_of_scope = 0"),
                                    {{QStringLiteral("m"), model}});
    QVERIFY(inScope.next());
    const qint64 filedAtZero = inScope.value(0).toLongLong();
    inScope.finish();
    QVERIFY(filedAtZero > 10);
    QVERIFY2(dashboard->consequences()->text().contains(QStringLiteral("%1 of 15").arg(filedAtZero)), qPrintable(dashboard->consequences()->text()));
    QCOMPARE(ReviewStore(catalog).statusCounts().value(ItemStatus::AutoFiled), filedStrict); // not applied yet
    QTest::mouseClick(dashboard->applyThresholdButton(), Qt::LeftButton);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(ReviewStore(catalog).statusCounts().value(ItemStatus::AutoFiled), filedAtZero);
    QVERIFY(filedStrict < filedAtZero);

    // Hidden, the dashboard leaves the counting until it is shown again.
    window.showCatalog();
    counted.clear();
    dashboard->thresholdSlider()->setValue(500);
    QTest::qWait(400); // past the 150 ms pause after the slider stops
    QVERIFY(counted.isEmpty());
    window.showDashboard();
    QTRY_VERIFY(!counted.isEmpty());
    QVERIFY(dashboard->consequences()->text().contains(percentText(0.5)));
}

void TestMainWindow::retrainingDialogTrainsAndOffersComparison()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, freshCatalog(QStringLiteral("retrain.db"))));
    RetrainDialog dialog(window.session());
    QVERIFY(settleCatalogReads(window.session()));
    TrainingOptions options;
    options.architecture = Architecture::Baseline;
    options.imageSize = 32;
    options.epochs = 3;
    options.outPath = m_dir.filePath(QStringLiteral("retrained.safetensors"));
    dialog.setOptions(options);
    QSignalSpy epochs(&dialog, &RetrainDialog::epochFinished);
    QSignalSpy compared(&dialog, &RetrainDialog::comparisonShown);
    dialog.start();
    QVERIFY(dialog.isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(compared.size(), 1, 300000);
    QVERIFY(epochs.size() >= 1);
    QVERIFY(dialog.comparisonReady());
    QCOMPARE(dialog.comparisonTable()->rowCount(), 1 + 3); // all, then each department
    QVERIFY(dialog.comparisonTable()->item(0, 1)->text().endsWith(QLatin1Char('%'))); // the active model, measured
    QVERIFY(dialog.comparisonTable()->item(0, 2)->text().endsWith(QLatin1Char('%'))); // the new one
    QVERIFY(dialog.activateButton()->isEnabled());
    QSignalSpy activated(&dialog, &RetrainDialog::modelActivated);
    QTest::mouseClick(dialog.activateButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(activated.size(), 1, 60000); // registered off the GUI thread
    const auto active = ModelRegistry(*testCatalog(window.session())).activeModel();
    QCOMPARE(active->weightsPath, options.outPath);
    QCOMPARE(ModelRegistry(*testCatalog(window.session())).models().size(), 2);
}

void TestMainWindow::departmentsCanBeMergedAndGrouped()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, freshCatalog(QStringLiteral("departments.db"))));
    window.show();
    Catalog &catalog = *testCatalog(window.session());
    DepartmentsDialog dialog(window.session());
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(dialog.list()->count(), 3);
    QSignalSpy edited(&dialog, &DepartmentsDialog::editFinished);
    const auto edit = [&](const std::function<void()> &action) {
        edited.clear();
        action();
        return settleCatalogReads(window.session()) && edited.size() == 1 && edited.first().first().toBool();
    };
    QVERIFY(edit([&] { dialog.addDepartment(QStringLiteral("Egyptian Art")); }));
    QCOMPARE(dialog.list()->count(), 4);
    const qint64 drawings = *catalog.departmentIdByName(QStringLiteral("Drawings and Prints"));
    QVERIFY(edit([&] { dialog.renameDepartment(drawings, QStringLiteral("Works on Paper")); }));
    QCOMPARE(*catalog.departmentIdByName(QStringLiteral("Drawings and Prints")), drawings);

    // Group two departments; the item panel can then show predictions by group.
    const qint64 arms = *catalog.departmentIdByName(QStringLiteral("Arms and Armor"));
    const qint64 asian = *catalog.departmentIdByName(QStringLiteral("Asian Art"));
    QVERIFY(edit([&] { dialog.setGroup(arms, QStringLiteral("Objects")); }));
    QVERIFY(edit([&] { dialog.setGroup(asian, QStringLiteral("Objects")); }));
    const qint64 item = ReviewStore(catalog).queue(ModelRegistry(catalog).activeModel()->id, 2.0, 1).first().id;
    window.itemPanel()->showItem(item);
    QVERIFY(settleCatalogReads(window.session()));
    QVERIFY(!window.itemPanel()->groupsBox()->isHidden());
    window.itemPanel()->groupsBox()->setChecked(true);
    const QStringList groups = window.itemPanel()->chartCategories();
    QCOMPARE(groups.size(), 2);
    QVERIFY(groups.contains(QStringLiteral("Objects")));
    QVERIFY(groups.contains(QStringLiteral("Works on Paper")));
    double sum = 0;
    for (qreal value : window.itemPanel()->chartValues())
        sum += value;
    QVERIFY(std::abs(sum - 1.0) < 0.01);

    // Merging moves the labels and keeps the old name working.
    const qint64 armsItems = catalog.stats().byDepartment[0].count;
    QVERIFY(edit([&] { dialog.mergeDepartments(arms, asian); }));
    QCOMPARE(dialog.list()->count(), 3);
    QCOMPARE(*catalog.departmentIdByName(QStringLiteral("Arms and Armor")), asian);
    qint64 asianItems = 0;
    for (const DepartmentCount &count : catalog.stats().byDepartment)
        asianItems += count.department == QLatin1String("Asian Art") ? count.count : 0;
    QVERIFY(asianItems >= armsItems + 16);
    QVERIFY(!edit([&] { dialog.mergeDepartments(asian, asian); })); // refused, with a message in the dialog
    QCOMPARE(edited.size(), 1);
    QVERIFY(dialog.lastError().contains(QStringLiteral("itself")));
}

void TestMainWindow::metImportDialogListsDepartmentsAndImports()
{
    // A Met-shaped API on loopback: two departments, 4 and 3 objects; one object has no image.
    FakeCollectionServer server(m_dir.filePath(QStringLiteral("met-server")));
    const QStringList names = {QStringLiteral("Arms and Armor"), QStringLiteral("Egyptian Art")};
    QJsonArray departments;
    QJsonObject objects;
    for (int d = 1; d <= 2; ++d) {
        departments.append(QJsonObject{{QStringLiteral("departmentId"), d}, {QStringLiteral("displayName"), names[d - 1]}});
        for (int i = 0; i < 5 - d; ++i) {
            const int id = d * 100 + i;
            const bool withImage = id != 101;
            if (withImage)
                server.writeImage(QStringLiteral("%1.jpg").arg(id), renderSyntheticImage(d - 1, 64, quint32(id), QStringLiteral("jpg")));
            const QString image = withImage ? QStringLiteral("{BASE}/images/%1.jpg").arg(id) : QString();
            objects.insert(QString::number(id), QJsonObject{{QStringLiteral("objectID"), id}, {QStringLiteral("isPublicDomain"), true},
                                                            {QStringLiteral("primaryImage"), image}, {QStringLiteral("primaryImageSmall"), image},
                                                            {QStringLiteral("department"), names[d - 1]},
                                                            {QStringLiteral("title"), QStringLiteral("Object %1").arg(id)},
                                                            {QStringLiteral("_departmentId"), d}});
        }
    }
    server.writeConfig(QJsonObject{{QStringLiteral("departments"), departments}, {QStringLiteral("objects"), objects}});
    QVERIFY(server.start());

    MainWindow window;
    QVERIFY(window.openMetImportDialog() == nullptr); // no catalog yet
    const QString path = m_dir.filePath(QStringLiteral("met.db"));
    { Catalog create(path, Catalog::OpenMode::CreateIfMissing); }
    QVERIFY(openCatalogAndWait(window, path));
    window.show();
    MetImportDialog *dialog = window.openMetImportDialog();
    QVERIFY(dialog);
    HttpPolicy policy;
    policy.requestsPerSecond = 50;
    policy.backoffMs = 50;
    dialog->setPolicy(policy);
    dialog->setBaseUrl(server.api());
    QVERIFY(!dialog->startButton()->isEnabled());

    QSignalSpy loaded(dialog, &MetImportDialog::departmentsLoaded);
    dialog->loadDepartments();
    QVERIFY(loaded.wait(20000));
    QVERIFY(loaded.first().first().toBool());
    QTableWidget *table = dialog->departmentTable();
    QCOMPARE(table->rowCount(), 2);
    QCOMPARE(table->item(0, 0)->text(), names[0]);
    QCOMPARE(table->item(0, 1)->text(), QStringLiteral("4"));
    QCOMPARE(table->item(1, 1)->text(), QStringLiteral("3"));

    // Department 1 only, 3 images: 101 has no image, so it is skipped and replaced from the rest of the list.
    dialog->setDepartmentChecked(1, true);
    dialog->setPerDepartment(3);
    QVERIFY(dialog->startButton()->isEnabled());
    QSignalSpy ended(dialog, &MetImportDialog::importEnded);
    QTest::mouseClick(dialog->startButton(), Qt::LeftButton);
    QVERIFY(ended.wait(30000));
    QVERIFY2(ended.first().first().toBool(), qPrintable(dialog->statusText()));
    const CollectionImportSummary first = dialog->lastSummary();
    QCOMPARE(first.imported, qint64(3));
    QCOMPARE(first.skipped, qint64(1));
    QVERIFY(dialog->statusText().startsWith(QStringLiteral("Finished")));
    QCOMPARE(testCatalog(window.session())->itemCount(), int(first.imported));
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(window.itemModel()->totalCount(), first.imported); // the open catalog view was refreshed
    for (const Problem &skipped : first.skippedReasons)
        QVERIFY(skipped.reason.contains(QStringLiteral("no image")));
    // The item panel shows what The Met said of the object, with a link to its page.
    QVERIFY(fetchAllRows(*window.itemModel()));
    const qint64 firstItem = window.itemModel()->itemIdAt(0);
    QVERIFY(firstItem > 0);
    window.itemPanel()->showItem(firstItem);
    QVERIFY(settleCatalogReads(window.session()));
    QVERIFY2(window.itemPanel()->detailsText().contains(QStringLiteral("Title: Object 10")), qPrintable(window.itemPanel()->detailsText()));
    QVERIFY(window.itemPanel()->detailsText().contains(QStringLiteral("From The Met Collection API")));
    // What was skipped reaches the problem list, with the object named.
    QCOMPARE(window.problemsTable()->rowCount(), int(first.skippedReasons.size()));

    // Importing again fetches nothing twice.
    server.clearLog();
    QTest::mouseClick(dialog->startButton(), Qt::LeftButton);
    QVERIFY(ended.wait(30000));
    QCOMPARE(dialog->lastSummary().imported, qint64(0));
    QCOMPARE(dialog->lastSummary().alreadyDone, qint64(4));
    for (const auto &request : server.requests())
        QVERIFY2(!request.second.contains(QStringLiteral("/images/")), qPrintable(request.second));
    dialog->close();
}

void TestMainWindow::reportsCatalogThatCannotOpen()
{
    QTemporaryDir dir;
    {
        Catalog catalog(dir.filePath(QStringLiteral("future.db")), Catalog::OpenMode::CreateIfMissing);
        catalog.setSetting(QStringLiteral("schema_version"), QStringLiteral("42"));
    }
    MainWindow window;
    QVERIFY(!openCatalogAndWait(window, dir.filePath(QStringLiteral("future.db"))));
    QVERIFY(window.catalogPath().isEmpty());
}

void TestMainWindow::hostileDepartmentNamesShowAsPlainBoundedText()
{
    const QString path = freshCatalog(QStringLiteral("hostile.db"));
    QTemporaryDir dir;
    const QString picture = dir.filePath(QStringLiteral("p.png"));
    writeFile(picture, renderSyntheticImage(0, 32, 1, QStringLiteral("png")));
    const QString hostile = QStringLiteral("<img src=%1><font size=7>x</font>").arg(picture);
    const QString huge = QStringLiteral("Huge ") + QString(100 * 1024, QLatin1Char('n'));
    {
        // Stored directly, model included: display must be safe for any name a catalog already holds.
        Catalog catalog(path);
        for (const auto &[from, to] : {std::pair{QStringLiteral("Arms and Armor"), hostile}, std::pair{QStringLiteral("Asian Art"), huge}}) {
            catalog.run(QStringLiteral("UPDATE departments SET name = :to WHERE name = :from"), {{QStringLiteral("to"), to}, {QStringLiteral("from"), from}});
            for (const QString &column : {QStringLiteral("card"), QStringLiteral("classes")})
                catalog.run(QStringLiteral("UPDATE models SET %1 = replace(%1, :from, :to)").arg(column),
                            {{QStringLiteral("to"), to}, {QStringLiteral("from"), from}});
        }
    }
    const auto isLiteral = [](const QString &shown) { return !shown.contains(QStringLiteral("<img")) && !shown.contains(QStringLiteral("<font")); };

    MainWindow window;
    QVERIFY(openCatalogAndWait(window, path));
    window.show();
    Catalog &catalog = *testCatalog(window.session());
    const qint64 model = ModelRegistry(catalog).activeModel()->id;
    const qint64 item = ReviewStore(catalog).queue(model, 2.0, 1).first().id;
    window.itemPanel()->showItem(item);
    QVERIFY(settleCatalogReads(window.session()));

    // The chart's categories (rich text to Qt Charts) are escaped and elided.
    const QStringList categories = window.itemPanel()->chartCategories();
    QCOMPARE(categories.size(), 3);
    // Whole names where they fit, else the dashboard's short labels (the name on hover).
    const QStringList classes = ModelRegistry(catalog).activeModel()->classes;
    const QStringList shortLabels = richTextSafeLabels(shortDepartmentLabels(classes));
    for (const QString &name : {hostile, huge})
        QVERIFY2(categories.contains(elided(name).toHtmlEscaped()) || categories.contains(shortLabels.value(classes.indexOf(name))),
                 qPrintable(categories.join(QLatin1Char('|')).left(300)));
    for (const QString &category : categories) {
        QVERIFY2(isLiteral(category), qPrintable(category));
        QVERIFY(category.size() <= kShownNameChars * 2);
    }
    // The department box shows names elided and files under the full one.
    QComboBox *box = window.itemPanel()->departmentBox();
    int hugeIndex = -1;
    for (int i = 0; i < box->count(); ++i) {
        QVERIFY(box->itemText(i).size() <= kShownNameChars);
        if (box->itemText(i) == elided(huge))
            hugeIndex = i;
    }
    QVERIFY(hugeIndex >= 0);
    box->setCurrentIndex(hugeIndex);
    QTest::mouseClick(window.itemPanel()->fileButton(), Qt::LeftButton);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(item)->department, huge);
    QVERIFY(window.itemPanel()->titleLabel()->text().contains(elided(huge).toHtmlEscaped()));

    // Every label and list of the window: nothing rendered as markup, nothing unbounded.
    const auto auditWidgets = [&] {
        for (QLabel *label : window.findChildren<QLabel *>()) {
            QVERIFY2(isLiteral(label->text()) || label->textFormat() == Qt::PlainText, qPrintable(label->text().left(200)));
            QVERIFY2(label->text().size() < 4 * kShownMessageChars, qPrintable(label->text().left(200)));
        }
        for (QListWidget *list : window.findChildren<QListWidget *>()) {
            for (int row = 0; row < list->count(); ++row)
                QVERIFY2(list->item(row)->text().size() < 2 * kShownMessageChars, qPrintable(list->item(row)->text().left(200)));
        }
        for (QComboBox *combo : window.findChildren<QComboBox *>()) {
            for (int i = 0; i < combo->count(); ++i)
                QVERIFY(combo->itemText(i).size() <= kShownNameChars);
        }
    };
    auditWidgets();

    // The dashboard: the accuracy chart's categories, the confusion matrix's headers and tooltips, and a cell's title.
    window.showDashboard();
    DashboardWidget *dashboard = window.dashboard();
    QTRY_VERIFY_WITH_TIMEOUT(dashboard->hasItemEvaluation(), 60000);
    for (QChartView *chartView : dashboard->findChildren<QChartView *>()) {
        for (QAbstractAxis *axis : chartView->chart()->axes()) {
            if (auto *categoryAxis = qobject_cast<QBarCategoryAxis *>(axis)) {
                for (const QString &category : categoryAxis->categories())
                    QVERIFY2(isLiteral(category) && category.size() <= kShownNameChars * 2, qPrintable(category.left(200)));
            }
        }
    }
    // The confusion matrix's names (here from the model file, which has the old ones) and a report with the new.
    const EvaluationReport report = EvaluationReport::fromJson(ModelRegistry(catalog).activeModel()->card.value(QStringLiteral("validation")).toObject());
    const int hostileRow = int(report.classes.indexOf(hostile));
    QVERIFY2(hostileRow >= 0, qPrintable(report.classes.join(QLatin1Char('|')).left(300)));
    ConfusionMatrixModel confusion;
    confusion.setReport(report);
    for (int row = 0; row < confusion.rowCount(); ++row) {
        const QString header = confusion.headerData(row, Qt::Vertical).toString();
        QVERIFY(header.size() <= kShownNameChars);
        QVERIFY(confusion.headerData(row, Qt::Horizontal).toString().size() <= kShownNameChars);
        for (const QString &tip : {confusion.headerData(row, Qt::Vertical, Qt::ToolTipRole).toString(),
                                   confusion.index(row, row).data(Qt::ToolTipRole).toString()})
            QVERIFY2(isLiteral(tip) && tip.size() < 4 * kToolTipChars, qPrintable(tip.left(200)));
    }
    QCOMPARE(confusion.headerData(hostileRow, Qt::Vertical, ConfusionMatrixModel::FullNameRole).toString(), hostile);
    QTableView *view = dashboard->confusionView();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, view->visualRect(view->model()->index(hostileRow, hostileRow)).center());
    QCOMPARE(dashboard->cellTitle()->textFormat(), Qt::PlainText);
    QVERIFY2(dashboard->cellTitle()->text().contains(QStringLiteral("of %1 predicted as %1").arg(elided(hostile))), qPrintable(dashboard->cellTitle()->text()));
    auditWidgets();

    // The departments dialog lists them elided too.
    DepartmentsDialog departments(window.session());
    QVERIFY(settleCatalogReads(window.session()));
    QVERIFY(departments.list()->count() > 0);
    for (int row = 0; row < departments.list()->count(); ++row)
        QVERIFY2(departments.list()->item(row)->text().size() < kShownNameChars + 40, qPrintable(departments.list()->item(row)->text().left(300)));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
