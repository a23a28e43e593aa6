#include "catalogwaits.h"
#include "catalogsession.h"
#include "imagefolderdialog.h"
#include "mainwindow.h"

#include "catalog/catalog.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

using namespace accession;

// Edit ▸ Shared Image Folder…, driven in a real window over a real SQLite catalog: the GUI's `storage` command.
class TestImageFolderDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void setsAndClearsTheFolderFromTheEditMenu();
    void refusedFolderIsNamedAndTheOldSettingStays();
    void showsTheEnvironmentOverrideOfThisMachine();

private:
    // A new empty catalog, open in window, with the dialog opened from the Edit menu and its first reading shown.
    ImageFolderDialog *openDialog(MainWindow &window, const QString &name);
    QString settingOf(const QString &catalogPath) const { return Catalog(catalogPath).imageFolderSetting(); }
    static bool save(ImageFolderDialog *dialog, bool expectSaved);
    QTemporaryDir m_dir;
};

void TestImageFolderDialog::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
    QCoreApplication::setOrganizationName(QStringLiteral("AccessionTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_imagefolderdialog"));
}

void TestImageFolderDialog::init()
{
    qunsetenv(Catalog::kImageFolderEnvironment);
}

ImageFolderDialog *TestImageFolderDialog::openDialog(MainWindow &window, const QString &name)
{
    const QString path = m_dir.filePath(name + QStringLiteral(".db"));
    { Catalog created(path, Catalog::OpenMode::CreateIfMissing); }
    if (!openCatalogAndWait(window, path))
        return nullptr;
    window.show();
    if (!QTest::qWaitForWindowExposed(&window))
        return nullptr;
    QAction *action = nullptr;
    for (QAction *menu : window.menuBar()->actions()) {
        if (menu->menu() && menu->text() == QStringLiteral("&Edit")) {
            for (QAction *item : menu->menu()->actions()) {
                if (item->text() == QStringLiteral("Shared &Image Folder…"))
                    action = item;
            }
        }
    }
    if (!action)
        return nullptr;
    action->trigger();
    auto *dialog = window.findChild<ImageFolderDialog *>();
    if (!dialog)
        return nullptr;
    QSignalSpy shown(dialog, &ImageFolderDialog::stateShown);
    if (!shown.wait(30000))
        return nullptr;
    return dialog;
}

bool TestImageFolderDialog::save(ImageFolderDialog *dialog, bool expectSaved)
{
    QSignalSpy finished(dialog, &ImageFolderDialog::saveFinished);
    QTest::mouseClick(dialog->saveButton(), Qt::LeftButton);
    if (!finished.wait(30000))
        return false;
    return finished.first().first().toBool() == expectSaved;
}

void TestImageFolderDialog::setsAndClearsTheFolderFromTheEditMenu()
{
    MainWindow window;
    ImageFolderDialog *dialog = openDialog(window, QStringLiteral("set"));
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QVERIFY(dialog->folderField()->text().isEmpty());
    QVERIFY2(dialog->stateLabel()->text().contains(QStringLiteral("No shared image folder")), qPrintable(dialog->stateLabel()->text()));

    const QString share = m_dir.filePath(QStringLiteral("share"));
    QVERIFY(QDir().mkpath(share));
    dialog->setChosenFolder(share);
    QVERIFY(save(dialog, true));
    const QString catalogPath = window.session()->path();
    QCOMPARE(settingOf(catalogPath), QDir::cleanPath(share));
    QCOMPARE(dialog->folderField()->text(), QDir::cleanPath(share));
    QVERIFY2(dialog->stateLabel()->text().contains(share), qPrintable(dialog->stateLabel()->text()));
    QVERIFY(dialog->errorLabel()->text().isEmpty());

    // Clear, then Save: the catalog has no shared folder again (as `storage --image-folder ""`).
    QTest::mouseClick(dialog->clearButton(), Qt::LeftButton);
    QVERIFY(dialog->folderField()->text().isEmpty());
    QVERIFY(save(dialog, true));
    QVERIFY(settingOf(catalogPath).isEmpty());
    QVERIFY(dialog->stateLabel()->text().contains(QStringLiteral("No shared image folder")));
}

void TestImageFolderDialog::refusedFolderIsNamedAndTheOldSettingStays()
{
    MainWindow window;
    ImageFolderDialog *dialog = openDialog(window, QStringLiteral("refused"));
    QVERIFY(dialog);
    const QString catalogPath = window.session()->path();
    const QString good = m_dir.filePath(QStringLiteral("good-share"));
    QVERIFY(QDir().mkpath(good));
    dialog->setChosenFolder(good);
    QVERIFY(save(dialog, true));
    QCOMPARE(settingOf(catalogPath), QDir::cleanPath(good));

    // A file where a folder should be.
    const QString file = m_dir.filePath(QStringLiteral("a-file"));
    {
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write("not a folder");
    }
    dialog->setChosenFolder(file);
    QVERIFY(save(dialog, false));
    QVERIFY2(dialog->errorLabel()->text().contains(file) && dialog->errorLabel()->text().contains(QStringLiteral("is not a folder")),
             qPrintable(dialog->errorLabel()->text()));
    QCOMPARE(dialog->errorLabel()->textFormat(), Qt::PlainText);
    QCOMPARE(settingOf(catalogPath), QDir::cleanPath(good));
    QVERIFY(dialog->saveButton()->isEnabled());

    // A folder that is not there (an unmounted share).
    const QString missing = m_dir.filePath(QStringLiteral("not-mounted/share"));
    dialog->setChosenFolder(missing);
    QVERIFY(dialog->errorLabel()->text().isEmpty()); // a new choice clears the old error
    QVERIFY(save(dialog, false));
    QVERIFY2(dialog->errorLabel()->text().contains(missing) && dialog->errorLabel()->text().contains(QStringLiteral("does not exist")),
             qPrintable(dialog->errorLabel()->text()));
    QCOMPARE(settingOf(catalogPath), QDir::cleanPath(good));

#ifdef Q_OS_UNIX
    // A folder this user cannot write into (root writes anywhere, so only an ordinary user can see this refused).
    if (::geteuid() != 0) {
        const QString readOnly = m_dir.filePath(QStringLiteral("read-only-share"));
        QVERIFY(QDir().mkpath(readOnly));
        QVERIFY(QFile::setPermissions(readOnly, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        dialog->setChosenFolder(readOnly);
        QVERIFY(save(dialog, false));
        QVERIFY2(dialog->errorLabel()->text().contains(readOnly) && dialog->errorLabel()->text().contains(QStringLiteral("cannot write")),
                 qPrintable(dialog->errorLabel()->text()));
        QCOMPARE(settingOf(catalogPath), QDir::cleanPath(good));
        QFile::setPermissions(readOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    }
#endif
    // The field and the status line still say what the catalog holds once it is read again.
    QSignalSpy shown(dialog, &ImageFolderDialog::stateShown);
    dialog->refresh();
    QVERIFY(shown.wait(30000));
    QCOMPARE(dialog->folderField()->text(), QDir::cleanPath(good));
}

void TestImageFolderDialog::showsTheEnvironmentOverrideOfThisMachine()
{
    const QString mount = m_dir.filePath(QStringLiteral("mounted-here"));
    QVERIFY(QDir().mkpath(mount));
    qputenv(Catalog::kImageFolderEnvironment, mount.toLocal8Bit()); // read when the window's catalog opens
    MainWindow window;
    ImageFolderDialog *dialog = openDialog(window, QStringLiteral("override"));
    qunsetenv(Catalog::kImageFolderEnvironment);
    QVERIFY(dialog);
    const QString state = dialog->stateLabel()->text();
    QVERIFY2(state.contains(QLatin1String(Catalog::kImageFolderEnvironment)) && state.contains(mount), qPrintable(state));

    // The override is this machine's; the setting is the catalog's and is still recorded.
    const QString share = m_dir.filePath(QStringLiteral("override-share"));
    QVERIFY(QDir().mkpath(share));
    dialog->setChosenFolder(share);
    QVERIFY(save(dialog, true));
    QCOMPARE(settingOf(window.session()->path()), QDir::cleanPath(share));
    QVERIFY(dialog->stateLabel()->text().contains(mount));
}

QTEST_MAIN(TestImageFolderDialog)
#include "tst_imagefolderdialog.moc"
