#include "throwawaypostgres.h"

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <csignal>
#include <cstdio>

using namespace accession::test;

namespace {

// Child mode: starts a cluster, prints its folder, and waits to be killed (the watchdog must then clean up).
int holdCluster()
{
    ThrowawayPostgres cluster;
    QString error;
    if (!cluster.start(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    std::printf("%s %d\n", qPrintable(cluster.dataFolder()), cluster.port());
    std::fflush(stdout);
    for (;;)
        QThread::sleep(1);
}

bool portAnswers(int port)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), quint16(port));
    return socket.waitForConnected(1000);
}

} // namespace

class TestThrowawayPostgres : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startsGivesFreshDatabasesAndRemovesItself();
    void missingBinariesFailNamingThePackage();
    void watchdogRemovesTheClusterOfAKilledProcess();
};

void TestThrowawayPostgres::startsGivesFreshDatabasesAndRemovesItself()
{
    QString folder;
    int port = 0;
    {
        ThrowawayPostgres cluster;
        QString error;
        QVERIFY2(cluster.start(&error), qPrintable(error));
        qInfo("the cluster started in %lld ms", cluster.startMilliseconds());
        folder = cluster.dataFolder();
        port = cluster.port();
        QVERIFY(QDir(folder).exists());
        const QString first = cluster.createDatabase(&error);
        QVERIFY2(!first.isEmpty(), qPrintable(error));
        const QString second = cluster.createDatabase(&error);
        QVERIFY2(!second.isEmpty(), qPrintable(error));
        QVERIFY(first != second);
        QVERIFY(first.startsWith(QStringLiteral("postgresql://accession_test@127.0.0.1:%1/").arg(port)));
        {
            QSqlDatabase database = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("check"));
            database.setHostName(QStringLiteral("127.0.0.1"));
            database.setPort(port);
            database.setUserName(cluster.user());
            database.setDatabaseName(second.section(QLatin1Char('/'), -1));
            QVERIFY2(database.open(), qPrintable(database.lastError().text()));
            QSqlQuery query(database);
            QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")));
            QVERIFY(query.next());
            QCOMPARE(query.value(0).toInt(), 0);
            query.finish();
            database.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("check"));
    }
    QVERIFY(!QDir(folder).exists());
    QVERIFY(!portAnswers(port));
}

void TestThrowawayPostgres::missingBinariesFailNamingThePackage()
{
    qputenv("ACCESSION_PG_BINDIR", "/nonexistent/postgresql/bin");
    ThrowawayPostgres cluster;
    QString error;
    const bool started = cluster.start(&error);
    qunsetenv("ACCESSION_PG_BINDIR");
    QVERIFY(!started);
    QVERIFY2(error.contains(QStringLiteral("package postgresql")), qPrintable(error));
}

void TestThrowawayPostgres::watchdogRemovesTheClusterOfAKilledProcess()
{
    QProcess child;
    child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--hold-cluster")});
    QVERIFY(child.waitForStarted());
    QVERIFY2(child.waitForReadyRead(120000), child.readAllStandardError().constData());
    const QStringList line = QString::fromLocal8Bit(child.readLine()).trimmed().split(QLatin1Char(' '));
    QCOMPARE(line.size(), 2);
    const QString folder = line[0];
    const int port = line[1].toInt();
    QVERIFY(QDir(folder).exists());
    QVERIFY(portAnswers(port));
    ::kill(pid_t(child.processId()), SIGKILL); // no destructor runs
    QVERIFY(child.waitForFinished());
    QTRY_VERIFY_WITH_TIMEOUT(!QDir(folder).exists(), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(!portAnswers(port), 10000);
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc > 1 && qstrcmp(argv[1], "--hold-cluster") == 0)
        return holdCluster();
    TestThrowawayPostgres test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_throwawaypostgres.moc"
