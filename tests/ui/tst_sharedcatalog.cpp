#include "catalogitemmodel.h"
#include "catalogsession.h"
#include "catalogwaits.h"
#include "mainwindow.h"
#include "sharedcatalogdialog.h"
#include "testcatalogs.h"
#include "throwawaypostgres.h"

#include "catalog/catalog.h"
#include "catalog/sessionpasswords.h"

#include <QDirIterator>
#include <QFile>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace accession;
using namespace accession::test;

// File ▸ Connect to Shared Catalog… against real PostgreSQL servers, in a real window: a catalog filled through the
// core shows in the window under its URL; a server that is down gives its reason and leaves the window usable; a
// server that wants a password gets one typed for this session, which no setting keeps.
class TestSharedCatalog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void connectsAndShowsTheCatalog();
    void aServerThatIsDownShowsItsReason();
    void aPasswordTypedForTheSessionConnectsAndIsNeverSaved();

private:
    // A PostgreSQL catalog at url holding perDepartment generated photographs of each of two departments.
    void fillCatalog(const QString &url, int perDepartment);
    // Opens the dialog from the File menu's action and fills its fields.
    static SharedCatalogDialog *openDialog(MainWindow &window, const QString &host, int port, const QString &database,
                                           const QString &user);
    static QString databaseOf(const QString &url) { return url.section(QLatin1Char('/'), -1); }

    QTemporaryDir m_dir;
};

void TestSharedCatalog::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Settings go to a temporary folder, never to the user's own; libpq finds no password file of the user's.
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
    QCoreApplication::setOrganizationName(QStringLiteral("AccessionTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_sharedcatalog"));
    QStandardPaths::setTestModeEnabled(true);
    qunsetenv("PGPASSWORD");
    qputenv("PGPASSFILE", QFile::encodeName(m_dir.filePath(QStringLiteral("no-pgpass"))));
    QString error;
    QVERIFY2(ThrowawayPostgres::shared().start(&error), qPrintable(error));
}

void TestSharedCatalog::fillCatalog(const QString &url, int perDepartment)
{
    const QString images = m_dir.filePath(QStringLiteral("images-") + QUuid::createUuid().toString(QUuid::WithoutBraces));
    writeDepartmentFolders(images, {QStringLiteral("Asian Art"), QStringLiteral("Egyptian Art")}, perDepartment, 32);
    importFolders(url, images);
}

SharedCatalogDialog *TestSharedCatalog::openDialog(MainWindow &window, const QString &host, int port, const QString &database,
                                                   const QString &user)
{
    window.connectSharedCatalogAction()->trigger();
    auto *dialog = window.findChild<SharedCatalogDialog *>();
    if (!dialog || !dialog->isVisible())
        return nullptr;
    QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("host")), host);
    dialog->findChild<QSpinBox *>(QStringLiteral("port"))->setValue(port);
    QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("database")), database);
    QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("user")), user);
    return dialog;
}

void TestSharedCatalog::connectsAndShowsTheCatalog()
{
    ThrowawayPostgres &server = ThrowawayPostgres::shared();
    QString error;
    const QString url = server.createDatabase(&error);
    QVERIFY2(!url.isEmpty(), qPrintable(error));
    fillCatalog(url, 4);

    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QPointer<SharedCatalogDialog> dialog = openDialog(window, QStringLiteral("127.0.0.1"), server.port(), databaseOf(url), server.user());
    QVERIFY(dialog);
    // The URL the fields make, shown as it will be opened.
    QCOMPARE(dialog->url(), url);
    QCOMPARE(dialog->findChild<QLabel *>(QStringLiteral("url"))->text(), url);

    QSignalSpy opened(&window, &MainWindow::catalogOpened);
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("connect")), Qt::LeftButton);
    // The catalog thread connects: until its answer arrives, the dialog shows that it is connecting.
    QVERIFY(dialog->isConnecting());
    QVERIFY(dialog->findChild<QProgressBar *>()->isVisible());
    QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("message"))->text().startsWith(QStringLiteral("Connecting to ")));
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, 30000);
    QCOMPARE(opened.first().first().toString(), url);
    QTRY_VERIFY(!dialog); // closed once the catalog is open

    QCOMPARE(window.catalogPath(), url);
    QVERIFY(waitUntilLoaded(*window.itemModel()));
    QCOMPARE(window.itemModel()->totalCount(), qint64(8));
    QCOMPARE(window.windowTitle(), url + QStringLiteral(" — Accession"));
    QCOMPARE(QSettings().value(QStringLiteral("recentCatalogs")).toStringList().value(0), url);
}

void TestSharedCatalog::aServerThatIsDownShowsItsReason()
{
    // A port that was free a moment ago: nobody listens there.
    int port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QPointer<SharedCatalogDialog> dialog = openDialog(window, QStringLiteral("127.0.0.1"), port, QStringLiteral("museum"),
                                                      QStringLiteral("curator"));
    QVERIFY(dialog);
    const QString url = QStringLiteral("postgresql://curator@127.0.0.1:%1/museum").arg(port);
    QCOMPARE(dialog->url(), url);

    QSignalSpy failed(&window, &MainWindow::catalogOpenFailed);
    auto *connectButton = dialog->findChild<QPushButton *>(QStringLiteral("connect"));
    QTest::mouseClick(connectButton, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 30000);
    QVERIFY(dialog && dialog->isVisible());
    QVERIFY(!dialog->isConnecting());
    // The server's reason, in plain words, naming the URL.
    const QString message = dialog->findChild<QLabel *>(QStringLiteral("message"))->text();
    QVERIFY2(message.startsWith(QStringLiteral("Could not connect: cannot connect to ") + url), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("Connection refused")), qPrintable(message));
    QVERIFY(!dialog->findChild<QProgressBar *>()->isVisible());
    QVERIFY(connectButton->isEnabled());
    QVERIFY(!dialog->findChild<QLineEdit *>(QStringLiteral("password"))->isVisible()); // no password was asked for

    // The window goes on: no catalog open, and the next one opens.
    QVERIFY(!window.session()->isOpen());
    QCOMPARE(window.windowTitle(), QStringLiteral("Accession"));
    dialog->reject();
    QTRY_VERIFY(!dialog);
    QString error;
    const QString other = ThrowawayPostgres::shared().createDatabase(&error);
    QVERIFY2(!other.isEmpty(), qPrintable(error));
    fillCatalog(other, 1);
    QSignalSpy opened(&window, &MainWindow::catalogOpened);
    window.openCatalog(other);
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, 30000);
    QVERIFY(waitUntilLoaded(*window.itemModel()));
    QCOMPARE(window.itemModel()->totalCount(), qint64(2));
}

void TestSharedCatalog::aPasswordTypedForTheSessionConnectsAndIsNeverSaved()
{
    const QString password = QStringLiteral("pw-") + QUuid::createUuid().toString(QUuid::WithoutBraces).left(12);
    ThrowawayPostgres server;
    server.requirePassword(password);
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    const QString url = server.createDatabase(&error);
    QVERIFY2(!url.isEmpty(), qPrintable(error));
    // Filled through the core with libpq's own source of passwords, which the window then does without.
    qputenv("PGPASSWORD", password.toUtf8());
    fillCatalog(url, 3);
    qunsetenv("PGPASSWORD");
    QVERIFY(!SessionPasswords::passwordFor(url));

    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QPointer<SharedCatalogDialog> dialog = openDialog(window, QStringLiteral("127.0.0.1"), server.port(), databaseOf(url), server.user());
    QVERIFY(dialog);
    QCOMPARE(dialog->url(), url);
    auto *passwordField = dialog->findChild<QLineEdit *>(QStringLiteral("password"));
    auto *message = dialog->findChild<QLabel *>(QStringLiteral("message"));
    auto *connectButton = dialog->findChild<QPushButton *>(QStringLiteral("connect"));
    QVERIFY(!passwordField->isVisible());

    // Without a password the server says it needs one: the dialog asks.
    QSignalSpy failed(&window, &MainWindow::catalogOpenFailed);
    QTest::mouseClick(connectButton, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 30000);
    QVERIFY(passwordField->isVisible());
    QVERIFY2(message->text().startsWith(QStringLiteral("The server asks for a password.")), qPrintable(message->text()));
    QVERIFY2(message->text().contains(QStringLiteral("no password supplied")), qPrintable(message->text()));

    // A wrong one is refused, and not kept.
    QTest::keyClicks(passwordField, QStringLiteral("not-") + password);
    QTest::mouseClick(connectButton, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 2, 30000);
    QVERIFY2(message->text().startsWith(QStringLiteral("The server refused the password: ")), qPrintable(message->text()));
    QVERIFY2(message->text().contains(QStringLiteral("password authentication failed")), qPrintable(message->text()));
    QVERIFY(!SessionPasswords::passwordFor(url));
    QVERIFY(passwordField->text().isEmpty());

    // The right one connects.
    QSignalSpy opened(&window, &MainWindow::catalogOpened);
    QTest::keyClicks(passwordField, password);
    QTest::mouseClick(connectButton, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, 30000);
    QTRY_VERIFY(!dialog);
    QCOMPARE(window.catalogPath(), url);
    QVERIFY(waitUntilLoaded(*window.itemModel()));
    QCOMPARE(window.itemModel()->totalCount(), qint64(6));
    QVERIFY(!window.windowTitle().contains(password));
    // Every connection of this process to the URL gets it (the jobs' own, on their threads): this one too.
    {
        Catalog ownConnection(url);
        QCOMPARE(ownConnection.path(), url);
    }

    // Nothing the settings hold, in memory or on disk, carries it.
    window.saveSettings();
    QSettings settings;
    settings.sync();
    for (const QString &key : settings.allKeys()) {
        const QVariant value = settings.value(key);
        const QString text = value.canConvert<QStringList>() ? value.toStringList().join(QLatin1Char('\n')) : value.toString();
        QVERIFY2(!text.contains(password), qPrintable(key));
    }
    QCOMPARE(settings.value(QStringLiteral("recentCatalogs")).toStringList().value(0), url);
    QFile file(settings.fileName());
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(settings.fileName()));
    QVERIFY(!file.readAll().contains(password.toUtf8()));

    // Without the session's password (a new run of the program) the URL alone does not connect.
    SessionPasswords::forget(url);
    QVERIFY_THROWS_EXCEPTION(CatalogError, Catalog{url});
}

QTEST_MAIN(TestSharedCatalog)
#include "tst_sharedcatalog.moc"
