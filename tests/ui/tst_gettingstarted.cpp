#include "catalogwaits.h"
#include "exportdialog.h"
#include "importlabelleddialog.h"
#include "mainwindow.h"
#include "catalogsession.h"
#include "dashboardwidget.h"
#include "startpage.h"
#include "testcatalogs.h"
#include "testimages.h"

#include "catalog/catalog.h"
#include "catalog/itemquery.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "ingest/csvreader.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QSet>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace accession;
using namespace accession::test;

// From nothing to a labelled catalog with an active model, and back out as files, through the GUI's own dialogs.
class TestGettingStarted : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void emptyCatalogShowsTheStartPage();
    void importLabelledDepartmentFolders();
    void folderDroppedOnTheStartPageImportsLabelled();
    void importLabelledCsvUsesTheMappedColumns();
    void csvDroppedOnTheStartPageOpensTheMapping();
    void catalogDroppedIsOpenedNotImported();
    void addModelFileRegistersAValidModelAndRefusesABrokenOne();
    void exportWritesCsvJsonAndFoldersMatchingTheCatalog();

private:
    QTemporaryDir m_dir;
    ClassifiedCatalog m_fixture;
};

void TestGettingStarted::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_fixture = makeClassifiedCatalog(m_dir.filePath(QStringLiteral("fixture")), 8, 3);
}

namespace {
// Long enough for any job of these tests on a busy two-core machine.
constexpr int kJobTimeoutMs = 180000;
}

void TestGettingStarted::emptyCatalogShowsTheStartPage()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, m_dir.filePath(QStringLiteral("empty.db"))));
    window.show();
    QVERIFY(window.startPage()->isVisible());
    QVERIFY(!window.tabs()->isVisible());
    bool saysWhatToDo = false;
    for (QLabel *label : window.startPage()->findChildren<QLabel *>())
        saysWhatToDo |= label->text().contains(QStringLiteral("Drop one folder per department here, or a CSV with labels"));
    QVERIFY(saysWhatToDo);
    QVERIFY(window.startPage()->findChild<QPushButton *>(QStringLiteral("startImportLabelled")));
    QVERIFY(window.startPage()->findChild<QPushButton *>(QStringLiteral("startAddModel")));
    QVERIFY(window.startPage()->findChild<QPushButton *>(QStringLiteral("startAddWeights")));
    // The Model view points at the menu action, not at the command line.
    bool pointsAtAddModel = false;
    for (QLabel *label : window.dashboard()->findChildren<QLabel *>()) {
        QVERIFY(!label->text().contains(QStringLiteral("command line")));
        pointsAtAddModel |= label->text().contains(QStringLiteral("Model ▸ Add Model File…"));
    }
    QVERIFY(pointsAtAddModel);

    // A catalog with items shows its views instead.
    MainWindow full;
    QVERIFY(openCatalogAndWait(full, copyCatalog(m_fixture.catalogPath, m_dir.path(), QStringLiteral("full.db"))));
    full.show();
    QVERIFY(!full.startPage()->isVisible());
    QVERIFY(full.tabs()->isVisible());
}

void TestGettingStarted::importLabelledDepartmentFolders()
{
    const QString folders = m_dir.filePath(QStringLiteral("labelled"));
    writeDepartmentFolders(folders, {QStringLiteral("Asian Art"), QStringLiteral("Egyptian Art")}, 4, 40, 7);
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, m_dir.filePath(QStringLiteral("folders.db"))));
    window.show();
    QSignalSpy ended(&window, &MainWindow::jobEnded);
    ImportLabelledDialog *dialog = window.openImportLabelledDialog();
    QVERIFY(dialog);
    dialog->chooseDepartmentFolders(folders);
    QVERIFY(dialog->request().source == ImportRequest::Source::DepartmentFolders);
    dialog->accept();
    QVERIFY(window.isJobRunning());
    bool cancelShown = false;
    for (QPushButton *button : window.statusBar()->findChildren<QPushButton *>())
        cancelShown |= button->text() == QStringLiteral("Cancel") && button->isVisible();
    QVERIFY(cancelShown);
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));
    Catalog &catalog = *testCatalog(window.session());
    QCOMPARE(catalog.itemCount(), 8);
    const QMap<QString, int> counts = labelCounts(catalog);
    QCOMPARE(counts.value(QStringLiteral("Asian Art")), 4);
    QCOMPARE(counts.value(QStringLiteral("Egyptian Art")), 4);
    QTRY_VERIFY(!window.startPage()->isVisible());
    QVERIFY(window.tabs()->isVisible());
}

void TestGettingStarted::folderDroppedOnTheStartPageImportsLabelled()
{
    const QString folders = m_dir.filePath(QStringLiteral("dropped"));
    writeDepartmentFolders(folders, {QStringLiteral("Medieval Art"), QStringLiteral("Arms and Armor")}, 3, 40, 11);
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, m_dir.filePath(QStringLiteral("dropped.db"))));
    window.show();
    QSignalSpy ended(&window, &MainWindow::jobEnded);
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(folders)});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window.startPage(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window.startPage(), &drop);
    QVERIFY(window.isJobRunning());
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));
    const QMap<QString, int> counts = labelCounts(*testCatalog(window.session()));
    QCOMPARE(counts.value(QStringLiteral("Medieval Art")), 3);
    QCOMPARE(counts.value(QStringLiteral("Arms and Armor")), 3);
}

// An .accession file (the catalogs' own type) dropped on the start page or the window is opened, not imported.
void TestGettingStarted::catalogDroppedIsOpenedNotImported()
{
    const QString first = m_dir.filePath(QStringLiteral("dropped-first.accession"));
    const QString second = m_dir.filePath(QStringLiteral("dropped-second.accession"));
    for (const QString &path : {first, second}) {
        MainWindow maker;
        QVERIFY(openCatalogAndWait(maker, path));
    }
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, m_dir.filePath(QStringLiteral("before-drop.db"))));
    window.show();
    QVERIFY(window.startPage()->isVisible());

    const auto drop = [](QWidget *target, const QString &path) {
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path)});
        QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(target, &enter);
        QDropEvent dropped(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(target, &dropped);
        return enter.isAccepted() && dropped.isAccepted();
    };
    QSignalSpy opened(&window, &MainWindow::catalogOpened);
    QVERIFY(drop(window.startPage(), first));
    QVERIFY(!window.isJobRunning());
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, 60000);
    QCOMPARE(opened.at(0).at(0).toString(), first);
    QCOMPARE(window.session()->path(), first);

    QVERIFY(drop(&window, second));
    QVERIFY(!window.isJobRunning());
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 2, 60000);
    QCOMPARE(window.session()->path(), second);
    QCOMPARE(Catalog(second).itemCount(), 0);
}

void TestGettingStarted::importLabelledCsvUsesTheMappedColumns()
{
    const QString images = m_dir.filePath(QStringLiteral("csvimages"));
    const QStringList files = writeDepartmentFolders(images, {QStringLiteral("a"), QStringLiteral("b")}, 6, 40, 21);
    QCOMPARE(files.size(), 12);
    // "department" is a usual name, so it is what the dialog guesses; the curator maps "curated" instead.
    QString csv = QStringLiteral("picture,department,curated,number\n");
    for (int i = 0; i < files.size(); ++i) {
        const QString relative = QDir(images).relativeFilePath(files[i]);
        const QString curated = relative.startsWith(QLatin1String("a/")) ? QStringLiteral("Greek and Roman Art")
                                                                          : QStringLiteral("Islamic Art");
        csv += QStringLiteral("%1,Wrong D\u00e9partement,%2,OBJ-%3\n").arg(relative, curated).arg(i);
    }
    const QString csvPath = m_dir.filePath(QStringLiteral("labels.csv"));
    writeFile(csvPath, csv.toLatin1()); // as a Windows spreadsheet exports it: not UTF-8

    MainWindow window;
    QVERIFY(openCatalogAndWait(window, m_dir.filePath(QStringLiteral("csv.db"))));
    window.show();
    QSignalSpy ended(&window, &MainWindow::jobEnded);
    ImportLabelledDialog *dialog = window.openImportLabelledDialog();
    QVERIFY(dialog);
    QSignalSpy previewShown(dialog, &ImportLabelledDialog::previewShown);
    dialog->chooseCsv(csvPath);
    dialog->setImagesDir(images);
    QTRY_COMPARE(previewShown.size(), 1); // read off the GUI thread
    // The preview holds the header and the first rows only.
    QTableWidget *preview = dialog->preview();
    QCOMPARE(preview->columnCount(), 4);
    QCOMPARE(preview->rowCount(), ImportLabelledDialog::kPreviewRows);
    QCOMPARE(preview->horizontalHeaderItem(2)->text(), QStringLiteral("curated"));
    QCOMPARE(preview->horizontalHeaderItem(1)->text(), QStringLiteral("department → department"));
    QCOMPARE(preview->item(0, 0)->text(), QDir(images).relativeFilePath(files[0]));
    QCOMPARE(preview->item(9, 3)->text(), QStringLiteral("OBJ-9"));
    QCOMPARE(dialog->request().columns.labelColumn, QStringLiteral("department")); // the guess
    QVERIFY(dialog->mapColumn(QStringLiteral("label"), QStringLiteral("curated")));
    QVERIFY(dialog->mapColumn(QStringLiteral("file"), QStringLiteral("picture")));
    QVERIFY(dialog->mapColumn(QStringLiteral("id"), QStringLiteral("number")));
    QVERIFY(!dialog->mapColumn(QStringLiteral("label"), QStringLiteral("no such column")));
    QCOMPARE(preview->horizontalHeaderItem(2)->text(), QStringLiteral("curated → department"));
    QCOMPARE(preview->horizontalHeaderItem(0)->text(), QStringLiteral("picture → file"));
    QCOMPARE(preview->horizontalHeaderItem(1)->text(), QStringLiteral("department"));
    dialog->accept();
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));

    Catalog &catalog = *testCatalog(window.session());
    QCOMPARE(catalog.itemCount(), 12);
    const QMap<QString, int> counts = labelCounts(catalog);
    QCOMPARE(counts.value(QStringLiteral("Greek and Roman Art")), 6);
    QCOMPARE(counts.value(QStringLiteral("Islamic Art")), 6);
    QVERIFY(!counts.contains(QStringLiteral("Wrong Department")));
    QStringList externalIds;
    ItemQuery(catalog, {}, ItemOrder::OldestFirst).forEach([&](const ItemRow &row) { externalIds << row.externalId; });
    QVERIFY(externalIds.contains(QStringLiteral("OBJ-0")));
    QVERIFY(externalIds.contains(QStringLiteral("OBJ-11")));
    // How the file was read is listed with the problems, against the CSV, as the command line prints it.
    bool encodingNoted = false;
    for (int row = 0; row < window.problemsTable()->rowCount(); ++row)
        encodingNoted |= window.problemsTable()->item(row, 1)->text().endsWith(QStringLiteral("labels.csv"))
                         && window.problemsTable()->item(row, 2)->text().contains(QStringLiteral("Windows-1252"));
    QVERIFY(encodingNoted);
}

void TestGettingStarted::csvDroppedOnTheStartPageOpensTheMapping()
{
    const QString csvPath = m_dir.filePath(QStringLiteral("dropped.csv"));
    writeFile(csvPath, "Object ID,Department,Picture_name\n1,Asian Art,1.jpg\n2,Egyptian Art,2.jpg\n");
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, m_dir.filePath(QStringLiteral("csvdrop.db"))));
    window.show();
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(csvPath)});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window.startPage(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window.startPage(), &drop);
    QVERIFY(!window.isJobRunning()); // a CSV needs its mapping confirmed first
    auto *dialog = window.findChild<ImportLabelledDialog *>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QTRY_COMPARE(dialog->preview()->rowCount(), 2); // read off the GUI thread
    QCOMPARE(dialog->preview()->item(1, 1)->text(), QStringLiteral("Egyptian Art"));
    const ImportRequest request = dialog->request();
    QVERIFY(request.source == ImportRequest::Source::Csv);
    QCOMPARE(request.columns.labelColumn, QStringLiteral("Department"));
    QCOMPARE(request.columns.fileColumn, QStringLiteral("Picture_name"));
    QCOMPARE(request.columns.idColumn, QStringLiteral("Object ID"));
}

void TestGettingStarted::addModelFileRegistersAValidModelAndRefusesABrokenOne()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, m_dir.filePath(QStringLiteral("model.db"))));
    window.show();
    QSignalSpy ended(&window, &MainWindow::jobEnded);

    const QString broken = m_dir.filePath(QStringLiteral("broken.safetensors"));
    writeFile(broken, "this is not a model");
    window.addModelFile(broken);
    QVERIFY(!waitForJobEnded(ended, kJobTimeoutMs));
    Catalog &catalog = *testCatalog(window.session());
    QVERIFY(ModelRegistry(catalog).models().isEmpty());
    QVERIFY(window.problemsTable()->rowCount() >= 1);
    const QString reason = window.problemsTable()->item(window.problemsTable()->rowCount() - 1, 2)->text();
    QVERIFY2(reason.contains(QStringLiteral("broken.safetensors")), qPrintable(reason));

    window.addModelFile(m_fixture.modelPath);
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));
    const auto active = ModelRegistry(catalog).activeModel();
    QVERIFY(active);
    QCOMPARE(active->weightsPath, QFileInfo(m_fixture.modelPath).absoluteFilePath());
}

void TestGettingStarted::exportWritesCsvJsonAndFoldersMatchingTheCatalog()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, copyCatalog(m_fixture.catalogPath, m_dir.path(), QStringLiteral("export.db"))));
    window.show();
    QSignalSpy ended(&window, &MainWindow::jobEnded);
    Catalog &catalog = *testCatalog(window.session());
    QMap<qint64, ItemRow> rows;
    ItemQuery(catalog, {}, ItemOrder::OldestFirst).forEach([&](const ItemRow &row) { rows.insert(row.id, row); });
    QCOMPARE(qint64(rows.size()), catalog.itemCount());

    // CSV
    const QString csvPath = m_dir.filePath(QStringLiteral("export/items.csv"));
    QDir().mkpath(QFileInfo(csvPath).absolutePath());
    ExportDialog *dialog = window.openExportDialog();
    QVERIFY(dialog);
    dialog->setFormat(ExportRequest::Format::Csv);
    dialog->setOutPath(csvPath);
    dialog->accept();
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));
    QFile csvFile(csvPath);
    QVERIFY(csvFile.open(QIODevice::ReadOnly));
    const QList<QStringList> csv = parseCsvText(QString::fromUtf8(csvFile.readAll()));
    QCOMPARE(csv.size(), rows.size() + 1);
    const int idColumn = int(csv.first().indexOf(QStringLiteral("id")));
    const int departmentColumn = int(csv.first().indexOf(QStringLiteral("department")));
    QVERIFY(idColumn >= 0 && departmentColumn >= 0);
    for (int i = 1; i < csv.size(); ++i) {
        const qint64 id = csv[i].value(idColumn).toLongLong();
        QVERIFY(rows.contains(id));
        QCOMPARE(csv[i].value(departmentColumn), rows[id].label());
    }

    // JSON
    const QString jsonPath = m_dir.filePath(QStringLiteral("export/items.json"));
    dialog = window.openExportDialog();
    dialog->setFormat(ExportRequest::Format::Json);
    dialog->setOutPath(jsonPath);
    dialog->accept();
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));
    QFile jsonFile(jsonPath);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonArray json = QJsonDocument::fromJson(jsonFile.readAll()).array();
    QCOMPARE(json.size(), rows.size());
    QSet<QString> jsonPaths;
    for (const QJsonValue &value : json)
        jsonPaths << value.toObject().value(QStringLiteral("path")).toString();
    for (const ItemRow &row : rows)
        QVERIFY2(jsonPaths.contains(row.path), qPrintable(row.path));

    // Folders: every labelled item's image under its department
    const QString foldersPath = m_dir.filePath(QStringLiteral("export/folders"));
    dialog = window.openExportDialog();
    dialog->setFormat(ExportRequest::Format::Folders);
    dialog->setOutPath(foldersPath);
    dialog->accept();
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));
    QMap<QString, int> expected;
    for (const ItemRow &row : rows) {
        if (!row.label().isEmpty())
            expected[row.label()] += 1;
    }
    QVERIFY(!expected.isEmpty());
    for (auto it = expected.cbegin(); it != expected.cend(); ++it)
        QCOMPARE(int(QDir(foldersPath + QLatin1Char('/') + it.key()).entryList(QDir::Files).size()), it.value());
    QVERIFY(QFileInfo::exists(foldersPath + QStringLiteral("/labels.csv")));
    QVERIFY(QFileInfo::exists(foldersPath + QStringLiteral("/labels.json")));
}

QTEST_MAIN(TestGettingStarted)
#include "tst_gettingstarted.moc"
