#include "catalogwaits.h"
#include "appearance.h"
#include "catalogsession.h"
#include "dashboardwidget.h"
#include "departmentsdialog.h"
#include "jobs/exportjob.h"
#include "mainwindow.h"
#include "preferencesdialog.h"
#include "retraindialog.h"
#include "testcatalogs.h"

#include "catalog/catalog.h"
#include "ingest/exporter.h"

#include <QAbstractAxis>
#include <QAction>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLegend>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

using namespace accession;
using namespace accession::test;

namespace {

QStringList listTexts(const QListWidget *list)
{
    QStringList texts;
    for (int i = 0; i < list->count(); ++i)
        texts << list->item(i)->text();
    return texts;
}

QVector<QPair<QString, qint64>> departmentCounts(Catalog &catalog)
{
    QVector<QPair<QString, qint64>> counts;
    const QVector<Department> departments = catalog.departments();
    const CatalogStats stats = catalog.stats();
    for (int i = 0; i < departments.size(); ++i)
        counts.push_back({departments[i].name, stats.byDepartment.value(i).count});
    return counts;
}

QByteArray sha256Of(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

// Files under DIR, relative, without labels.csv and labels.json.
QStringList exportedFiles(const QString &dir)
{
    QStringList files;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString relative = QDir(dir).relativeFilePath(it.next());
        if (!relative.startsWith(QLatin1String("labels.")))
            files << relative;
    }
    files.sort();
    return files;
}

} // namespace

// Light and dark, chosen or as the desktop says, charts included; department merges undone; exports cancelled midway.
class TestAppearance : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void darkGivesADarkWindowAndDarkCharts();
    void lightGivesALightWindow();
    void preferencesSwitchLiveAndCancelGoesBack();
    void environmentOverridesAndDesktopThemeIsRead();
    void mergeIsUndoneFromEditUndo();
    void mergeIsUndoneFromTheDialogAfterARestart();
    void folderExportCancelledMidFileLeavesNoHalfFile();
    void exportJobStopsOnCancel();

private:
    QString bigImageCatalog(const QString &name);

    QTemporaryDir m_dir;
    ClassifiedCatalog m_fixture;
    int m_copies = 0;
};

void TestAppearance::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
    QCoreApplication::setOrganizationName(QStringLiteral("AccessionTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_appearance"));
    qunsetenv("ACCESSION_APPEARANCE");
    qunsetenv("GTK_THEME");
    m_fixture = makeClassifiedCatalog(m_dir.filePath(QStringLiteral("fixture")), 8, 2);
}

void TestAppearance::init()
{
    QSettings().clear();
}

void TestAppearance::cleanup()
{
    qunsetenv("ACCESSION_APPEARANCE");
    qunsetenv("GTK_THEME");
    AppearanceManager::instance().apply(AppearanceChoice::Light);
}

void TestAppearance::darkGivesADarkWindowAndDarkCharts()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, copyCatalog(m_fixture.catalogPath, m_dir.path(), QStringLiteral("dark%1.db").arg(++m_copies))));
    window.show();
    AppearanceManager::instance().apply(AppearanceChoice::Dark);
    QVERIFY(AppearanceManager::instance().isDark());
    QVERIFY(window.palette().color(QPalette::Window).lightnessF() < 0.5);
    QVERIFY(window.palette().color(QPalette::WindowText).lightnessF() > 0.5);
    QChart *chart = window.dashboard()->accuracyChartView()->chart();
    QVERIFY(chart->backgroundBrush().color().lightnessF() < 0.5);
    QVERIFY(chart->legend()->labelColor().lightnessF() > 0.5);
    for (QAbstractAxis *axis : chart->axes())
        QVERIFY(axis->labelsBrush().color().lightnessF() > 0.5);

    // A chart made after the switch (the Train dialog's curves) starts dark too.
    window.openRetrainDialog();
    auto *train = window.findChild<RetrainDialog *>();
    QVERIFY(train);
    QVERIFY(QTest::qWaitForWindowExposed(train));
    const QList<QChartView *> trainCharts = train->findChildren<QChartView *>();
    QVERIFY(!trainCharts.isEmpty());
    for (QChartView *view : trainCharts)
        QVERIFY(view->chart()->backgroundBrush().color().lightnessF() < 0.5);
    train->close();

    // And back, live.
    AppearanceManager::instance().apply(AppearanceChoice::Light);
    QVERIFY(window.palette().color(QPalette::Window).lightnessF() > 0.5);
    QVERIFY(chart->backgroundBrush().color().lightnessF() > 0.5);
    for (QAbstractAxis *axis : chart->axes())
        QVERIFY(axis->labelsBrush().color().lightnessF() < 0.5);
}

void TestAppearance::lightGivesALightWindow()
{
    AppearanceManager::instance().apply(AppearanceChoice::Dark);
    MainWindow window;
    AppearanceManager::instance().apply(AppearanceChoice::Light);
    QVERIFY(!AppearanceManager::instance().isDark());
    QVERIFY(window.palette().color(QPalette::Window).lightnessF() > 0.5);
    QVERIFY(window.palette().color(QPalette::Base).lightnessF() > 0.5);
    QVERIFY(window.palette().color(QPalette::Text).lightnessF() < 0.5);
    QVERIFY(window.dashboard()->accuracyChartView()->chart()->backgroundBrush().color().lightnessF() > 0.5);
    // Colours picked for a light background are left as they are; on a dark one they are made readable.
    const QColor green(0x2e, 0x7d, 0x32);
    QCOMPARE(readableOn(green, window.palette()), green);
    QVERIFY(readableOn(green, AppearanceManager::darkPalette()).lightness() >= 170);
}

void TestAppearance::preferencesSwitchLiveAndCancelGoesBack()
{
    MainWindow window;
    window.show();
    PreferencesDialog *dialog = window.openPreferences();
    QComboBox *appearance = dialog->appearanceBox();
    QCOMPARE(AppearanceChoice(appearance->currentData().toInt()), AppearanceChoice::System);
    appearance->setCurrentIndex(appearance->findData(int(AppearanceChoice::Dark)));
    QVERIFY(window.palette().color(QPalette::Window).lightnessF() < 0.5); // shown before OK
    dialog->reject();
    QVERIFY(window.palette().color(QPalette::Window).lightnessF() > 0.5); // Cancel goes back

    dialog = window.openPreferences();
    dialog->appearanceBox()->setCurrentIndex(dialog->appearanceBox()->findData(int(AppearanceChoice::Dark)));
    dialog->accept();
    QCOMPARE(Preferences::load().appearance, AppearanceChoice::Dark);
    QVERIFY(window.palette().color(QPalette::Window).lightnessF() < 0.5);
    // The next window (the next start) opens dark.
    MainWindow next;
    QVERIFY(AppearanceManager::instance().isDark());
    QVERIFY(next.palette().color(QPalette::Window).lightnessF() < 0.5);
}

void TestAppearance::environmentOverridesAndDesktopThemeIsRead()
{
    MainWindow window;
    qputenv("ACCESSION_APPEARANCE", "dark");
    QCOMPARE(AppearanceManager::environmentOverride(), std::optional<bool>(true));
    AppearanceManager::instance().apply(AppearanceChoice::Light); // scripts decide over the preference
    QVERIFY(window.palette().color(QPalette::Window).lightnessF() < 0.5);
    qputenv("ACCESSION_APPEARANCE", "light");
    AppearanceManager::instance().apply(AppearanceChoice::Dark);
    QVERIFY(window.palette().color(QPalette::Window).lightnessF() > 0.5);
    qunsetenv("ACCESSION_APPEARANCE");

    // "As the desktop says": a GTK theme's dark variant.
    qputenv("GTK_THEME", "Adwaita:dark");
    AppearanceManager::instance().apply(AppearanceChoice::System);
    QVERIFY(AppearanceManager::instance().isDark());
    QVERIFY(window.palette().color(QPalette::Window).lightnessF() < 0.5);
    qputenv("GTK_THEME", "Adwaita");
    AppearanceManager::instance().apply(AppearanceChoice::System);
    QVERIFY(!AppearanceManager::instance().isDark());
    QVERIFY(window.palette().color(QPalette::Window).lightnessF() > 0.5);
}

void TestAppearance::mergeIsUndoneFromEditUndo()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, copyCatalog(m_fixture.catalogPath, m_dir.path(), QStringLiteral("merge%1.db").arg(++m_copies))));
    window.show();
    window.openDepartmentsDialog();
    auto *dialog = window.findChild<DepartmentsDialog *>();
    QVERIFY(dialog);
    QVERIFY(settleCatalogReads(window.session()));
    Catalog *catalog = testCatalog(window.session());
    const QStringList shownBefore = listTexts(dialog->list());
    const auto countsBefore = departmentCounts(*catalog);
    const QVector<Department> departments = catalog->departments();
    QVERIFY(!dialog->undoMergeButton()->isEnabled());

    dialog->mergeDepartments(departments[0].id, departments[1].id);
    QVERIFY(settleCatalogReads(window.session()));
    QVERIFY(dialog->lastError().isEmpty());
    QCOMPARE(dialog->list()->count(), shownBefore.size() - 1);
    QVERIFY(departmentCounts(*catalog) != countsBefore);
    QVERIFY(dialog->undoMergeButton()->isEnabled());

    // Edit ▸ Undo, as Ctrl+Z triggers it.
    QAction *undo = nullptr;
    for (QAction *action : window.findChildren<QAction *>()) {
        if (action->shortcut() == QKeySequence(QKeySequence::Undo))
            undo = action;
    }
    QVERIFY(undo);
    QVERIFY(undo->isEnabled());
    QVERIFY(undo->text().contains(QStringLiteral("Merge")));
    undo->trigger();
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(listTexts(dialog->list()), shownBefore);
    QCOMPARE(departmentCounts(*catalog), countsBefore);
    QCOMPARE(catalog->departmentIdByName(departments[0].name), departments[0].id);
    QVERIFY(!dialog->undoMergeButton()->isEnabled());

    // Redo merges again, and the dialog's own button undoes it too.
    window.session()->undoStack()->redo();
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(dialog->list()->count(), shownBefore.size() - 1);
    dialog->undoMergeButton()->click();
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(listTexts(dialog->list()), shownBefore);
    QCOMPARE(departmentCounts(*catalog), countsBefore);
}

void TestAppearance::mergeIsUndoneFromTheDialogAfterARestart()
{
    const QString path = copyCatalog(m_fixture.catalogPath, m_dir.path(), QStringLiteral("restart%1.db").arg(++m_copies));
    QStringList shownBefore;
    QVector<QPair<QString, qint64>> countsBefore;
    {
        MainWindow window;
        QVERIFY(openCatalogAndWait(window, path));
        window.openDepartmentsDialog();
        auto *dialog = window.findChild<DepartmentsDialog *>();
        QVERIFY(settleCatalogReads(window.session()));
        shownBefore = listTexts(dialog->list());
        countsBefore = departmentCounts(*testCatalog(window.session()));
        const QVector<Department> departments = testCatalog(window.session())->departments();
        dialog->mergeDepartments(departments[2].id, departments[0].id);
        QVERIFY(settleCatalogReads(window.session()));
        QVERIFY(dialog->lastError().isEmpty());
    }
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, path));
    QVERIFY(!window.session()->undoStack()->canUndo()); // a new session: only the catalog remembers the merge
    window.openDepartmentsDialog();
    auto *dialog = window.findChild<DepartmentsDialog *>();
    QVERIFY(settleCatalogReads(window.session()));
    QVERIFY(dialog->undoMergeButton()->isEnabled());
    dialog->undoMergeButton()->click();
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(listTexts(dialog->list()), shownBefore);
    QCOMPARE(departmentCounts(*testCatalog(window.session())), countsBefore);
}

QString TestAppearance::bigImageCatalog(const QString &name)
{
    const QString images = m_dir.filePath(name + QStringLiteral("-images"));
    const QStringList files = writeDepartmentFolders(images, {QStringLiteral("Arms"), QStringLiteral("Prints")}, 3, 16);
    const QString path = m_dir.filePath(name + QStringLiteral(".db"));
    importFolders(path, images);
    // Large files after the import (the export copies bytes, it does not decode): each takes several chunks.
    for (int i = 0; i < files.size(); ++i) {
        QFile file(files[i]);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return {};
        file.write(QByteArray(3 * 1024 * 1024 + 17 * i, char('a' + i)));
    }
    return path;
}

void TestAppearance::folderExportCancelledMidFileLeavesNoHalfFile()
{
    const QString catalogPath = bigImageCatalog(QStringLiteral("bigexport"));
    QVERIFY(!catalogPath.isEmpty());
    const QString out = m_dir.filePath(QStringLiteral("bigexport-out"));
    Catalog catalog(catalogPath);

    qint64 done = 0;
    int checksSinceLastFile = 0;
    bool partialSeenAtCancel = false;
    FolderExportControl control;
    control.progress = [&](qint64 copied, qint64) {
        done = copied;
        checksSinceLastFile = 0;
    };
    // Cancelled inside the third file, after its first chunk was written.
    control.isCancelled = [&] {
        if (done < 2 || ++checksSinceLastFile < 2)
            return false;
        QDirIterator parts(out, {QStringLiteral("*.part")}, QDir::Files, QDirIterator::Subdirectories);
        partialSeenAtCancel = parts.hasNext();
        return true;
    };
    const FolderExportSummary summary = exportDepartmentFolders(catalog, out, control);
    QVERIFY(summary.cancelled);
    QVERIFY(partialSeenAtCancel); // the cancel did come in the middle of a copy
    QCOMPARE(summary.written, 2);
    QCOMPARE(summary.total, 6);

    // Nothing half written, and what is there is listed, whole.
    const QStringList files = exportedFiles(out);
    QCOMPARE(files.size(), 2);
    for (const QString &file : files)
        QVERIFY2(!file.endsWith(QLatin1String(".part")), qPrintable(file));
    QFile csv(out + QStringLiteral("/labels.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3); // header and two rows
    QFile json(out + QStringLiteral("/labels.json"));
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonArray rows = QJsonDocument::fromJson(json.readAll()).array();
    QCOMPARE(rows.size(), 2);
    for (const QJsonValue &row : rows) {
        const QString exported = row[QStringLiteral("exported_file")].toString();
        QVERIFY(files.contains(exported));
        QCOMPARE(sha256Of(out + QLatin1Char('/') + exported), sha256Of(row[QStringLiteral("path")].toString()));
    }

    // Run to the end, the same export replaces everything with the whole set.
    const FolderExportSummary whole = exportDepartmentFolders(catalog, out);
    QVERIFY(!whole.cancelled);
    QCOMPARE(whole.written, 6);
    QCOMPARE(exportedFiles(out).size(), 6);
}

void TestAppearance::exportJobStopsOnCancel()
{
    const QString catalogPath = bigImageCatalog(QStringLiteral("jobexport"));
    QVERIFY(!catalogPath.isEmpty());
    ExportRequest request;
    request.catalogPath = catalogPath;
    request.format = ExportRequest::Format::Folders;
    request.outPath = m_dir.filePath(QStringLiteral("jobexport-out"));
    ExportJob job(request);
    int cancelled = 0;
    connect(&job, &Job::progress, &job, [&](qint64 done, qint64) {
        if (done >= 1)
            job.cancel(); // as the status bar's Cancel does, after the first image
    }, Qt::DirectConnection);
    connect(&job, &Job::cancelled, &job, [&] { ++cancelled; }, Qt::DirectConnection);
    QVERIFY(!job.exec());
    QCOMPARE(cancelled, 1);
    QCOMPARE(job.summary().written, 1);
    QCOMPARE(exportedFiles(request.outPath).size(), 1);
}

QTEST_MAIN(TestAppearance)
#include "tst_appearance.moc"
