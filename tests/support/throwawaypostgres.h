#pragma once

#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace accession::test {

// A PostgreSQL cluster of the test's own: initdb in a temporary folder, started on a free loopback port with its
// Unix socket inside that folder, one fresh database per catalog, stopped and removed when the object goes. A
// watchdog process stops and removes it too when the test process dies first (a crash, a timeout's kill). Needs
// Debian's postgresql (initdb, pg_ctl) and libqt6sql6-psql; never skips: without them start() says which to install.
class ThrowawayPostgres
{
public:
    ThrowawayPostgres();
    ~ThrowawayPostgres();
    ThrowawayPostgres(const ThrowawayPostgres &) = delete;
    ThrowawayPostgres &operator=(const ThrowawayPostgres &) = delete;

    // Before start(): connections over TCP (the catalog URLs') must give this password for user() (SCRAM), as a
    // shared server's would; the cluster's own socket stays open without one.
    void requirePassword(const QString &password) { m_password = password; }
    QString password() const { return m_password; }
    // Starts the cluster (a second call does nothing); false with *error saying why (what to install, or the
    // server's log).
    bool start(QString *error);
    bool isRunning() const { return m_running; }
    // Creates an empty database and returns its catalog URL (postgresql://user@127.0.0.1:port/name); empty with
    // *error when it cannot.
    QString createDatabase(QString *error);
    void stop();

    int port() const { return m_port; }
    QString dataFolder() const { return m_dir ? m_dir->path() : QString(); } // the cluster's temporary folder
    QString user() const { return QStringLiteral("accession_test"); }
    // How long start() took, in milliseconds (initdb and the server's start).
    qint64 startMilliseconds() const { return m_startMs; }

    // One cluster for the whole test process, started on first use and stopped at exit.
    static ThrowawayPostgres &shared();

private:
    bool runTool(const QString &tool, const QStringList &arguments, QString *output, int timeoutMs = 120000) const;
    QStringList asClusterOwner(const QString &program, const QStringList &arguments) const;
    void startWatchdog();

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_binDir;
    bool m_asPostgresUser = false; // running as root: initdb and the server run as the postgres system user
    int m_port = 0;
    int m_databases = 0;
    bool m_running = false;
    QString m_password; // empty: every connection is trusted
    qint64 m_startMs = 0;
};

// Which backend a test's catalogs use: PostgreSQL when ACCESSION_TEST_CATALOG_BACKEND=postgresql (the tests'
// second CTest entries), SQLite otherwise.
bool testsUsePostgres();
// Where a test's new catalog lives: the file folder/fileName under SQLite, a fresh database of the shared throwaway
// cluster under PostgreSQL. Throws std::runtime_error when the cluster cannot start or the database cannot be made.
QString newCatalogLocation(const QString &folder, const QString &fileName = QStringLiteral("catalog.db"));
// For initTestCase(): starts the shared cluster when the tests use PostgreSQL; false with *error when it cannot.
bool prepareCatalogBackend(QString *error);

} // namespace accession::test
