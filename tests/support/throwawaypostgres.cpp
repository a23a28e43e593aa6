#include "throwawaypostgres.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QMutex>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTcpServer>
#include <QUuid>

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace accession::test {

namespace {

const QString kPackageAdvice = QStringLiteral("install Debian's package postgresql (scripts/install-dependencies.sh does)");

// initdb and pg_ctl: ACCESSION_PG_BINDIR, then PATH, then the newest /usr/lib/postgresql/<version>/bin.
QString findBinDir()
{
    const QString fromEnvironment = qEnvironmentVariable("ACCESSION_PG_BINDIR");
    if (!fromEnvironment.isEmpty())
        return QFile::exists(fromEnvironment + QStringLiteral("/initdb")) ? fromEnvironment : QString();
    const QString initdb = QStandardPaths::findExecutable(QStringLiteral("initdb"));
    if (!initdb.isEmpty() && !QStandardPaths::findExecutable(QStringLiteral("pg_ctl")).isEmpty())
        return QFileInfo(initdb).absolutePath();
    QDir versions(QStringLiteral("/usr/lib/postgresql"));
    QStringList names = versions.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(names.begin(), names.end(), [](const QString &a, const QString &b) { return a.toInt() > b.toInt(); });
    for (const QString &version : names) {
        const QString bin = versions.filePath(version + QStringLiteral("/bin"));
        if (QFile::exists(bin + QStringLiteral("/initdb")) && QFile::exists(bin + QStringLiteral("/pg_ctl")))
            return bin;
    }
    return QString();
}

int freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

} // namespace

ThrowawayPostgres::ThrowawayPostgres() = default;

ThrowawayPostgres::~ThrowawayPostgres()
{
    stop();
}

ThrowawayPostgres &ThrowawayPostgres::shared()
{
    static ThrowawayPostgres cluster;
    return cluster;
}

QStringList ThrowawayPostgres::asClusterOwner(const QString &program, const QStringList &arguments) const
{
    if (!m_asPostgresUser)
        return QStringList{program} + arguments;
    return QStringList{QStringLiteral("runuser"), QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"), program} + arguments;
}

bool ThrowawayPostgres::runTool(const QString &tool, const QStringList &arguments, QString *output, int timeoutMs) const
{
    const QStringList command = asClusterOwner(m_binDir + QLatin1Char('/') + tool, arguments);
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setWorkingDirectory(m_dir->path()); // the postgres user may not enter the caller's folder
    process.start(command.first(), command.mid(1));
    const bool finished = process.waitForStarted(10000) && process.waitForFinished(timeoutMs);
    if (output)
        *output = QString::fromLocal8Bit(process.readAll()).trimmed();
    if (!finished) {
        process.kill();
        process.waitForFinished(2000);
        if (output)
            *output = QStringLiteral("%1 did not finish: %2").arg(command.join(QLatin1Char(' ')), *output);
        return false;
    }
    return process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

bool ThrowawayPostgres::start(QString *error)
{
    if (m_running)
        return true;
    QElapsedTimer timer;
    timer.start();
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
        *error = QStringLiteral("the Qt PostgreSQL driver (QPSQL) is missing: install Debian's package libqt6sql6-psql");
        return false;
    }
    m_binDir = findBinDir();
    if (m_binDir.isEmpty()) {
        *error = QStringLiteral("PostgreSQL's initdb and pg_ctl were not found (ACCESSION_PG_BINDIR, PATH, "
                                "/usr/lib/postgresql/*/bin): ") + kPackageAdvice;
        return false;
    }
    // A short folder: the server's socket path must stay under 108 bytes.
    const QString base = QDir::tempPath().size() < 40 ? QDir::tempPath() : QStringLiteral("/tmp");
    m_dir = std::make_unique<QTemporaryDir>(base + QStringLiteral("/accession-pg-XXXXXX"));
    if (!m_dir->isValid()) {
        *error = QStringLiteral("cannot create a temporary folder for the PostgreSQL cluster: %1").arg(m_dir->errorString());
        return false;
    }
    // initdb refuses to run as root (this machine and CI run as root): the cluster then belongs to postgres.
    m_asPostgresUser = ::geteuid() == 0;
    if (m_asPostgresUser) {
        const passwd *owner = ::getpwnam("postgres");
        if (!owner) {
            *error = QStringLiteral("running as root, and there is no postgres user to own the test cluster "
                                    "(initdb refuses root): ") + kPackageAdvice;
            return false;
        }
        if (::chown(QFile::encodeName(m_dir->path()).constData(), owner->pw_uid, owner->pw_gid) != 0) {
            *error = QStringLiteral("cannot give %1 to the postgres user").arg(m_dir->path());
            return false;
        }
    }
    const QString data = m_dir->filePath(QStringLiteral("data"));
    QStringList initdbArguments = {QStringLiteral("-D"), data, QStringLiteral("-U"), user(), QStringLiteral("--no-locale"),
                                   QStringLiteral("-E"), QStringLiteral("UTF8"), QStringLiteral("--no-sync")};
    const QString passwordFile = m_dir->filePath(QStringLiteral("password"));
    if (m_password.isEmpty()) {
        initdbArguments << QStringLiteral("--auth=trust");
    } else {
        QFile file(passwordFile);
        if (!file.open(QIODevice::WriteOnly) || file.write(m_password.toUtf8() + '\n') < 0) {
            *error = QStringLiteral("cannot write %1: %2").arg(passwordFile, file.errorString());
            return false;
        }
        file.close();
        if (m_asPostgresUser) {
            const passwd *owner = ::getpwnam("postgres");
            if (!owner || ::chown(QFile::encodeName(passwordFile).constData(), owner->pw_uid, owner->pw_gid) != 0) {
                *error = QStringLiteral("cannot give %1 to the postgres user").arg(passwordFile);
                return false;
            }
        }
        initdbArguments << QStringLiteral("--auth-local=trust") << QStringLiteral("--auth-host=scram-sha-256")
                        << QStringLiteral("--pwfile=") + passwordFile;
    }
    QString output;
    const bool initialised = runTool(QStringLiteral("initdb"), initdbArguments, &output);
    QFile::remove(passwordFile);
    if (!initialised) {
        *error = QStringLiteral("initdb failed in %1: %2").arg(data, output);
        return false;
    }
    // Another process may take a free port between the probe and the start: try a few.
    for (int attempt = 0; attempt < 5 && !m_running; ++attempt) {
        m_port = freeLoopbackPort();
        const QString options = QStringLiteral("-c listen_addresses=127.0.0.1 -p %1 -k %2 -c fsync=off -c full_page_writes=off"
                                               " -c synchronous_commit=off -c max_connections=200")
                                    .arg(m_port)
                                    .arg(m_dir->path());
        m_running = runTool(QStringLiteral("pg_ctl"), {QStringLiteral("-D"), data, QStringLiteral("-o"), options, QStringLiteral("-l"),
                                                       m_dir->filePath(QStringLiteral("server.log")), QStringLiteral("-w"),
                                                       QStringLiteral("-t"), QStringLiteral("60"), QStringLiteral("start")},
                            &output);
    }
    if (!m_running) {
        QFile log(m_dir->filePath(QStringLiteral("server.log")));
        const QString logText = log.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(log.readAll()).right(2000) : QString();
        *error = QStringLiteral("the PostgreSQL server in %1 did not start: %2\n%3").arg(data, output, logText);
        return false;
    }
    startWatchdog();
    m_startMs = timer.elapsed();
    return true;
}

void ThrowawayPostgres::startWatchdog()
{
    // Stops and removes the cluster once this process is gone without doing it (killed by a timeout, crashed):
    // sh -c SCRIPT watchdog PID FOLDER DATA STOP-COMMAND...
    const QString script = QStringLiteral("while kill -0 \"$1\" 2>/dev/null; do sleep 1; done;"
                                          " dir=\"$2\"; data=\"$3\"; shift 3;"
                                          " if [ -d \"$data\" ]; then \"$@\" >/dev/null 2>&1; rm -rf \"$dir\"; fi");
    const QString data = m_dir->filePath(QStringLiteral("data"));
    const QStringList arguments = QStringList{QStringLiteral("-c"), script, QStringLiteral("watchdog"),
                                              QString::number(QCoreApplication::applicationPid()), m_dir->path(), data}
        + asClusterOwner(m_binDir + QStringLiteral("/pg_ctl"),
                         {QStringLiteral("-D"), data, QStringLiteral("-m"), QStringLiteral("immediate"), QStringLiteral("stop")});
    QProcess watchdog;
    watchdog.setProgram(QStringLiteral("sh"));
    watchdog.setArguments(arguments);
    watchdog.setStandardInputFile(QProcess::nullDevice());
    watchdog.setStandardOutputFile(QProcess::nullDevice());
    watchdog.setStandardErrorFile(QProcess::nullDevice());
    watchdog.startDetached();
}

QString ThrowawayPostgres::createDatabase(QString *error)
{
    static QMutex mutex;
    QMutexLocker lock(&mutex);
    if (!m_running && !start(error))
        return QString();
    const QString name = QStringLiteral("catalog_%1").arg(++m_databases);
    const QString connection = QStringLiteral("throwaway-postgres-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    bool created = false;
    {
        QSqlDatabase admin = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connection);
        admin.setHostName(QStringLiteral("127.0.0.1"));
        admin.setPort(m_port);
        admin.setUserName(user());
        admin.setPassword(m_password);
        admin.setDatabaseName(QStringLiteral("postgres"));
        if (!admin.open()) {
            *error = QStringLiteral("cannot connect to the throwaway PostgreSQL on port %1: %2").arg(m_port).arg(admin.lastError().text());
        } else {
            QSqlQuery query(admin);
            created = query.exec(QStringLiteral("CREATE DATABASE ") + name);
            if (!created)
                *error = QStringLiteral("cannot create database %1: %2").arg(name, query.lastError().text());
        }
        admin.close();
    }
    QSqlDatabase::removeDatabase(connection);
    if (!created)
        return QString();
    return QStringLiteral("postgresql://%1@127.0.0.1:%2/%3").arg(user()).arg(m_port).arg(name);
}

void ThrowawayPostgres::stop()
{
    if (m_running) {
        runTool(QStringLiteral("pg_ctl"), {QStringLiteral("-D"), m_dir->filePath(QStringLiteral("data")), QStringLiteral("-m"),
                                           QStringLiteral("immediate"), QStringLiteral("-w"), QStringLiteral("stop")},
                nullptr, 60000);
        m_running = false;
    }
    m_dir.reset(); // removes the folder
}

bool testsUsePostgres()
{
    const QString backend = qEnvironmentVariable("ACCESSION_TEST_CATALOG_BACKEND").toLower();
    return backend == QLatin1String("postgresql") || backend == QLatin1String("postgres");
}

bool prepareCatalogBackend(QString *error)
{
    return !testsUsePostgres() || ThrowawayPostgres::shared().start(error);
}

QString newCatalogLocation(const QString &folder, const QString &fileName)
{
    if (!testsUsePostgres())
        return QDir(folder).filePath(fileName);
    QString error;
    const QString url = ThrowawayPostgres::shared().createDatabase(&error);
    if (url.isEmpty())
        throw std::runtime_error(error.toStdString());
    return url;
}

} // namespace accession::test
