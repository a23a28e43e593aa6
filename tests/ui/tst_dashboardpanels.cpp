#include "catalogwaits.h"
#include "catalogsession.h"
#include "dashboard/calibrationpanel.h"
#include "dashboard/confusionpanel.h"
#include "dashboard/modelspanel.h"
#include "dashboard/perclassaccuracypanel.h"
#include "dashboard/thresholdpanel.h"
#include "dashboard/trainingcurvespanel.h"
#include "dashboardmodels.h"
#include "dashboardwidget.h"
#include "displaytext.h"
#include "itemthumbnailmodel.h"
#include "testcatalogs.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "ml/epochreport.h"
#include "ml/evaluation.h"
#include "ml/metrics.h"

#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineSeries>
#include <QListView>
#include <QListWidget>
#include <QPushButton>
#include <QScatterSeries>
#include <QSemaphore>
#include <QSignalSpy>
#include <QSlider>
#include <QSqlQuery>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

namespace {

const QStringList kDepartments = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art"),
                                  QStringLiteral("European Paintings"), QStringLiteral("Photographs")};
constexpr int kPerDepartment = 6;

// A measured model: every department's items mostly right, each department's first item taken for the next one,
// with confidences spread out so that calibration bins and the coverage curve have several points.
EvaluationResult measuredModel()
{
    EvaluationResult result;
    LogitSet logits;
    logits.classes = int(kDepartments.size());
    qint64 itemId = 100;
    for (int trueClass = 0; trueClass < logits.classes; ++trueClass) {
        for (int index = 0; index < kPerDepartment; ++index) {
            const int predicted = index == 0 ? (trueClass + 1) % logits.classes : trueClass;
            const float strength = 1.0f + float(index) * 0.7f;
            for (int c = 0; c < logits.classes; ++c)
                logits.logits.push_back(c == predicted ? strength : 0.0f);
            logits.labels.push_back(trueClass);
            EvaluatedExample example;
            example.itemId = ++itemId;
            example.path = QStringLiteral("/photos/%1/item-%2.jpg").arg(trueClass).arg(itemId);
            example.trueClass = trueClass;
            example.predictedClass = predicted;
            example.confidence = 0.5 + 0.08 * index;
            result.examples << example;
        }
    }
    result.report = evaluate(logits, kDepartments, 1.0);
    return result;
}

} // namespace

// Each dashboard panel built alone from the data it is handed, and the dashboard over a real catalog, whose
// reads and writes go through the catalog thread.
class TestDashboardPanels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void accuracyBarsFollowTheirModel();
    void confusionPanelListsTheItemsItIsHanded();
    void calibrationPanelDrawsTheFilledBins();
    void thresholdPanelAsksForCountsOnlyWhenShownAndSettled();
    void trainingCurvesShowAHistoryOrALiveRun();
    void modelsPanelAsksToActivateTheSelectedModel();
    void dashboardFillsFromTheCatalogThread();
    void thresholdAndActivationAreWrittenOnTheCatalogThread();
    void reloadReadsNothingOnTheGuiThread();
    void reloadAndApplyReturnWhileAnotherConnectionHoldsTheWriteLock();

private:
    QString freshCopy(const QString &name) { return copyCatalog(m_fixture.catalogPath, m_dir.path(), name); }

    QTemporaryDir m_dir;
    ClassifiedCatalog m_fixture;
    EvaluationResult m_measured;
};

void TestDashboardPanels::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_fixture = makeClassifiedCatalog(m_dir.filePath(QStringLiteral("fixture")), 8, 2);
    m_measured = measuredModel();
    QCOMPARE(m_measured.report.classes, kDepartments);
}

void TestDashboardPanels::accuracyBarsFollowTheirModel()
{
    PerClassMetricsModel metrics;
    PerClassAccuracyPanel panel(&metrics);
    auto *bars = qobject_cast<QBarSeries *>(panel.chartView()->chart()->series().value(0));
    QVERIFY(bars);
    QVERIFY(panel.barLabels().isEmpty());

    metrics.setReport(m_measured.report);
    // One bar per department, under the confusion matrix's short labels, as tall as its accuracy.
    QCOMPARE(panel.barLabels(), shortDepartmentLabels(kDepartments));
    QCOMPARE(bars->count(), 1);
    QBarSet *accuracy = bars->barSets().first();
    QCOMPARE(accuracy->count(), kDepartments.size());
    for (int row = 0; row < kDepartments.size(); ++row)
        QCOMPARE(accuracy->at(row), m_measured.report.perClass.at(row).accuracy);

    metrics.setReport(EvaluationReport());
    QVERIFY(panel.barLabels().isEmpty());
}

void TestDashboardPanels::confusionPanelListsTheItemsItIsHanded()
{
    ConfusionMatrixModel matrix;
    ItemThumbnailModel cellItems;
    ConfusionPanel panel(&matrix, &cellItems);
    panel.resize(900, 700);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    matrix.setReport(m_measured.report);
    panel.setDepartments(kDepartments);
    QCOMPARE(panel.matrixView()->model()->rowCount(), kDepartments.size());
    QCOMPARE(panel.departmentKey()->count(), kDepartments.size());
    QVERIFY(panel.departmentKey()->item(1)->toolTip().contains(kDepartments.at(1)));

    // A cell chosen before the model was measured asks for the measurement, and is listed when it comes.
    QSignalSpy wanted(&panel, &ConfusionPanel::evaluationWanted);
    QTableView *view = panel.matrixView();
    const QModelIndex wrongCell = view->model()->index(2, 3); // European Paintings taken for Photographs
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, view->visualRect(wrongCell).center());
    QCOMPARE(wanted.count(), 1);
    QVERIFY2(panel.cellTitle()->text().contains(QStringLiteral("Measuring")), qPrintable(panel.cellTitle()->text()));
    QVERIFY(!panel.cellGrid()->isVisible());

    panel.setExamples(m_measured.examples);
    QVERIFY(panel.hasExamples());
    QVector<qint64> expected;
    for (const EvaluatedExample &example : m_measured.examples) {
        if (example.trueClass == 2 && example.predictedClass == 3)
            expected << example.itemId;
    }
    QCOMPARE(expected.size(), 1);
    QCOMPARE(cellItems.itemIds(), expected);
    QVERIFY(panel.cellGrid()->isVisible());
    QVERIFY2(panel.cellTitle()->text().contains(QStringLiteral("1 item of European Paintings predicted as Photographs")),
             qPrintable(panel.cellTitle()->text()));
    // Until the catalog's names come, the file name; then the title, the thumbnail kept.
    QVERIFY(cellItems.index(0).data().toString().startsWith(QStringLiteral("item-")));
    QSignalSpy reset(&cellItems, &QAbstractItemModel::modelReset);
    panel.setItemNames({{expected.first(), QStringLiteral("Portrait of a Lady")}});
    QVERIFY2(cellItems.index(0).data().toString().startsWith(QStringLiteral("Portrait of a Lady")), qPrintable(cellItems.index(0).data().toString()));
    QCOMPARE(reset.count(), 0);

    // A diagonal cell: its department's right answers.
    panel.listCell(0, 0);
    QCOMPARE(cellItems.rowCount(), kPerDepartment - 1);
    panel.listCell(0, 2);
    QCOMPARE(cellItems.rowCount(), 0);
    QVERIFY(!panel.cellGrid()->isVisible());
    QVERIFY(panel.cellTitle()->text().contains(QStringLiteral("No item of Arms and Armor predicted as European Paintings")));

    // Double-clicking a thumbnail opens its item.
    panel.listCell(1, 1);
    QSignalSpy opened(&panel, &ConfusionPanel::itemOpened);
    Q_EMIT panel.cellGrid()->activated(cellItems.index(0));
    QCOMPARE(opened.count(), 1);
    QCOMPARE(opened.first().at(0).toLongLong(), cellItems.itemIds().first());

    // The normalisation box drives the model; another model's examples go with forgetExamples.
    panel.normalisationBox()->setCurrentIndex(panel.normalisationBox()->findData(int(ConfusionMatrixModel::Normalisation::ByRow)));
    QCOMPARE(matrix.normalisation(), ConfusionMatrixModel::Normalisation::ByRow);
    panel.forgetExamples();
    QVERIFY(!panel.hasExamples());
    QCOMPARE(cellItems.rowCount(), 0);
    QVERIFY(panel.cellTitle()->text().contains(QStringLiteral("Click a cell")));
}

void TestDashboardPanels::calibrationPanelDrawsTheFilledBins()
{
    CalibrationPanel panel;
    const auto filled = [](const QVector<ReliabilityBin> &bins) {
        return int(std::count_if(bins.begin(), bins.end(), [](const ReliabilityBin &bin) { return bin.count > 0; }));
    };
    QVERIFY(filled(m_measured.report.reliability) >= 2);
    QVERIFY(filled(m_measured.report.reliability) < m_measured.report.reliability.size()); // empty bins exist
    panel.setReport(m_measured.report);
    QCOMPARE(panel.calibratedCurve()->count(), filled(m_measured.report.reliability));
    QCOMPARE(panel.uncalibratedCurve()->count(), filled(m_measured.report.reliabilityUncalibrated));
    for (const QPointF &point : panel.calibratedCurve()->points()) {
        QVERIFY(point.x() >= 0 && point.x() <= 1);
        QVERIFY(point.y() >= 0 && point.y() <= 1);
    }
    panel.setReport(EvaluationReport());
    QCOMPARE(panel.calibratedCurve()->count(), 0);
    QCOMPARE(panel.uncalibratedCurve()->count(), 0);
}

void TestDashboardPanels::thresholdPanelAsksForCountsOnlyWhenShownAndSettled()
{
    QWidget window;
    auto *panel = new ThresholdPanel(&window);
    QSignalSpy wanted(panel, &ThresholdPanel::countsWanted);
    QSignalSpy applied(panel, &ThresholdPanel::applyRequested);
    QVERIFY(!panel->applyButton()->isEnabled()); // no model yet

    panel->setCoverageCurve(m_measured.report.coverageCurve);
    panel->setModelThreshold(0.9);
    panel->setModelAvailable(true);
    QCOMPARE(panel->slider()->value(), 900);
    QVERIFY(panel->applyButton()->isEnabled());
    QVERIFY(panel->consequences()->text().contains(QStringLiteral("counting")));

    // Hidden: the slider's rest passes without a count; shown, the count is asked for once.
    panel->slider()->setValue(700);
    QTest::qWait(3 * ThresholdPanel::kCountDelayMs);
    QCOMPARE(wanted.count(), 0);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_COMPARE(wanted.count(), 1);
    QCOMPARE(wanted.first().at(0).toDouble(), 0.7);

    // A drag asks once, for where the slider rests.
    wanted.clear();
    for (const int value : {650, 600, 550, 500})
        panel->slider()->setValue(value);
    QTRY_COMPARE(wanted.count(), 1);
    QCOMPARE(wanted.first().at(0).toDouble(), 0.5);

    // The marker sits on the curve where the validation items at or above the threshold are.
    double coverage = 0;
    double expected = -1;
    for (const CoveragePoint &point : m_measured.report.coverageCurve) {
        if (point.threshold >= 0.5) {
            coverage = point.coverage;
            expected = point.accuracy;
        }
    }
    QVERIFY(expected >= 0);
    QCOMPARE(panel->expectedAccuracy(), expected);
    QCOMPARE(panel->thresholdMarker()->count(), 1);
    QCOMPARE(panel->thresholdMarker()->at(0), QPointF(coverage, expected));

    // Counts for a threshold the slider has left are not shown; those for its own are.
    QSignalSpy shown(panel, &ThresholdPanel::countsShown);
    panel->showCounts(0.7, 1, 10);
    QCOMPARE(shown.count(), 0);
    panel->showCounts(0.5, 7, 12);
    QCOMPARE(shown.count(), 1);
    QVERIFY2(panel->consequences()->text().contains(QStringLiteral("7 of 12 unlabelled classified items")), qPrintable(panel->consequences()->text()));
    QVERIFY(panel->consequences()->text().contains(QStringLiteral("5 would wait for review")));
    QVERIFY(panel->consequences()->text().contains(percentText(expected)));

    QTest::mouseClick(panel->applyButton(), Qt::LeftButton);
    QCOMPARE(applied.count(), 1);
    QCOMPARE(applied.first().at(0).toDouble(), 0.5);

    // Without a model: nothing to apply, nothing to count.
    panel->setModelAvailable(false);
    QVERIFY(!panel->applyButton()->isEnabled());
    QVERIFY(panel->consequences()->text().isEmpty());
    QCOMPARE(panel->thresholdMarker()->count(), 0);
}

void TestDashboardPanels::trainingCurvesShowAHistoryOrALiveRun()
{
    TrainingCurvesPanel panel;
    QJsonArray history;
    for (int epoch = 1; epoch <= 3; ++epoch) {
        history.append(QJsonObject{{QStringLiteral("train_loss"), 2.0 / epoch},
                                   {QStringLiteral("validation_loss"), 2.5 / epoch},
                                   {QStringLiteral("validation_accuracy"), 0.3 * epoch}});
    }
    panel.setHistory(history);
    QCOMPARE(panel.epochsShown(), 3);
    QVERIFY(!panel.isShowingLiveRun());

    panel.beginLiveRun();
    QCOMPARE(panel.epochsShown(), 0);
    EpochReport report;
    report.trainLoss = 1.2;
    report.validationLoss = 1.4;
    report.validationAccuracy = 0.6;
    panel.appendEpoch(report);
    panel.appendEpoch(report);
    QCOMPARE(panel.epochsShown(), 2);
    QVERIFY(panel.isShowingLiveRun());
}

void TestDashboardPanels::modelsPanelAsksToActivateTheSelectedModel()
{
    ModelListModel models;
    ModelsPanel panel(&models);
    RegisteredModel first;
    first.id = 4;
    first.name = QStringLiteral("baseline");
    first.active = true;
    RegisteredModel second = first;
    second.id = 9;
    second.name = QStringLiteral("retrained");
    second.active = false;
    models.setModels({first, second});
    QCOMPARE(panel.view()->model()->rowCount(), 2);

    QSignalSpy activation(&panel, &ModelsPanel::activationRequested);
    QTest::mouseClick(panel.activateButton(), Qt::LeftButton); // nothing selected
    QCOMPARE(activation.count(), 0);
    panel.view()->setCurrentIndex(models.index(1, 0));
    QTest::mouseClick(panel.activateButton(), Qt::LeftButton);
    QCOMPARE(activation.count(), 1);
    QCOMPARE(activation.first().at(0).toLongLong(), 9);
}

void TestDashboardPanels::dashboardFillsFromTheCatalogThread()
{
    const QString path = freshCopy(QStringLiteral("fills.db"));
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    Catalog catalog(path);
    const RegisteredModel active = *ModelRegistry(catalog).activeModel();
    const EvaluationReport report = EvaluationReport::fromJson(active.card.value(QStringLiteral("validation")).toObject());
    QVERIFY(!report.classes.isEmpty());

    // Built, it has asked the catalog thread and shows nothing yet; settled, every panel shows the model.
    DashboardWidget dashboard(&session);
    QVERIFY(dashboard.isShowingEmptyState());
    QCOMPARE(dashboard.confusionModel()->rowCount(), 0);
    QVERIFY(settleCatalogReads(&session));
    QVERIFY(!dashboard.isShowingEmptyState());
    QCOMPARE(dashboard.confusionModel()->rowCount(), report.classes.size());
    QCOMPARE(dashboard.perClassAccuracyPanel()->barLabels().size(), report.classes.size());
    QVERIFY2(dashboard.summary()->text().contains(percentText(report.accuracy)), qPrintable(dashboard.summary()->text()));
    QCOMPARE(dashboard.modelsView()->model()->rowCount(), int(ModelRegistry(catalog).models().size()));
    QCOMPARE(dashboard.thresholdSlider()->value(), int(std::lround(active.threshold * 1000)));
    QCOMPARE(dashboard.trainingCurvesPanel()->epochsShown(),
             int(active.card.value(QStringLiteral("training")).toObject().value(QStringLiteral("history")).toArray().size()));
    QVERIFY(dashboard.trainingCurvesPanel()->epochsShown() > 0);
    QVERIFY(dashboard.calibrationPanel()->calibratedCurve()->count() > 0);

    // Shown, the threshold control counts on the catalog thread what the catalog says.
    dashboard.resize(1200, 800);
    dashboard.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dashboard));
    QSignalSpy counted(&dashboard, &DashboardWidget::consequencesCounted);
    dashboard.thresholdSlider()->setValue(300);
    QTRY_VERIFY(!counted.isEmpty());
    const ReviewStore store(catalog);
    const qint64 filed = store.autoFileCount(active.id, 0.3);
    const qint64 classified = store.unlabelledPredictionCount(active.id);
    QVERIFY(classified > 0);
    QVERIFY2(dashboard.consequences()->text().contains(QStringLiteral("%1 of %2 unlabelled").arg(filed).arg(classified)),
             qPrintable(dashboard.consequences()->text()));

    // Closing the catalog empties it at once: there is nothing to read.
    session.close();
    QVERIFY(dashboard.isShowingEmptyState());
    QVERIFY(dashboard.emptyStateLabel()->text().contains(QStringLiteral("No catalog open")));
    QCOMPARE(dashboard.confusionModel()->rowCount(), 0);
    QCOMPARE(dashboard.modelsView()->model()->rowCount(), 0);
}

void TestDashboardPanels::thresholdAndActivationAreWrittenOnTheCatalogThread()
{
    const QString path = freshCopy(QStringLiteral("writes.db"));
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    DashboardWidget dashboard(&session);
    QVERIFY(settleCatalogReads(&session));
    Catalog catalog(path);
    const RegisteredModel baseline = *ModelRegistry(catalog).activeModel();

    QSignalSpy modelsChanged(&session, &CatalogSession::modelsChanged);
    dashboard.thresholdSlider()->setValue(1000);
    QTest::mouseClick(dashboard.applyThresholdButton(), Qt::LeftButton);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(ModelRegistry(catalog).model(baseline.id)->threshold, 1.0);
    QCOMPARE(modelsChanged.count(), 1); // after the write, so that every view rereads the statuses
    QVERIFY(dashboard.summary()->text().contains(QStringLiteral("Auto-file threshold: confidence %1").arg(percentText(1.0))));

    // A second model (the same card under another hash), activated from the models table.
    const qint64 other = ModelRegistry(catalog).registerModel(baseline.weightsPath, QStringLiteral("another-hash"), baseline.card);
    QVERIFY(other != baseline.id);
    session.notifyModelsChanged();
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(dashboard.modelsView()->model()->rowCount(), 2);
    for (int row = 0; row < 2; ++row) {
        const QModelIndex index = dashboard.modelsView()->model()->index(row, 0);
        if (index.data(ModelListModel::ModelIdRole).toLongLong() == other)
            dashboard.modelsView()->setCurrentIndex(index);
    }
    QTest::mouseClick(dashboard.modelsPanel()->activateButton(), Qt::LeftButton);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(ModelRegistry(catalog).activeModel()->id, other);
}

void TestDashboardPanels::reloadReadsNothingOnTheGuiThread()
{
    const QString path = freshCopy(QStringLiteral("blocked.db"));
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    DashboardWidget dashboard(&session);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(dashboard.modelsView()->model()->rowCount(), 1);

    // The catalog thread busy with a task that waits for the test; meanwhile a second model is registered.
    QSemaphore release;
    QObject receiver;
    session.worker()->read(&receiver, [&release](Catalog &) { release.acquire(); return 0; }, [](int) {});
    Catalog catalog(path);
    const RegisteredModel baseline = *ModelRegistry(catalog).activeModel();
    ModelRegistry(catalog).registerModel(baseline.weightsPath, QStringLiteral("another-hash"), baseline.card);

    // reload() returns while the catalog thread is busy, and the table still shows what it showed: nothing was
    // read on the GUI thread. The new model arrives once the catalog thread is free.
    dashboard.reload();
    QCoreApplication::processEvents();
    QCOMPARE(dashboard.modelsView()->model()->rowCount(), 1);
    release.release();
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(dashboard.modelsView()->model()->rowCount(), 2);
}

void TestDashboardPanels::reloadAndApplyReturnWhileAnotherConnectionHoldsTheWriteLock()
{
    const QString path = freshCopy(QStringLiteral("locked.db"));
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    DashboardWidget dashboard(&session);
    QVERIFY(settleCatalogReads(&session));
    const qint64 modelId = dashboard.modelsView()->model()->index(0, 0).data(ModelListModel::ModelIdRole).toLongLong();
    QVERIFY(modelId > 0);

    // Another connection (another process, as far as SQLite knows) holds the write lock.
    Catalog locker(path);
    const double before = ModelRegistry(locker).model(modelId)->threshold;
    const double target = before == 1.0 ? 0.5 : 1.0;
    QSqlQuery lock(locker.database());
    QVERIFY(lock.exec(QStringLiteral("BEGIN EXCLUSIVE")));

    // Applying a threshold and reloading return at once: a GUI-thread write would wait out the busy timeout.
    QElapsedTimer clock;
    clock.start();
    dashboard.thresholdSlider()->setValue(int(target * 1000));
    QTest::mouseClick(dashboard.applyThresholdButton(), Qt::LeftButton);
    dashboard.reload();
    QVERIFY2(clock.elapsed() < qint64(Catalog::busyTimeoutSeconds()) * 1000 / 2, qPrintable(QString::number(clock.elapsed())));
    QCoreApplication::processEvents();
    QCOMPARE(ModelRegistry(locker).model(modelId)->threshold, before); // still waiting on the catalog thread
    QVERIFY(session.worker()->pendingTasks() > 0);

    // Released, the write goes through, and the reload behind it shows it.
    QVERIFY(lock.exec(QStringLiteral("COMMIT")));
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(ModelRegistry(locker).model(modelId)->threshold, target);
    QVERIFY2(dashboard.summary()->text().contains(QStringLiteral("Auto-file threshold: confidence %1").arg(percentText(target))),
             qPrintable(dashboard.summary()->text()));
    QVERIFY(!dashboard.isShowingEmptyState());
}

QTEST_MAIN(TestDashboardPanels)
#include "tst_dashboardpanels.moc"
