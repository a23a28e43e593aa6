#include "catalogwaits.h"
#include "catalogsession.h"
#include "dashboardmodels.h"
#include "dashboardwidget.h"
#include "displaytext.h"
#include "itempanel.h"
#include "mainwindow.h"
#include "itemthumbnailmodel.h"
#include "testcatalogs.h"

#include "catalog/catalog.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "ml/evaluation.h"
#include "ml/metrics.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QGraphicsScene>
#include <QGraphicsTextItem>
#include <QComboBox>
#include <QFontMetrics>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QScrollArea>
#include <QScrollBar>
#include <QSet>
#include <QSignalSpy>
#include <QStyle>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

namespace {

// Twenty of The Met's departments, with the names whose initials collide (Arms and Armor / Asian Art / Arts of
// Africa..., European Paintings / Egyptian Art...) and a leading "The".
const QStringList kDepartments = {
    QStringLiteral("Ancient Near Eastern Art"), QStringLiteral("Arms and Armor"),
    QStringLiteral("Arts of Africa, Oceania, and the Americas"), QStringLiteral("Asian Art"),
    QStringLiteral("The Costume Institute"), QStringLiteral("Drawings and Prints"), QStringLiteral("Egyptian Art"),
    QStringLiteral("European Paintings"), QStringLiteral("European Sculpture and Decorative Arts"),
    QStringLiteral("Greek and Roman Art"), QStringLiteral("Islamic Art"), QStringLiteral("The Robert Lehman Collection"),
    QStringLiteral("The Libraries"), QStringLiteral("Medieval Art"), QStringLiteral("Modern and Contemporary Art"),
    QStringLiteral("Musical Instruments"), QStringLiteral("Photographs"), QStringLiteral("The American Wing"),
    QStringLiteral("The Cloisters"), QStringLiteral("The Michael C. Rockefeller Wing")};

constexpr int kPerDepartment = 3;

} // namespace

class TestConfusionMatrix : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shortLabelsAreDistinctAndShort();
    void confusionModelPassesTheModelTester();
    void wholeMatrixFitsAt1366x768();
    void normalisingMakesRowsAndColumnsSumToOne();
    void cellOpensAThumbnailGridOfItsItems();
    void itemPanelSaysWhyThereIsNoChart();
    void chartLabelsShowWhole();
    void itemPanelLabelsWholeInTheWindow();

private:
    // The dashboard of the session's model, sized as on a 1366x768 screen, with its items' evaluation.
    void showDashboard(CatalogSession &session, DashboardWidget &dashboard);

    QTemporaryDir m_dir;
    QString m_catalogPath;
    EvaluationResult m_result;
};

void TestConfusionMatrix::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_catalogPath = m_dir.filePath(QStringLiteral("twenty.db"));
    writeDepartmentFolders(m_dir.filePath(QStringLiteral("photos")), kDepartments, kPerDepartment, 24);
    importFolders(m_catalogPath, m_dir.filePath(QStringLiteral("photos")));

    // A model's evaluation of every item: most right, every third item of a department taken for the next one.
    Catalog catalog(m_catalogPath);
    const QVector<ItemRow> items = catalog.labelledItems();
    QCOMPARE(items.size(), kDepartments.size() * kPerDepartment);
    LogitSet logits;
    logits.classes = int(kDepartments.size());
    QVector<int> perDepartmentSeen(kDepartments.size(), 0);
    for (const ItemRow &item : items) {
        const int trueClass = int(kDepartments.indexOf(item.department));
        QVERIFY2(trueClass >= 0, qPrintable(item.department));
        const bool wrong = perDepartmentSeen[trueClass]++ % kPerDepartment == 0;
        const int predicted = wrong ? (trueClass + 1) % logits.classes : trueClass;
        for (int c = 0; c < logits.classes; ++c)
            logits.logits.push_back(c == predicted ? 4.0f : 0.0f);
        logits.labels.push_back(trueClass);
        EvaluatedExample example;
        example.itemId = item.id;
        example.path = item.path;
        example.trueClass = trueClass;
        example.predictedClass = predicted;
        example.confidence = 0.9;
        m_result.examples << example;
    }
    m_result.report = evaluate(logits, kDepartments, 1.0);
    m_result.evaluatedOn = QStringLiteral("test");
    QCOMPARE(m_result.report.confusion.size(), kDepartments.size());

    // Registered as the active model; its weights file does not exist, so the evaluation comes from the test.
    QJsonObject card;
    card.insert(QStringLiteral("architecture"), QStringLiteral("mobilenet_v2"));
    card.insert(QStringLiteral("classes"), QJsonArray::fromStringList(kDepartments));
    card.insert(QStringLiteral("temperature"), 1.0);
    card.insert(QStringLiteral("threshold"), 0.9);
    card.insert(QStringLiteral("validation"), m_result.report.toJson());
    ModelRegistry(catalog).registerModel(m_dir.filePath(QStringLiteral("absent.safetensors")), QStringLiteral("hash-20"), card);
    QVERIFY(ModelRegistry(catalog).activeModel().has_value());
}

void TestConfusionMatrix::showDashboard(CatalogSession &session, DashboardWidget &dashboard)
{
    dashboard.resize(1366, 768);
    dashboard.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dashboard));
    QVERIFY(settleCatalogReads(&session)); // the model, read on the catalog thread
    dashboard.setItemEvaluation(m_result);
    QApplication::processEvents(); // layouts settle
    QVERIFY(!dashboard.isShowingEmptyState());
    QCOMPARE(dashboard.confusionModel()->rowCount(), kDepartments.size());
}

void TestConfusionMatrix::shortLabelsAreDistinctAndShort()
{
    const QList<QStringList> nameSets = {
        kDepartments,
        // Alike to the end of the first word, and beyond.
        {QStringLiteral("Asian Art"), QStringLiteral("Asian Arts"), QStringLiteral("Asian Art "), QStringLiteral("prints")},
        // Same initials, first words that differ late.
        {QStringLiteral("European Paintings"), QStringLiteral("European Prints"), QStringLiteral("Egyptian Paintings"),
         QStringLiteral("Europe Pictures")},
        // One-word names sharing their first letters, and a name with "The" only.
        {QStringLiteral("Photographs"), QStringLiteral("Photography"), QStringLiteral("Prints"), QStringLiteral("The")},
        // Many capitalised words, punctuation, other scripts, no capitals, and empty or blank names.
        {QStringLiteral("Department Of Very Many Capitalised Words Indeed"), QStringLiteral("Department Of Very Many Capitals"),
         QStringLiteral("Arms & Armor"), QStringLiteral("Arms/Armor"), QStringLiteral("日本 美術"), QStringLiteral("日本 書道"),
         QStringLiteral("sculpture garden"), QString(), QStringLiteral("  ")},
    };
    for (const QStringList &names : nameSets) {
        const QStringList labels = shortDepartmentLabels(names);
        QCOMPARE(labels.size(), names.size());
        QCOMPARE(QSet<QString>(labels.begin(), labels.end()).size(), names.size());
        for (const QString &label : labels)
            QVERIFY2(!label.trimmed().isEmpty() && label.size() <= kShortLabelChars, qPrintable(labels.join(QLatin1Char('|'))));
    }
    // The examples the README gives, and a leading "The" left out.
    const QStringList met = shortDepartmentLabels(kDepartments);
    QCOMPARE(met.at(kDepartments.indexOf(QStringLiteral("Arms and Armor"))), QStringLiteral("ArA"));
    QCOMPARE(met.at(kDepartments.indexOf(QStringLiteral("Asian Art"))), QStringLiteral("AsA"));
    QCOMPARE(met.at(kDepartments.indexOf(QStringLiteral("European Paintings"))), QStringLiteral("EP"));
    QCOMPARE(met.at(kDepartments.indexOf(QStringLiteral("The American Wing"))), QStringLiteral("AW"));
    QCOMPARE(met.at(kDepartments.indexOf(QStringLiteral("Photographs"))), QStringLiteral("Ph"));
}

void TestConfusionMatrix::confusionModelPassesTheModelTester()
{
    ConfusionMatrixModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setReport(m_result.report);
    model.setNormalisation(ConfusionMatrixModel::Normalisation::ByRow);
    model.setNormalisation(ConfusionMatrixModel::Normalisation::ByColumn);
    model.setReport(EvaluationReport());
    QCOMPARE(model.rowCount(), 0);

    // The cell's thumbnails, whose rows change as thumbnails arrive from the loader thread.
    ItemThumbnailModel thumbnails;
    QAbstractItemModelTester thumbnailsTester(&thumbnails, QAbstractItemModelTester::FailureReportingMode::QtTest);
    thumbnails.setCatalogPath(m_catalogPath);
    QVector<ItemThumbnailModel::Entry> entries;
    for (int index = 0; index < 3; ++index)
        entries.append({m_result.examples[index].itemId, QStringLiteral("caption %1").arg(index), QStringLiteral("tip")});
    thumbnails.setEntries(entries);
    QCOMPARE(thumbnails.rowCount(), 3);
    QTRY_COMPARE(thumbnails.thumbnailsLoaded(), 3);
    thumbnails.setEntries({});
    QCOMPARE(thumbnails.rowCount(), 0);
}

namespace {

// Every header label of the matrix whole, all its columns and rows in view without scrolling, inside the window.
void verifyWholeMatrix(DashboardWidget *dashboard)
{
    QTableView *view = dashboard->confusionView();
    QHeaderView *columns = view->horizontalHeader();
    QHeaderView *rows = view->verticalHeader();
    QCOMPARE(columns->count(), kDepartments.size());

    // Each label's text and the header's margins fit its section as laid out.
    const int margin = columns->style()->pixelMetric(QStyle::PM_HeaderMargin, nullptr, columns);
    const QFontMetrics metrics(columns->font());
    for (int section = 0; section < columns->count(); ++section) {
        const QString label = view->model()->headerData(section, Qt::Horizontal).toString();
        QVERIFY2(metrics.horizontalAdvance(label) + 2 * margin <= columns->sectionSize(section),
                 qPrintable(QStringLiteral("column %1 '%2' is %3 px wide").arg(section).arg(label).arg(columns->sectionSize(section))));
        const QString rowLabel = view->model()->headerData(section, Qt::Vertical).toString();
        QVERIFY2(QFontMetrics(rows->font()).horizontalAdvance(rowLabel) + 2 * margin <= rows->width(),
                 qPrintable(QStringLiteral("row %1 '%2' in a header %3 px wide").arg(section).arg(rowLabel).arg(rows->width())));
        // The full name on hover, and in the key.
        QVERIFY(view->model()->headerData(section, Qt::Horizontal, Qt::ToolTipRole).toString().contains(kDepartments[section]));
        QVERIFY(view->model()->headerData(section, Qt::Vertical, Qt::ToolTipRole).toString().contains(kDepartments[section]));
        QVERIFY(dashboard->departmentKey()->item(section)->text().startsWith(label + QStringLiteral("  ")));
        QVERIFY(dashboard->departmentKey()->item(section)->toolTip().contains(kDepartments[section]));
    }
    // All twenty columns in view: none scrolled away, no scroll bar, and the table inside the dashboard.
    QCOMPARE(view->horizontalScrollBar()->maximum(), 0);
    QVERIFY(!view->horizontalScrollBar()->isVisible());
    const int last = columns->count() - 1;
    QVERIFY(columns->sectionViewportPosition(0) >= 0);
    QVERIFY2(columns->sectionViewportPosition(last) + columns->sectionSize(last) <= view->viewport()->width(),
             qPrintable(QStringLiteral("%1 + %2 > %3").arg(columns->sectionViewportPosition(last)).arg(columns->sectionSize(last))
                            .arg(view->viewport()->width())));
    QVERIFY(view->mapTo(dashboard, QPoint(view->width(), 0)).x() <= dashboard->width());
    for (QScrollArea *scroll : dashboard->findChildren<QScrollArea *>())
        QVERIFY(!scroll->horizontalScrollBar()->isVisible());
    // Every row too: the table is as tall as its rows and never scrolls.
    QCOMPARE(view->verticalScrollBar()->maximum(), 0);
    QVERIFY(rows->sectionViewportPosition(last) + rows->sectionSize(last) <= view->viewport()->height());
}

} // namespace

void TestConfusionMatrix::wholeMatrixFitsAt1366x768()
{
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, m_catalogPath));
    DashboardWidget dashboard(&session);
    showDashboard(session, dashboard);
    verifyWholeMatrix(&dashboard);
    if (QTest::currentTestFailed())
        return;

    // In the window too, beside the item panel.
    MainWindow window;
    window.resize(1366, 768);
    QVERIFY(openCatalogAndWait(window, m_catalogPath));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showDashboard();
    QVERIFY(window.itemPanel()->isVisible());
    window.dashboard()->setItemEvaluation(m_result);
    QApplication::processEvents();
    QVERIFY(window.dashboard()->width() < 1366 - 200);
    verifyWholeMatrix(window.dashboard());
}

void TestConfusionMatrix::normalisingMakesRowsAndColumnsSumToOne()
{
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, m_catalogPath));
    DashboardWidget dashboard(&session);
    showDashboard(session, dashboard);
    QAbstractItemModel *model = dashboard.confusionView()->model();
    QComboBox *normalisation = dashboard.normalisationBox();

    // Counts: the cells show the items, the tooltip their shares.
    QCOMPARE(normalisation->currentIndex(), 0);
    const QModelIndex wrongCell = model->index(0, 1);
    QCOMPARE(wrongCell.data().toInt(), 1);
    QVERIFY2(wrongCell.data(Qt::ToolTipRole).toString().contains(QStringLiteral("1 item of")), qPrintable(wrongCell.data(Qt::ToolTipRole).toString()));
    QVERIFY(wrongCell.data(Qt::ToolTipRole).toString().contains(percentText(1.0 / 3)));

    // By row (recall): each true department's shares make 100%.
    normalisation->setCurrentIndex(normalisation->findData(int(ConfusionMatrixModel::Normalisation::ByRow)));
    for (int row = 0; row < model->rowCount(); ++row) {
        double sum = 0;
        for (int column = 0; column < model->columnCount(); ++column) {
            const QModelIndex cell = model->index(row, column);
            const double share = cell.data(ConfusionMatrixModel::ShareRole).toDouble();
            sum += share;
            if (cell.data(ConfusionMatrixModel::CountRole).toInt() > 0)
                QCOMPARE(cell.data().toString(), percentText(share));
            QCOMPARE(cell.data(ConfusionMatrixModel::ShadeRole).toDouble(), share);
        }
        QVERIFY2(qAbs(sum - 1.0) < 1e-9, qPrintable(QString::number(sum)));
    }
    QCOMPARE(model->index(0, 0).data().toString(), percentText(2.0 / 3));

    // By column (precision): each predicted department's shares make 100%.
    normalisation->setCurrentIndex(normalisation->findData(int(ConfusionMatrixModel::Normalisation::ByColumn)));
    for (int column = 0; column < model->columnCount(); ++column) {
        double sum = 0;
        for (int row = 0; row < model->rowCount(); ++row)
            sum += model->index(row, column).data(ConfusionMatrixModel::ShareRole).toDouble();
        QVERIFY2(qAbs(sum - 1.0) < 1e-9, qPrintable(QString::number(sum)));
    }
    // Column 1 holds its own two items and one of department 0: a third of it came from department 0.
    QCOMPARE(model->index(0, 1).data().toString(), percentText(1.0 / 3));

    normalisation->setCurrentIndex(0);
    QCOMPARE(model->index(0, 0).data().toInt(), 2);
}

void TestConfusionMatrix::cellOpensAThumbnailGridOfItsItems()
{
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, m_catalogPath));
    DashboardWidget dashboard(&session);
    showDashboard(session, dashboard);
    QTableView *view = dashboard.confusionView();
    QListView *grid = dashboard.cellGrid();
    QVERIFY(!grid->isVisible());

    for (const auto &[row, column] : {std::pair{3, 3}, std::pair{7, 8}}) {
        QSet<qint64> expected;
        for (const EvaluatedExample &example : m_result.examples) {
            if (example.trueClass == row && example.predictedClass == column)
                expected.insert(example.itemId);
        }
        QVERIFY(!expected.isEmpty());
        const QModelIndex cell = view->model()->index(row, column);
        view->scrollTo(cell);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, view->visualRect(cell).center());
        const QVector<qint64> shown = dashboard.cellItems()->itemIds();
        QCOMPARE(QSet<qint64>(shown.begin(), shown.end()), expected);
        QCOMPARE(shown.size(), expected.size());
        QVERIFY(grid->isVisible());
        QCOMPARE(grid->viewMode(), QListView::IconMode);
        QVERIFY2(dashboard.cellTitle()->text().contains(kDepartments[row]), qPrintable(dashboard.cellTitle()->text()));
        // Thumbnails from the loader thread, and a caption under each, not a file name alone.
        QTRY_COMPARE(dashboard.cellItems()->thumbnailsLoaded(), int(expected.size()));
        for (int index = 0; index < grid->model()->rowCount(); ++index) {
            const QModelIndex entry = grid->model()->index(index, 0);
            const QImage shown = entry.data(Qt::DecorationRole).value<QIcon>().pixmap(grid->iconSize()).toImage();
            QVERIFY(shown.pixelColor(shown.width() / 2, shown.height() / 2).alpha() > 0);
            QVERIFY2(entry.data().toString().contains(percentText(0.9)), qPrintable(entry.data().toString()));
        }
    }

    // Moving the threshold (the same model) keeps them; closing the catalog clears them.
    const QVector<qint64> before = dashboard.cellItems()->itemIds();
    session.notifyModelsChanged();
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(dashboard.cellItems()->itemIds(), before);
    QVERIFY(grid->isVisible());

    // Double-clicking a thumbnail opens its item.
    QSignalSpy opened(&dashboard, &DashboardWidget::openItemRequested);
    const QModelIndex first = grid->model()->index(0, 0);
    const QPoint centre = grid->visualRect(first).center();
    QTest::mouseClick(grid->viewport(), Qt::LeftButton, Qt::NoModifier, centre);
    QTest::mouseDClick(grid->viewport(), Qt::LeftButton, Qt::NoModifier, centre);
    QVERIFY(opened.count() >= 1);
    for (const QList<QVariant> &arguments : opened)
        QCOMPARE(arguments.at(0).toLongLong(), first.data(ItemThumbnailModel::ItemIdRole).toLongLong());

    session.close();
    QCOMPARE(dashboard.cellItems()->rowCount(), 0);
    QVERIFY(!grid->isVisible());
}

void TestConfusionMatrix::itemPanelSaysWhyThereIsNoChart()
{
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, m_catalogPath));
    ItemPanel panel(&session);
    panel.resize(360, 700);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    // The model never classified these items: a sentence, not empty axes.
    panel.showItem(testCatalog(&session)->items(0, 1).first().id);
    QVERIFY(settleCatalogReads(&session));
    QVERIFY(!panel.isShowingChart());
    QVERIFY(panel.chartEmptyLabel()->isVisible());
    QVERIFY2(panel.chartEmptyLabel()->text().contains(QStringLiteral("not classified")), qPrintable(panel.chartEmptyLabel()->text()));
    // Nothing selected: neither.
    panel.showItem(0);
    QVERIFY(settleCatalogReads(&session));
    QVERIFY(!panel.isShowingChart());
    QVERIFY(!panel.chartEmptyLabel()->isVisible());
}

namespace {

// What a chart draws cut: texts Qt Charts shortened ("European Pai...") or that reach outside the chart
// (an axis title taller than its axis reads "alidation accurac").
QStringList cutChartTexts(QChartView *view)
{
    QStringList cut;
    const QRectF chartRect = view->chart()->geometry().adjusted(-1, -1, 1, 1);
    for (QGraphicsItem *item : view->scene()->items()) {
        auto *text = dynamic_cast<QGraphicsTextItem *>(item);
        if (!text || !text->isVisible() || text->toPlainText().isEmpty())
            continue;
        const QString plain = text->toPlainText();
        if (plain.endsWith(QStringLiteral("...")) || plain.endsWith(QChar(0x2026)))
            cut << plain;
        else if (!chartRect.contains(text->sceneBoundingRect()))
            cut << plain + QStringLiteral(" (outside the chart)");
    }
    return cut;
}

} // namespace

void TestConfusionMatrix::chartLabelsShowWhole()
{
    const QString path = copyCatalog(m_catalogPath, m_dir.path(), QStringLiteral("predicted.db"));
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    Catalog &catalog = *testCatalog(&session);

    // The dashboard's charts at 1366x768, twenty departments along the bars.
    {
        DashboardWidget dashboard(&session);
        showDashboard(session, dashboard);
        const QList<QChartView *> charts = dashboard.findChildren<QChartView *>();
        QVERIFY(charts.size() >= 4);
        for (QChartView *chart : charts) {
            const QStringList cut = cutChartTexts(chart);
            QVERIFY2(cut.isEmpty(), qPrintable(cut.join(QStringLiteral(" | "))));
        }
        // The models table's column titles whole too ("Validation accuracy" read "alidation accurac").
        QHeaderView *header = dashboard.modelsView()->horizontalHeader();
        const int margin = header->style()->pixelMetric(QStyle::PM_HeaderMargin, nullptr, header);
        for (int section = 0; section < header->count(); ++section) {
            const QString title = header->model()->headerData(section, Qt::Horizontal).toString();
            QVERIFY2(QFontMetrics(header->font()).horizontalAdvance(title) + 2 * margin <= header->sectionSize(section), qPrintable(title));
        }
        // Shares as percentages, as everywhere else.
        QVERIFY2(dashboard.summary()->text().contains(percentText(m_result.report.accuracy)), qPrintable(dashboard.summary()->text()));
        QVERIFY(dashboard.modelsView()->model()->index(0, ModelListModel::ThresholdColumn).data().toString() == percentText(0.9));
    }

    // An item whose likeliest departments have the longest names, in a panel as narrow as the window's dock.
    const RegisteredModel model = *ModelRegistry(catalog).activeModel();
    QVector<qint64> classDepartments;
    for (const QString &name : kDepartments)
        classDepartments << *catalog.departmentIdByName(name);
    const QStringList likeliest = {QStringLiteral("Arts of Africa, Oceania, and the Americas"),
                                   QStringLiteral("European Sculpture and Decorative Arts"),
                                   QStringLiteral("The Michael C. Rockefeller Wing"), QStringLiteral("Asian Art")};
    NewPrediction prediction;
    prediction.itemId = catalog.items(0, 1000).last().id;
    for (const QString &name : kDepartments) {
        const int rank = int(likeliest.indexOf(name));
        prediction.probabilities.push_back(rank >= 0 ? 0.4f / float(rank + 1) : 0.01f);
    }
    ReviewStore(catalog).addPrediction(model.id, prediction, classDepartments, model.threshold);
    ItemPanel panel(&session);
    panel.resize(340, 700);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.showItem(prediction.itemId);
    QVERIFY(settleCatalogReads(&session));
    QApplication::processEvents();
    QVERIFY(panel.isShowingChart());
    QChartView *chart = panel.findChild<QChartView *>();
    QStringList cut = cutChartTexts(chart);
    QVERIFY2(cut.isEmpty(), qPrintable(cut.join(QStringLiteral(" | "))));
    // Too long to stand beside the bars: the dashboard's short labels, likeliest last (drawn bottom-up).
    const QStringList shortLabels = shortDepartmentLabels(kDepartments);
    QCOMPARE(panel.chartCategories().last(), shortLabels.at(kDepartments.indexOf(likeliest.first())));
    // Wide enough, the whole names.
    panel.resize(1200, 700);
    QApplication::processEvents();
    QCOMPARE(panel.chartCategories().last(), likeliest.first());
    cut = cutChartTexts(chart);
    QVERIFY2(cut.isEmpty(), qPrintable(cut.join(QStringLiteral(" | "))));
}

// The item panel in its dock, as the window shows it on a 1366x768 screen: its bar labels whole, also after
// the item changes (Qt Charts once kept the first layout's room for the labels and drew "...").
void TestConfusionMatrix::itemPanelLabelsWholeInTheWindow()
{
    const QString path = copyCatalog(m_catalogPath, m_dir.path(), QStringLiteral("window-panel.db"));
    QVector<qint64> items;
    {
        Catalog catalog(path);
        const RegisteredModel model = *ModelRegistry(catalog).activeModel();
        QVector<qint64> classDepartments;
        for (const QString &name : kDepartments)
            classDepartments << *catalog.departmentIdByName(name);
        const QVector<ItemRecord> records = catalog.items(0, 1000);
        for (int i = 0; i < 2; ++i) {
            NewPrediction prediction;
            prediction.itemId = records[records.size() - 1 - i].id;
            for (int c = 0; c < kDepartments.size(); ++c)
                prediction.probabilities.push_back(c == i ? 0.6f : 0.4f / float(kDepartments.size()));
            ReviewStore(catalog).addPrediction(model.id, prediction, classDepartments, model.threshold);
            items << prediction.itemId;
        }
    }
    MainWindow window;
    window.resize(1366, 768);
    QVERIFY(openCatalogAndWait(window, path));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showCatalog();
    for (const qint64 id : items) {
        window.showItem(id);
        QVERIFY(settleCatalogReads(window.session()));
        QTest::qWait(50);
        QApplication::processEvents();
        QVERIFY(window.itemPanel()->isShowingChart());
        const QStringList cut = cutChartTexts(window.itemPanel()->findChild<QChartView *>());
        QVERIFY2(cut.isEmpty(), qPrintable(cut.join(QStringLiteral(" | "))));
    }
}

QTEST_MAIN(TestConfusionMatrix)
#include "tst_confusionmatrix.moc"
