#include "catalogwaits.h"
#include "catalogsession.h"
#include "dashboardwidget.h"
#include "exportdialog.h"
#include "importlabelleddialog.h"
#include "mainwindow.h"
#include "retraindialog.h"
#include "reviewwidget.h"
#include "startpage.h"
#include "testcatalogs.h"
#include "testimages.h"

#include "catalog/catalog.h"
#include "catalog/itemquery.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "catalog/weightsregistry.h"
#include "ingest/csvreader.h"
#include "ml/network.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMimeData>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QTableWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <QUrl>

using namespace accession;
using namespace accession::test;

// The curator's whole path through the GUI's own actions and dialogs, one step after another on one temporary
// catalog: from an empty catalog to labelled departments, added weights, a trained active model, classified
// dropped photographs, a review with keys and undo, and an export, checking the catalog after every step.
//
// The backbone weights are made by the test (MobileNetV2 in torchvision's names, random); set
// ACCESSION_CURATOR_PATH_WEIGHTS to a real ImageNet MobileNetV2 file (../shared/weights) to walk the same path
// on real weights by hand.
class TestCuratorPath : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void fromAnEmptyCatalogToAReviewedExport();

private:
    static constexpr int kJobTimeoutMs = 600000;

    QTemporaryDir m_dir;
};

void TestCuratorPath::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestCuratorPath::fromAnEmptyCatalogToAReviewedExport()
{
    const QStringList departments{QStringLiteral("Asian Art"), QStringLiteral("Egyptian Art"), QStringLiteral("Musical Instruments")};
    const int perDepartment = 12;

    // 0. An empty catalog opens on the start page.
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, m_dir.filePath(QStringLiteral("path.db"))));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.startPage()->isVisible());
    Catalog &catalog = *testCatalog(window.session());
    QSignalSpy ended(&window, &MainWindow::jobEnded);

    // 1. File ▸ Import Labelled…: one folder per department.
    const QString labelled = m_dir.filePath(QStringLiteral("labelled"));
    writeDepartmentFolders(labelled, departments, perDepartment, 64, 3);
    ImportLabelledDialog *import = window.openImportLabelledDialog();
    QVERIFY(import);
    import->chooseDepartmentFolders(labelled);
    import->accept();
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));
    QCOMPARE(catalog.itemCount(), qint64(departments.size() * perDepartment));
    const QMap<QString, int> imported = labelCounts(catalog, LabelSource::Imported);
    QCOMPARE(imported.keys(), departments);
    for (const QString &department : departments)
        QCOMPARE(imported.value(department), perDepartment);
    QTRY_VERIFY(!window.startPage()->isVisible());

    // 2. Model ▸ Add Pretrained Weights…: MobileNetV2 in torchvision's names, checked and recorded.
    QString weights = qEnvironmentVariable("ACCESSION_CURATOR_PATH_WEIGHTS");
    if (weights.isEmpty()) {
        weights = m_dir.filePath(QStringLiteral("mobilenet_v2.safetensors"));
        Network(Architecture::MobileNetV2, 1000, 7).saveWeights(weights);
    }
    window.addPretrainedWeights(weights);
    QVERIFY(window.isJobRunning());
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));
    const QVector<AddedWeights> added = WeightsRegistry(catalog).weights();
    QCOMPARE(added.size(), 1);
    QCOMPARE(added.first().architecture, QStringLiteral("mobilenet_v2"));
    QCOMPARE(QFileInfo(added.first().path).absoluteFilePath(), QFileInfo(weights).absoluteFilePath());

    // 3. Model ▸ Train: the Quick preset (the head on cached features of the added weights) is offered first;
    //    then the new model is made active.
    QVERIFY(ModelRegistry(catalog).models().isEmpty());
    window.openRetrainDialog();
    auto *train = window.findChild<RetrainDialog *>();
    QVERIFY(train);
    QVERIFY(settleCatalogReads(window.session())); // the added weights, read on the catalog thread
    QCOMPARE(train->preset(), TrainingPreset::QuickHead);
    TrainingOptions options = train->options();
    QCOMPARE(options.architecture, Architecture::MobileNetV2);
    QCOMPARE(QFileInfo(options.pretrainedWeights).absoluteFilePath(), QFileInfo(weights).absoluteFilePath());
    QVERIFY(options.featuresCache);
    options.imageSize = 64; // a small size keeps the test short; the path is the same
    options.outPath = m_dir.filePath(QStringLiteral("models/quick.safetensors"));
    train->setOptions(options);
    QSignalSpy compared(train, &RetrainDialog::comparisonShown);
    train->start();
    QVERIFY(train->isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(compared.size(), 1, 600000);
    QVERIFY2(train->activateButton()->isEnabled(), qPrintable(train->statusText()));
    qInfo("%s | %s", qPrintable(train->estimateText()), qPrintable(train->recommendationText()));
    QSignalSpy activated(train, &RetrainDialog::modelActivated);
    QTest::mouseClick(train->activateButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(activated.size(), 1, 60000); // registered off the GUI thread
    const auto active = ModelRegistry(catalog).activeModel();
    QVERIFY(active);
    QCOMPARE(QFileInfo(active->weightsPath).absoluteFilePath(), QFileInfo(options.outPath).absoluteFilePath());
    train->close();

    // 4. Photographs dropped on the window are imported and classified by the active model; a broken one is a problem.
    const QString incoming = m_dir.filePath(QStringLiteral("incoming"));
    const QStringList incomingFiles = writeDepartmentFolders(incoming, departments, 3, 64, 91);
    writeFile(m_dir.filePath(QStringLiteral("incoming/notes.jpg")), "not a photograph");
    QList<QUrl> urls;
    for (const QString &file : incomingFiles)
        urls << QUrl::fromLocalFile(file);
    urls << QUrl::fromLocalFile(m_dir.filePath(QStringLiteral("incoming/notes.jpg")));
    QMimeData mime;
    mime.setUrls(urls);
    QDragEnterEvent enter(QPoint(40, 40), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(40, 40), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);
    QVERIFY(settleCatalogReads(window.session())); // whether there is a model to classify with, read first
    QVERIFY(window.isJobRunning() || !ended.isEmpty());
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));
    const qint64 labelledCount = departments.size() * perDepartment;
    QCOMPARE(catalog.itemCount(), labelledCount + incomingFiles.size());
    QCOMPARE(ReviewStore(catalog).predictionCount(active->id), qint64(incomingFiles.size()));
    bool brokenReported = false;
    for (int row = 0; row < window.problemsTable()->rowCount(); ++row)
        brokenReported |= window.problemsTable()->item(row, 1)->text().contains(QStringLiteral("notes.jpg"))
                          || window.problemsTable()->item(row, 2)->text().contains(QStringLiteral("notes.jpg"));
    QVERIFY(brokenReported);

    // 5. The dashboard's threshold: nothing is filed automatically at 100%, so every new photograph waits for review.
    window.showDashboard();
    window.dashboard()->thresholdSlider()->setValue(1000);
    QTest::mouseClick(window.dashboard()->applyThresholdButton(), Qt::LeftButton);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(ModelRegistry(catalog).activeModel()->threshold, 1.0);

    // 6. Review with the keys: a department's fixed key, Enter for the suggestion, Ctrl+Z to take one back.
    window.activateWindow(); // the Train dialog had the focus; Ctrl+Z belongs to the main window
    QVERIFY(QTest::qWaitForWindowActive(&window));
    window.showReview();
    ReviewWidget *review = window.reviewWidget();
    QTRY_COMPARE(review->remaining(), qint64(incomingFiles.size()));
    review->setFocus();
    const qint64 first = review->currentItemId();
    QVERIFY(first > 0);
    const QChar egyptianKey = review->keyOfDepartment(QStringLiteral("Egyptian Art"));
    QVERIFY(!egyptianKey.isNull());
    QTest::keyClick(review, egyptianKey.toLatin1());
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(first)->department, QStringLiteral("Egyptian Art"));
    QCOMPARE(catalog.item(first)->labelSource, std::optional<LabelSource>(LabelSource::Curator));

    const qint64 second = review->currentItemId();
    QVERIFY(second > 0 && second != first);
    const QString suggested = ReviewStore(catalog).prediction(second, active->id)->predicted;
    QTest::keyClick(review, Qt::Key_Return);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(second)->department, suggested);
    QCOMPARE(review->remaining(), qint64(incomingFiles.size() - 2));

    QTest::keyClick(review, Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(catalog.item(second)->labelId, 0);
    QCOMPARE(review->currentItemId(), second);
    QCOMPARE(review->remaining(), qint64(incomingFiles.size() - 1));
    QCOMPARE(catalog.item(first)->department, QStringLiteral("Egyptian Art")); // the earlier decision stays
    const QMap<QString, int> curated = labelCounts(catalog, LabelSource::Curator);
    QCOMPARE(curated.size(), 1);
    QCOMPARE(curated.value(QStringLiteral("Egyptian Art")), 1);

    // 7. File ▸ Export… as CSV: one row per item, each with the department the catalog holds.
    const QString csvPath = m_dir.filePath(QStringLiteral("export/catalog.csv"));
    QDir().mkpath(QFileInfo(csvPath).absolutePath());
    ExportDialog *exportDialog = window.openExportDialog();
    QVERIFY(exportDialog);
    exportDialog->setFormat(ExportRequest::Format::Csv);
    exportDialog->setOutPath(csvPath);
    exportDialog->accept();
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));
    QFile csvFile(csvPath);
    QVERIFY(csvFile.open(QIODevice::ReadOnly));
    const QList<QStringList> csv = parseCsvText(QString::fromUtf8(csvFile.readAll()));
    QCOMPARE(qint64(csv.size()), catalog.itemCount() + 1);
    const int idColumn = int(csv.first().indexOf(QStringLiteral("id")));
    const int departmentColumn = int(csv.first().indexOf(QStringLiteral("department")));
    QVERIFY(idColumn >= 0 && departmentColumn >= 0);
    QMap<qint64, ItemRow> rows;
    ItemQuery(catalog, {}, ItemOrder::OldestFirst).forEach([&](const ItemRow &row) { rows.insert(row.id, row); });
    QString exportedFirst;
    for (int i = 1; i < csv.size(); ++i) {
        const qint64 id = csv[i].value(idColumn).toLongLong();
        QVERIFY(rows.contains(id));
        QCOMPARE(csv[i].value(departmentColumn), rows[id].label());
        if (id == first)
            exportedFirst = csv[i].value(departmentColumn);
    }
    QCOMPARE(exportedFirst, QStringLiteral("Egyptian Art"));
}

QTEST_MAIN(TestCuratorPath)
#include "tst_curatorpath.moc"
