#include "catalogwaits.h"
#include "catalogsession.h"
#include "catalogview.h"
#include "dashboardwidget.h"
#include "departmentsdialog.h"
#include "mainwindow.h"
#include "plurals.h"
#include "preferencesdialog.h"
#include "retraindialog.h"
#include "testcatalogs.h"

#include "catalog/catalog.h"

#include <QAbstractAxis>
#include <QAction>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QGuiApplication>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>

using namespace accession;
using namespace accession::test;

// The desktop around the curator's work: remembered settings, panels, toolbar, plurals, empty states, preferences.
class TestDesktop : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void firstWindowFitsTheScreen();
    void settingsAreRestoredByTheNextWindow();
    void lastCatalogThatIsGoneIsNotOpened();
    void problemsPanelReopensFromTheViewMenu();
    void toolbarAndShortcutsForImportAndTrain();
    void countsSpeakInPlurals();
    void emptyStatesSayWhy();
    void preferencesArePersistedAndApplied();
    void userGuideExplainsThePath();
    void chartsFollowADarkPalette();
    void mergingADepartmentAsksFirst();

private:
    QString labelledCatalog(const QString &name, int perDepartment);
    static QMenu *menuNamed(MainWindow &window, const QString &title);
    QTemporaryDir m_dir;
    ClassifiedCatalog m_fixture;
};

void TestDesktop::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Settings go to a temporary folder, never to the user's own.
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
    QCoreApplication::setOrganizationName(QStringLiteral("AccessionTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_desktop"));
    m_fixture = makeClassifiedCatalog(m_dir.filePath(QStringLiteral("fixture")), 8, 2);
}

void TestDesktop::init()
{
    QSettings().clear();
}

QString TestDesktop::labelledCatalog(const QString &name, int perDepartment)
{
    const QString images = m_dir.filePath(name + QStringLiteral("-images"));
    writeDepartmentFolders(images, {QStringLiteral("Arms"), QStringLiteral("Prints")}, perDepartment, 16);
    const QString path = m_dir.filePath(name + QStringLiteral(".db"));
    importFolders(path, images);
    return path;
}

QMenu *TestDesktop::menuNamed(MainWindow &window, const QString &title)
{
    for (QAction *action : window.menuBar()->actions()) {
        if (action->menu() && action->text() == title)
            return action->menu();
    }
    return nullptr;
}

void TestDesktop::firstWindowFitsTheScreen()
{
    MainWindow window;
    const QSize available = QGuiApplication::primaryScreen()->availableGeometry().size();
    // The offscreen screen is 800x600: below the 768 pixels of a small laptop.
    QVERIFY2(window.minimumSizeHint().height() <= available.height(), qPrintable(QString::number(window.minimumSizeHint().height())));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.height() <= available.height());
}

void TestDesktop::settingsAreRestoredByTheNextWindow()
{
    const QString path = copyCatalog(m_fixture.catalogPath, m_dir.path(), QStringLiteral("remembered.db"));
    QSize firstSize;
    {
        MainWindow first;
        QVERIFY(first.mainToolBar()->objectName() == QStringLiteral("mainToolBar"));
        first.show();
        QVERIFY(QTest::qWaitForWindowExposed(&first));
        first.resize(1100, 900);
        firstSize = first.size();
        QVERIFY(firstSize != QSize(1360, 860)); // not the default a fresh window starts with
        QVERIFY(openCatalogAndWait(first, path));
        first.catalogView()->showGrid(false);
        first.problemsDock()->show();
        QVERIFY(first.close());
    }
    MainWindow second;
    QCOMPARE(second.size(), firstSize);
    QVERIFY(!second.catalogView()->isGrid());
    QVERIFY(!second.problemsDock()->isHidden());
    QVERIFY(second.catalogPath().isEmpty());
    QVERIFY(second.openLastCatalog());
    QVERIFY(settleCatalogReads(second.session()));
    QCOMPARE(second.catalogPath(), path);
    QVERIFY(!second.catalogView()->isShowingEmptyState());

    second.catalogView()->showGrid(true);
    second.saveSettings();
    MainWindow third;
    QVERIFY(third.catalogView()->isGrid());
}

void TestDesktop::lastCatalogThatIsGoneIsNotOpened()
{
    const QString path = copyCatalog(m_fixture.catalogPath, m_dir.path(), QStringLiteral("gone.db"));
    {
        MainWindow first;
        QVERIFY(openCatalogAndWait(first, path));
        first.saveSettings();
    }
    QVERIFY(QFile::remove(path));
    MainWindow second;
    QVERIFY(!second.openLastCatalog());
    QVERIFY(second.catalogPath().isEmpty());
    QVERIFY(!QFile::exists(path)); // not recreated as an empty catalog
}

void TestDesktop::problemsPanelReopensFromTheViewMenu()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.problemsDock()->isHidden());
    QMenu *view = menuNamed(window, QStringLiteral("&View"));
    QVERIFY(view);
    QAction *problems = window.showProblemsAction();
    QVERIFY(view->actions().contains(problems));
    problems->trigger();
    QVERIFY(window.problemsDock()->isVisible());
    window.problemsDock()->close(); // the curator closes it
    QVERIFY(!window.problemsDock()->isVisible());
    problems->trigger();
    QVERIFY(window.problemsDock()->isVisible());
}

void TestDesktop::toolbarAndShortcutsForImportAndTrain()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const QList<QAction *> tools = window.mainToolBar()->actions();
    QVERIFY(tools.contains(window.importFilesAction()));
    QVERIFY(tools.contains(window.trainAction()));
    QCOMPARE(window.importFilesAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_I));
    QCOMPARE(window.trainAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_T));
    QVERIFY(menuNamed(window, QStringLiteral("&File"))->actions().contains(window.importFilesAction()));
    QVERIFY(menuNamed(window, QStringLiteral("&Model"))->actions().contains(window.trainAction()));

    QVERIFY(openCatalogAndWait(window, labelledCatalog(QStringLiteral("train"), 3)));
    QVERIFY(!window.findChild<RetrainDialog *>());
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QTest::keyClick(&window, Qt::Key_T, Qt::ControlModifier);
    QTRY_VERIFY(window.findChild<RetrainDialog *>());
}

void TestDesktop::countsSpeakInPlurals()
{
    QCOMPARE(plural(0, QStringLiteral("%1 item"), QStringLiteral("%1 items")), QStringLiteral("0 items"));
    QCOMPARE(plural(1, QStringLiteral("%1 item"), QStringLiteral("%1 items")), QStringLiteral("1 item"));
    QCOMPARE(plural(2, QStringLiteral("%1 item"), QStringLiteral("%1 items")), QStringLiteral("2 items"));

    const QString images = m_dir.filePath(QStringLiteral("plural-images"));
    writeDepartmentFolders(images, {QStringLiteral("Arms")}, 1, 16);
    const QString one = m_dir.filePath(QStringLiteral("one.db"));
    importFolders(one, images);
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, one));
    QCOMPARE(window.catalogView()->countLabel()->text(), QStringLiteral("1 item"));
    QVERIFY(window.countLabel()->text().startsWith(QStringLiteral("1 item ·")));

    QVERIFY(openCatalogAndWait(window, labelledCatalog(QStringLiteral("two"), 1)));
    QCOMPARE(window.catalogView()->countLabel()->text(), QStringLiteral("2 items"));
    QVERIFY(window.countLabel()->text().startsWith(QStringLiteral("2 items ·")));
    QVERIFY(!window.countLabel()->text().contains(QStringLiteral("(s)")));
}

void TestDesktop::emptyStatesSayWhy()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.catalogView()->isShowingEmptyState());
    QVERIFY(window.catalogView()->emptyStateLabel()->text().contains(QStringLiteral("No catalog open")));
    QVERIFY(window.dashboard()->isShowingEmptyState());

    QVERIFY(openCatalogAndWait(window, m_dir.filePath(QStringLiteral("new-empty.db"))));
    QVERIFY(window.catalogView()->isShowingEmptyState());
    QVERIFY(window.catalogView()->emptyStateLabel()->text().contains(QStringLiteral("This catalog is empty")));

    // Labelled items but no model: the dashboard says so instead of showing empty charts.
    QVERIFY(openCatalogAndWait(window, labelledCatalog(QStringLiteral("nomodel"), 2)));
    QVERIFY(!window.catalogView()->isShowingEmptyState());
    window.showDashboard();
    QVERIFY(window.dashboard()->isShowingEmptyState());
    QVERIFY(window.dashboard()->emptyStateLabel()->isVisible());
    QVERIFY(window.dashboard()->emptyStateLabel()->text().contains(QStringLiteral("No model yet")));

    window.showCatalog();
    QVERIFY(openCatalogAndWait(window, copyCatalog(m_fixture.catalogPath, m_dir.path(), QStringLiteral("searched.db"))));
    QVERIFY(!window.dashboard()->isShowingEmptyState());
    QVERIFY(!window.catalogView()->isShowingEmptyState());
    window.catalogView()->searchField()->setText(QStringLiteral("no-such-object-anywhere"));
    QTRY_VERIFY(window.catalogView()->isShowingEmptyState());
    QVERIFY(window.catalogView()->emptyStateLabel()->isVisible());
    QVERIFY(window.catalogView()->emptyStateLabel()->text().contains(QStringLiteral("No items match “no-such-object-anywhere”")));
    QCOMPARE(window.catalogView()->countLabel()->text(), QStringLiteral("0 items"));
    window.catalogView()->searchField()->clear();
    QTRY_VERIFY(!window.catalogView()->isShowingEmptyState());
    QVERIFY(window.catalogView()->gridView()->isVisible());
}

void TestDesktop::preferencesArePersistedAndApplied()
{
    MainWindow window;
    QCOMPARE(window.catalogView()->thumbnailSize(), Preferences::kDefaultThumbnailSize);
    PreferencesDialog *dialog = window.openPreferences();
    QVERIFY(dialog);
    dialog->thumbnailSizeBox()->setValue(176);
    dialog->targetAccuracyBox()->setValue(90.0);
    dialog->accept();
    QCOMPARE(window.catalogView()->thumbnailSize(), 176);
    QCOMPARE(Preferences::load().targetAccuracy, 0.90);

    MainWindow next;
    QCOMPARE(next.catalogView()->thumbnailSize(), 176);
    QVERIFY(openCatalogAndWait(next, labelledCatalog(QStringLiteral("prefs"), 2)));
    next.trainAction()->trigger();
    auto *retrain = next.findChild<RetrainDialog *>();
    QVERIFY(retrain);
    QCOMPARE(retrain->options().targetAccuracy, 0.90);
}

void TestDesktop::userGuideExplainsThePath()
{
    MainWindow window;
    QMenu *help = menuNamed(window, QStringLiteral("&Help"));
    QVERIFY(help);
    QCOMPARE(help->actions().size(), 2);
    QDialog *guide = window.showUserGuide();
    auto *browser = guide->findChild<QTextBrowser *>();
    QVERIFY(browser);
    const QString text = browser->toPlainText();
    for (const QString &step : {QStringLiteral("Import Files"), QStringLiteral("Train or Retrain"), QStringLiteral("Review"),
                                QStringLiteral("Preferences")})
        QVERIFY2(text.contains(step), qPrintable(step));
    guide->close();
}

void TestDesktop::chartsFollowADarkPalette()
{
    MainWindow window;
    QChart *chart = window.dashboard()->accuracyChartView()->chart();
    QCOMPARE(chart->backgroundBrush().color(), window.palette().color(QPalette::Base));
    QPalette dark = window.palette();
    dark.setColor(QPalette::Base, QColor(0x20, 0x20, 0x24));
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x30));
    dark.setColor(QPalette::Text, QColor(0xe8, 0xe8, 0xe8));
    window.setPalette(dark); // what a system switching to dark mode sends down to every widget
    QCOMPARE(chart->backgroundBrush().color(), QColor(0x20, 0x20, 0x24));
    QCOMPARE(chart->legend()->labelColor(), QColor(0xe8, 0xe8, 0xe8));
    for (QAbstractAxis *axis : chart->axes())
        QCOMPARE(axis->labelsBrush().color(), QColor(0xe8, 0xe8, 0xe8));
}

void TestDesktop::mergingADepartmentAsksFirst()
{
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, copyCatalog(m_fixture.catalogPath, m_dir.path(), QStringLiteral("merge.db"))));
    window.show();
    window.openDepartmentsDialog();
    auto *dialog = window.findChild<DepartmentsDialog *>();
    QVERIFY(dialog);
    QPushButton *merge = nullptr;
    for (QPushButton *button : dialog->findChildren<QPushButton *>()) {
        if (button->text() == QStringLiteral("Merge into…"))
            merge = button;
    }
    QVERIFY(merge);
    QVERIFY(settleCatalogReads(window.session()));
    const int departments = int(testCatalog(window.session())->departments().size());

    // The click opens the choice of target, then the question; both answered as a curator would.
    QStringList questions;
    QMessageBox::StandardButton answer = QMessageBox::Cancel;
    QTimer answerer;
    answerer.setInterval(10);
    connect(&answerer, &QTimer::timeout, this, [&] {
        QWidget *modal = QApplication::activeModalWidget();
        if (auto *input = qobject_cast<QInputDialog *>(modal)) {
            input->accept();
        } else if (auto *box = qobject_cast<QMessageBox *>(modal)) {
            questions << box->text();
            box->button(answer)->click();
        }
    });
    answerer.start();
    dialog->list()->setCurrentRow(0);
    merge->click();
    QCOMPARE(questions.size(), 1);
    QVERIFY(questions.first().startsWith(QStringLiteral("Merge “")));
    QCOMPARE(int(testCatalog(window.session())->departments().size()), departments); // cancelled: nothing merged

    answer = QMessageBox::Yes;
    dialog->list()->setCurrentRow(0);
    merge->click();
    answerer.stop();
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(questions.size(), 2);
    QCOMPARE(int(testCatalog(window.session())->departments().size()), departments - 1);
}

QTEST_MAIN(TestDesktop)
#include "tst_desktop.moc"
