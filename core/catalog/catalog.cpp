#include "catalog.h"
#include "classificationlevel.h"

#include "catalogfolders.h"
#include "migrations.h"
#include "sessionpasswords.h"
#include "transactionguard.h"
#include "imaging/perceptualhash.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlRecord>
#include <QSet>
#include <QHash>
#include <QSysInfo>
#include <QThread>
#include <QUuid>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <csignal>
#endif

namespace accession {

namespace {

const QString kSchemaVersionKey = QStringLiteral("schema_version");
const QString kDepartmentsFixedKey = QStringLiteral("departments_fixed");

QDateTime parseTime(const QVariant &value)
{
    return QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
}

ItemRecord itemFromQuery(const QSqlQuery &query)
{
    ItemRecord item;
    item.id = query.value(0).toLongLong();
    item.contentHash = query.value(1).toString();
    item.path = query.value(2).toString();
    item.externalId = query.value(3).toString();
    item.width = query.value(4).toInt();
    item.height = query.value(5).toInt();
    item.format = query.value(6).toString();
    item.fileSize = query.value(7).toLongLong();
    item.storedCopy = query.value(8).toBool();
    item.importedAt = parseTime(query.value(9));
    item.metadata = QJsonDocument::fromJson(query.value(10).toString().toUtf8()).object();
    item.labelId = query.value(11).toLongLong();
    item.departmentId = query.value(12).toLongLong();
    item.department = query.value(13).toString();
    if (!query.value(14).isNull())
        item.labelSource = labelSourceFromName(query.value(14).toString());
    return item;
}

// What tells this process from a later one given the same pid: the boot id and the process's start time in
// clock ticks since boot (Linux's /proc); empty where the system does not say.
QString processIdentity(qint64 pid)
{
    QFile bootId(QStringLiteral("/proc/sys/kernel/random/boot_id"));
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!bootId.open(QIODevice::ReadOnly) || !stat.open(QIODevice::ReadOnly))
        return QString();
    const QByteArray line = stat.readAll();
    // The command name (field 2) may hold spaces and parentheses; the fields after it start past the last ')'.
    const qsizetype close = line.lastIndexOf(')');
    if (close < 0)
        return QString();
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    constexpr int kStartTimeField = 22 - 3; // field 22 of stat, counted from field 3
    if (fields.size() <= kStartTimeField)
        return QString();
    return QString::fromLatin1(bootId.readAll().trimmed() + ':' + fields[kStartTimeField]);
}

// False only when the process is surely gone: no such pid, or the pid now belongs to another process.
bool processMayBeRunning(qint64 pid, const QString &identity)
{
#ifdef Q_OS_UNIX
    if (pid <= 0)
        return false;
    if (::kill(pid_t(pid), 0) != 0 && errno == ESRCH)
        return false;
    if (!identity.isEmpty()) {
        const QString now = processIdentity(pid);
        if (!now.isEmpty() && now != identity)
            return false;
    }
    return true;
#else
    Q_UNUSED(pid);
    Q_UNUSED(identity);
    return true;
#endif
}

const char *const kItemColumns =
    "SELECT i.id, i.content_hash, i.path, i.external_id, i.width, i.height, i.format, i.file_size,"
    " i.stored_copy, i.imported_at, i.metadata, l.id, l.department_id, d.name, l.source"
    " FROM items i LEFT JOIN labels l ON l.id = i.current_label_id"
    " LEFT JOIN departments d ON d.id = l.department_id ";

} // namespace

QString labelSourceName(LabelSource source)
{
    return source == LabelSource::Curator ? QStringLiteral("curator") : QStringLiteral("imported");
}

std::optional<LabelSource> labelSourceFromName(const QString &name)
{
    if (name == QLatin1String("curator"))
        return LabelSource::Curator;
    if (name == QLatin1String("imported"))
        return LabelSource::Imported;
    return std::nullopt;
}

Catalog::Catalog(const QString &location, OpenMode mode, const MigrationProgress &progress, IndexBuilds indexBuilds)
    : m_location(CatalogLocation::parse(location))
    , m_path(m_location.display())
    , m_connectionName(QStringLiteral("accession-catalog-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    try {
        if (m_location.dialect == SqlDialect::SQLite)
            openSqlite(mode);
        else
            openPostgres();
        migrate(progress, indexBuilds);
    } catch (...) {
        // The destructor does not run for a constructor that throws: give the connection's name back here.
        m_database.close();
        m_database = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
        throw;
    }
}

void Catalog::openSqlite(OpenMode mode)
{
    const QFileInfo info(m_path);
    if (!info.exists()) {
        if (mode == OpenMode::OpenExisting)
            throw CatalogError(QStringLiteral("no catalog at %1").arg(m_path));
        if (!QDir().mkpath(info.absolutePath()))
            throw CatalogError(QStringLiteral("cannot create the folder for catalog %1").arg(m_path));
    } else if (info.isDir()) {
        throw CatalogError(QStringLiteral("%1 is a folder, not a catalog file").arg(m_path));
    }

    m_database = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    if (!m_database.isValid())
        throw CatalogError(QStringLiteral("the Qt SQLite driver is not installed (package libqt6sql6-sqlite)"));
    m_database.setDatabaseName(m_path);
    // Readers and writers wait for another process's write instead of failing with "database is locked".
    m_database.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(qint64(busyTimeoutSeconds()) * 1000));
    if (!m_database.open())
        fail(QStringLiteral("cannot open catalog"), m_database.lastError().text());

    QSqlQuery probe(m_database);
    if (!execWaiting(probe, QStringLiteral("PRAGMA schema_version")))
        fail(QStringLiteral("cannot read catalog"), probe.lastError().text());
    if (!execWaiting(probe, QStringLiteral("PRAGMA journal_mode=WAL")))
        fail(QStringLiteral("cannot read catalog"), probe.lastError().text());
    probe.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
    probe.exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
}

void Catalog::openPostgres()
{
    m_database = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
    if (!m_database.isValid())
        throw CatalogError(QStringLiteral("cannot open catalog %1: the Qt PostgreSQL driver is not installed (package libqt6sql6-psql)")
                               .arg(m_path));
    m_database.setHostName(m_location.host);
    if (m_location.port > 0)
        m_database.setPort(m_location.port);
    m_database.setUserName(m_location.user);
    m_database.setDatabaseName(m_location.databaseName);
    // A password the curator typed for this run (SessionPasswords); otherwise libpq reads PGPASSWORD, ~/.pgpass or
    // the service file itself.
    if (const std::optional<QString> password = SessionPasswords::passwordFor(m_path))
        m_database.setPassword(*password);
    QStringList options;
    if (!m_location.connectOptions.isEmpty())
        options << m_location.connectOptions;
    if (!m_location.connectOptions.contains(QLatin1String("connect_timeout=")))
        options << QStringLiteral("connect_timeout=10"); // a server that is down or unreachable says so soon
    m_database.setConnectOptions(options.join(QLatin1Char(';')));
    if (!m_database.open()) {
        const QSqlError error = m_database.lastError();
        const QString reason = error.databaseText().trimmed().isEmpty() ? error.text() : error.databaseText().trimmed();
        fail(QStringLiteral("cannot connect to"), QString(reason).replace(QLatin1Char('\n'), QLatin1Char(' ')));
    }
    QSqlQuery session(m_database);
    // NOTICEs ("already exists, skipping") would go to stderr; a lock held by another client is waited for as
    // long as SQLite's busy timeout waits for another process's write.
    if (!session.exec(QStringLiteral("SET client_min_messages = warning"))
        || !session.exec(QStringLiteral("SET lock_timeout = %1").arg(std::max<qint64>(1, qint64(busyTimeoutSeconds()) * 1000))))
        fail(QStringLiteral("cannot prepare the session on catalog"), session.lastError().text());
}

void Catalog::lockSchema()
{
    if (dialect() == SqlDialect::PostgreSQL)
        run(QStringLiteral("SELECT pg_advisory_xact_lock(:key)"), {{QStringLiteral("key"), kSchemaLockKey}}).finish();
}

bool Catalog::execWaiting(QSqlQuery &query, const QString &sql) const
{
    // While another process creates a catalog and switches it to WAL, SQLite answers "database is locked" at
    // once instead of calling the busy handler (it would risk a deadlock): wait here, within the busy timeout.
    constexpr int kPauseMs = 20;
    QElapsedTimer waited;
    waited.start();
    for (;;) {
        if (query.exec(sql))
            return true;
        const QString code = query.lastError().nativeErrorCode();
        const bool busy = code == QLatin1String("5") || code == QLatin1String("6"); // SQLITE_BUSY, SQLITE_LOCKED
        if (!busy || waited.elapsed() >= qint64(busyTimeoutSeconds()) * 1000)
            return false;
        QThread::msleep(kPauseMs);
    }
}

Catalog::~Catalog()
{
    m_database.close();
    m_database = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

void Catalog::fail(const QString &what, const QString &reason) const
{
    throw CatalogError(QStringLiteral("%1 %2: %3").arg(what, m_path, reason));
}

QSqlQuery Catalog::run(const QString &sql, const QVariantMap &bindings) const
{
    QSqlQuery query(m_database);
    // Forward-only makes Qt's PostgreSQL driver stream rows, and then a second statement run while the caller still
    // reads the first (common here: each row looks something up) loses the first's rows. PostgreSQL's rows come
    // whole instead; SQLite's step by step, as before.
    query.setForwardOnly(dialect() == SqlDialect::SQLite);
    if (!query.prepare(sql))
        fail(QStringLiteral("cannot prepare a statement on catalog"), query.lastError().text());
    for (auto it = bindings.cbegin(); it != bindings.cend(); ++it)
        query.bindValue(QLatin1Char(':') + it.key(), it.value());
    if (!query.exec())
        fail(QStringLiteral("cannot update catalog"), query.lastError().text());
    return query;
}

qint64 Catalog::insert(const QString &sql, const QVariantMap &bindings) const
{
    QSqlQuery query = run(sql + QStringLiteral(" RETURNING id"), bindings);
    if (!query.next())
        fail(QStringLiteral("cannot update catalog"), QStringLiteral("an insert returned no id"));
    const qint64 id = query.value(0).toLongLong();
    query.finish(); // SQLite ends the statement, and in autocommit its transaction, only here
    return id;
}

QString Catalog::jsonTextSql(SqlDialect dialect, const QString &column, const QString &key)
{
    if (dialect == SqlDialect::SQLite)
        return QStringLiteral("CASE WHEN json_valid(%1) THEN json_extract(%1, '$.%2') END").arg(column, key);
    return QStringLiteral("accession_json_text(%1, '%2')").arg(column, key); // made by migration 1 (migrations.cpp)
}

int Catalog::busyTimeoutSeconds()
{
    bool ok = false;
    const int seconds = qEnvironmentVariableIntValue("ACCESSION_CATALOG_BUSY_TIMEOUT", &ok);
    return ok && seconds >= 0 ? seconds : kDefaultBusyTimeoutSeconds;
}

QString Catalog::nowText()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

QString Catalog::defaultClientName()
{
    const QString configured = qEnvironmentVariable("ACCESSION_CLIENT_NAME");
    if (!configured.isEmpty())
        return configured;
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = qEnvironmentVariable("LOGNAME");
    if (user.isEmpty())
        user = QStringLiteral("unknown");
    return user + QLatin1Char('@') + QSysInfo::machineHostName();
}

QString Catalog::newClientSession()
{
    const QString configured = qEnvironmentVariable("ACCESSION_CLIENT_SESSION");
    if (!configured.isEmpty())
        return configured;
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

void Catalog::migrate(const MigrationProgress &progress, IndexBuilds indexBuilds)
{
    QSqlQuery query(m_database);
    const QString createSettings = QStringLiteral("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    if (dialect() == SqlDialect::SQLite) {
        if (!execWaiting(query, createSettings))
            fail(QStringLiteral("cannot prepare catalog"), query.lastError().text());
    } else {
        // Two clients creating the table at once would clash in PostgreSQL's own catalog: one waits for the other.
        TransactionGuard transaction(m_database);
        lockSchema();
        if (!query.exec(createSettings))
            fail(QStringLiteral("cannot prepare catalog"), query.lastError().text());
        transaction.commit();
    }
    const int version = schemaVersion();
    if (version > kSchemaVersion) {
        throw CatalogError(QStringLiteral("catalog %1 was written by a newer version of Accession (schema %2; "
                                          "this version reads schema %3 and older); upgrade Accession to open it")
                               .arg(m_path)
                               .arg(version)
                               .arg(kSchemaVersion));
    }
    // Read before the schema steps, which never create these: what is missing now is what is missing after them. A
    // new catalog's tables are empty, so its indexes cost nothing to build at once.
    const bool buildNow = indexBuilds == IndexBuilds::WhileOpening || version == 0;
    const QVector<IndexBuild> indexes = buildNow ? missingIndexBuilds() : QVector<IndexBuild>();
    const int schemaSteps = version < kSchemaVersion ? migrateSchema(progress, int(indexes.size())) : 0;
    if (!indexes.isEmpty())
        buildIndexes(indexes, schemaSteps, schemaSteps + int(indexes.size()), progress, {});
    else if (schemaSteps > 0 && progress)
        progress(schemaSteps, schemaSteps, QString());
}

int Catalog::migrateSchema(const MigrationProgress &progress, int indexSteps)
{
    QSqlQuery query(m_database);
    // SQLite's procedure for changing tables: foreign keys off outside the transaction, checked before commit. Only
    // the steps from the version read now can run (another connection can only take the catalog further).
    const int unlockedVersion = schemaVersion();
    bool replacesTables = false;
    for (const Migration &migration : catalogMigrations())
        replacesTables = replacesTables || (migration.toVersion > unlockedVersion && migration.replacesTables);
    const bool sqlite = dialect() == SqlDialect::SQLite;
    // PostgreSQL changes tables in place (migrations.cpp), its references checked as it goes.
    replacesTables = replacesTables && sqlite;
    if (replacesTables)
        query.exec(QStringLiteral("PRAGMA foreign_keys=OFF"));
    int stepsDone = 0;
    try {
        TransactionGuard transaction(m_database);
        lockSchema();
        // Another process may have migrated while this one waited for the write lock: read the version again.
        const int lockedVersion = schemaVersion();
        if (lockedVersion > kSchemaVersion) {
            throw CatalogError(QStringLiteral("catalog %1 was written by a newer version of Accession (schema %2; "
                                              "this version reads schema %3 and older); upgrade Accession to open it")
                                   .arg(m_path)
                                   .arg(lockedVersion)
                                   .arg(kSchemaVersion));
        }
        if (lockedVersion < kSchemaVersion) {
            int stepsTotal = indexSteps;
            for (const Migration &migration : catalogMigrations())
                stepsTotal += migration.toVersion > lockedVersion ? 1 : 0;
            for (const Migration &migration : catalogMigrations()) {
                if (migration.toVersion <= lockedVersion)
                    continue;
                if (progress)
                    progress(stepsDone, stepsTotal, QString::fromLatin1(migration.description));
                ++stepsDone;
                for (const SchemaStatement &schemaStatement : migration.statements) {
                    const QString statement = schemaStatement.forDialect(dialect());
                    if (statement.isEmpty())
                        continue; // the other dialect's
                    if (!query.exec(statement))
                        fail(QStringLiteral("cannot migrate catalog to schema %1 (%2)")
                                 .arg(migration.toVersion)
                                 .arg(QLatin1String(migration.description)),
                             query.lastError().text());
                }
            }
            if (replacesTables && (!query.exec(QStringLiteral("PRAGMA foreign_key_check")) || query.next()))
                fail(QStringLiteral("cannot migrate catalog"), QStringLiteral("the migrated tables break a foreign key"));
            query.finish();
            setSetting(kSchemaVersionKey, QString::number(kSchemaVersion));
        }
        transaction.commit();
    } catch (...) {
        if (sqlite)
            query.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
        throw;
    }
    if (sqlite)
        query.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
    return stepsDone;
}

QVector<IndexBuild> Catalog::missingIndexBuilds() const
{
    QSet<QString> present;
    QSqlQuery query = run(dialect() == SqlDialect::SQLite
                              ? QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'index'")
                              : QStringLiteral("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"));
    while (query.next())
        present.insert(query.value(0).toString());
    QVector<IndexBuild> missing;
    for (const Migration &migration : catalogMigrations()) {
        for (const IndexBuild &index : migration.indexes) {
            if (!present.contains(index.name))
                missing << index;
        }
    }
    return missing;
}

QStringList Catalog::missingIndexes() const
{
    QStringList descriptions;
    for (const IndexBuild &index : missingIndexBuilds())
        descriptions << QString::fromLatin1(index.description);
    return descriptions;
}

bool Catalog::buildMissingIndexes(const MigrationProgress &progress, const std::function<bool()> &cancelled)
{
    const QVector<IndexBuild> indexes = missingIndexBuilds();
    if (indexes.isEmpty())
        return true;
    return buildIndexes(indexes, 0, int(indexes.size()), progress, cancelled);
}

bool Catalog::buildIndexes(const QVector<IndexBuild> &indexes, int stepsBefore, int stepsTotal, const MigrationProgress &progress,
                           const std::function<bool()> &cancelled)
{
    for (int built = 0; built < indexes.size(); ++built) {
        if (cancelled && cancelled())
            return false;
        const IndexBuild &index = indexes[built];
        if (progress)
            progress(stepsBefore + built, stepsTotal, QStringLiteral("index for %1").arg(QLatin1String(index.description)));
        TransactionGuard transaction(m_database);
        lockSchema(); // two PostgreSQL clients building the same index at once would clash
        QSqlQuery query(m_database);
        if (!query.exec(index.statement))
            fail(QStringLiteral("cannot build the index for %1 in catalog").arg(QLatin1String(index.description)),
                 query.lastError().text());
        transaction.commit();
    }
    if (progress)
        progress(stepsTotal, stepsTotal, QString());
    return true;
}

int Catalog::schemaVersion() const
{
    return setting(kSchemaVersionKey, QStringLiteral("0")).toInt();
}

QString Catalog::imageStoreDir() const
{
    return catalogSideFolder(m_location, QStringLiteral(".images"));
}

QString Catalog::imageFolderSetting() const
{
    return setting(QLatin1String(kImageFolderSettingKey));
}

void Catalog::setImageFolderSetting(const QString &folder)
{
    if (folder.isEmpty()) {
        run(QStringLiteral("DELETE FROM settings WHERE key = :key"), {{QStringLiteral("key"), QLatin1String(kImageFolderSettingKey)}});
        return;
    }
    const QString absolute = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
    const QString problem = imageFolderProblem(absolute);
    if (!problem.isEmpty())
        throw CatalogError(problem);
    setSetting(QLatin1String(kImageFolderSettingKey), absolute);
}

QString Catalog::imageFolder() const
{
    return m_imageFolderOverride.isEmpty() ? imageFolderSetting() : m_imageFolderOverride;
}

QString Catalog::imageFolderProblem(const QString &folder)
{
    const QFileInfo info(folder);
    if (!info.exists())
        return QStringLiteral("the image folder %1 does not exist (create it, or mount the share there)").arg(folder);
    if (!info.isDir())
        return QStringLiteral("the image folder %1 is not a folder").arg(folder);
    // Asked by writing, not of the permission bits: a read-only mount or an ACL says no only when written to.
    QFile probe(folder + QStringLiteral("/.accession-write-test-") + QUuid::createUuid().toString(QUuid::WithoutBraces));
    if (!probe.open(QIODevice::WriteOnly))
        return QStringLiteral("cannot write into the image folder %1: %2").arg(folder, probe.errorString());
    probe.close();
    probe.remove();
    return QString();
}

QString Catalog::blobReference(const QString &hashHex, const QString &suffix)
{
    return QLatin1String(kBlobPrefix) + hashHex + (suffix.isEmpty() ? QString() : QLatin1Char('.') + suffix);
}

QString Catalog::blobPath(const QString &folder, const QString &blobName)
{
    return folder + QLatin1Char('/') + blobName.left(2) + QLatin1Char('/') + blobName;
}

QString Catalog::resolveItemPath(const QString &storedPath) const
{
    if (!storedPath.startsWith(QLatin1String(kBlobPrefix)))
        return storedPath;
    const QString folder = imageFolder();
    if (folder.isEmpty())
        return storedPath; // opening it fails, and itemPathProblem() says why
    return blobPath(folder, storedPath.mid(int(std::strlen(kBlobPrefix))));
}

QString Catalog::itemPathProblem(const QString &storedPath) const
{
    const QString folder = imageFolder();
    QString blobName;
    if (storedPath.startsWith(QLatin1String(kBlobPrefix)))
        blobName = storedPath.mid(int(std::strlen(kBlobPrefix)));
    else if (!folder.isEmpty() && storedPath.startsWith(folder + QLatin1Char('/')))
        blobName = QFileInfo(storedPath).fileName(); // a path resolveItemPath() gave
    else
        return QString();
    if (folder.isEmpty())
        return QStringLiteral("blob %1 is in the catalog's shared image folder, which is not set on this machine"
                              " (set it with accession-cli storage --image-folder, or %2)")
            .arg(blobName, QLatin1String(kImageFolderEnvironment));
    if (!QFileInfo::exists(blobPath(folder, blobName)))
        return QStringLiteral("blob %1 is missing from the image folder %2").arg(blobName, folder);
    return QString();
}

QString Catalog::setting(const QString &key, const QString &fallback) const
{
    QSqlQuery query = run(QStringLiteral("SELECT value FROM settings WHERE key = :key"), {{QStringLiteral("key"), key}});
    return query.next() ? query.value(0).toString() : fallback;
}

void Catalog::setSetting(const QString &key, const QString &value)
{
    run(QStringLiteral("INSERT INTO settings (key, value) VALUES (:key, :value)"
                       " ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
        {{QStringLiteral("key"), key}, {QStringLiteral("value"), value}});
}

QVector<Department> Catalog::departments() const
{
    QSqlQuery query = run(QStringLiteral("SELECT d.id, d.name, d.position, d.group_id, g.name FROM departments d"
                                         " LEFT JOIN department_groups g ON g.id = d.group_id"
                                         " ORDER BY d.position, d.id"));
    QVector<Department> result;
    while (query.next()) {
        result.push_back({query.value(0).toLongLong(), query.value(1).toString(), query.value(2).toInt(),
                          query.value(3).toLongLong(), query.value(4).toString()});
    }
    return result;
}

std::optional<qint64> Catalog::departmentIdByName(const QString &name) const
{
    const QString trimmed = name.trimmed();
    QSqlQuery query = run(QStringLiteral("SELECT id FROM departments WHERE name = :name"
                                         " UNION ALL SELECT department_id FROM department_aliases WHERE alias = :alias"
                                         " LIMIT 1"),
                          {{QStringLiteral("name"), trimmed}, {QStringLiteral("alias"), trimmed}});
    if (query.next())
        return query.value(0).toLongLong();
    return std::nullopt;
}

std::optional<Department> Catalog::department(qint64 id) const
{
    for (const Department &department : departments()) {
        if (department.id == id)
            return department;
    }
    return std::nullopt;
}

QString Catalog::departmentNameProblem(const QString &name, int maxLength)
{
    const auto isControl = [](QChar c) {
        const QChar::Category category = c.category();
        return category == QChar::Other_Control || category == QChar::Separator_Line
            || category == QChar::Separator_Paragraph;
    };
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty())
        return QStringLiteral("a department needs a name");
    const qsizetype length = trimmed.toUcs4().size();
    if (length > maxLength) {
        QString start = trimmed.left(40);
        std::replace_if(start.begin(), start.end(), isControl, QChar(0xFFFD));
        return QStringLiteral("department name too long: %1 characters, starting '%2...' (the limit is %3)")
            .arg(QString::number(length), start, QString::number(maxLength));
    }
    const auto control = std::find_if(trimmed.begin(), trimmed.end(), isControl);
    if (control != trimmed.end()) {
        const QString code = QStringLiteral("%1").arg(control->unicode(), 4, 16, QLatin1Char('0')).toUpper();
        QString shown = trimmed.left(80);
        std::replace_if(shown.begin(), shown.end(), isControl, QChar(0xFFFD));
        return QStringLiteral("department name '%1' holds a control character or line break (U+%2)").arg(shown, code);
    }
    return QString();
}

namespace {

// The name as a department keeps it (trimmed); throws CatalogError with departmentNameProblem's reason otherwise.
QString usableDepartmentName(const QString &name, int maxLength)
{
    const QString trimmed = name.trimmed();
    const QString problem = Catalog::departmentNameProblem(trimmed, maxLength);
    if (!problem.isEmpty())
        throw CatalogError(problem);
    return trimmed;
}

} // namespace

qint64 Catalog::addDepartment(const QString &name)
{
    const QString trimmed = usableDepartmentName(name, m_maxDepartmentNameLength);
    const auto id = departmentIdByName(trimmed) ? std::nullopt : insertDepartmentUnlessNamed(trimmed);
    if (!id)
        throw CatalogError(QStringLiteral("department '%1' already exists").arg(trimmed));
    return *id;
}

std::optional<qint64> Catalog::insertDepartmentUnlessNamed(const QString &trimmedName)
{
    return insertUnlessNameTaken(QStringLiteral("INSERT INTO departments (name, position, created_at) VALUES (:name,"
                                                " (SELECT COALESCE(MAX(position) + 1, 0) FROM departments), :now)"),
                                 {{QStringLiteral("name"), trimmedName}, {QStringLiteral("now"), nowText()}});
}

std::optional<qint64> Catalog::insertUnlessNameTaken(const QString &insertSql, const QVariantMap &bindings) const
{
    // Another client may add the same name between a caller's look and this insert. ON CONFLICT then waits for that
    // client's transaction and inserts nothing, where a plain insert would fail on the unique name (PostgreSQL runs
    // clients side by side; SQLite's write lock already orders them).
    QSqlQuery query = run(insertSql + QStringLiteral(" ON CONFLICT(name) DO NOTHING RETURNING id"), bindings);
    std::optional<qint64> id;
    if (query.next())
        id = query.value(0).toLongLong();
    query.finish(); // SQLite ends the statement, and in autocommit its transaction, only here
    return id;
}

std::optional<qint64> Catalog::ensureDepartment(const QString &name)
{
    if (auto existing = departmentIdByName(name))
        return existing;
    if (departmentsFixed())
        return std::nullopt;
    const QString trimmed = usableDepartmentName(name, m_maxDepartmentNameLength);
    if (const auto added = insertDepartmentUnlessNamed(trimmed))
        return added;
    // Another client added it since the first look; its transaction has committed by now.
    if (auto existing = departmentIdByName(trimmed))
        return existing;
    throw CatalogError(QStringLiteral("department '%1' was added and removed again by another client").arg(trimmed));
}

void Catalog::renameDepartment(qint64 id, const QString &newName)
{
    const QString trimmed = newName.trimmed();
    TransactionGuard transaction(m_database);
    const auto current = department(id);
    if (!current)
        throw CatalogError(QStringLiteral("no department with id %1").arg(id));
    const QString problem = departmentNameProblem(trimmed, m_maxDepartmentNameLength);
    if (!problem.isEmpty())
        throw CatalogError(problem);
    if (trimmed == current->name)
        return;
    const auto clash = departmentIdByName(trimmed);
    if (clash && *clash != id)
        throw CatalogError(QStringLiteral("department '%1' already exists").arg(trimmed));
    run(QStringLiteral("DELETE FROM department_aliases WHERE alias = :name"), {{QStringLiteral("name"), trimmed}});
    run(QStringLiteral("INSERT INTO department_aliases (alias, department_id) VALUES (:alias, :id)"
                       " ON CONFLICT(alias) DO UPDATE SET department_id = excluded.department_id"),
        {{QStringLiteral("alias"), current->name}, {QStringLiteral("id"), id}});
    run(QStringLiteral("UPDATE departments SET name = :name WHERE id = :id"),
        {{QStringLiteral("name"), trimmed}, {QStringLiteral("id"), id}});
    transaction.commit();
}

void Catalog::moveDepartment(qint64 id, int newPosition)
{
    TransactionGuard transaction(m_database);
    QVector<Department> list = departments();
    const auto it = std::find_if(list.begin(), list.end(), [id](const Department &d) { return d.id == id; });
    if (it == list.end())
        throw CatalogError(QStringLiteral("no department with id %1").arg(id));
    const Department moved = *it;
    list.erase(it);
    list.insert(std::clamp(newPosition, 0, int(list.size())), moved);
    for (int position = 0; position < list.size(); ++position) {
        run(QStringLiteral("UPDATE departments SET position = :position WHERE id = :id"),
            {{QStringLiteral("position"), position}, {QStringLiteral("id"), list[position].id}});
    }
    transaction.commit();
}

bool Catalog::departmentsFixed() const
{
    return setting(kDepartmentsFixedKey, QStringLiteral("0")) == QLatin1String("1");
}

void Catalog::setDepartmentsFixed(bool fixed)
{
    setSetting(kDepartmentsFixedKey, fixed ? QStringLiteral("1") : QStringLiteral("0"));
}

qint64 Catalog::addDepartmentGroup(const QString &name)
{
    const QString trimmed = name.trimmed();
    const QString problem = departmentNameProblem(trimmed, m_maxDepartmentNameLength);
    if (!problem.isEmpty())
        throw CatalogError(QString(problem).replace(QStringLiteral("department"), QStringLiteral("department group")));
    const auto existingGroup = [&]() -> std::optional<qint64> {
        QSqlQuery existing = run(QStringLiteral("SELECT id FROM department_groups WHERE name = :name"),
                                 {{QStringLiteral("name"), trimmed}});
        if (existing.next())
            return existing.value(0).toLongLong();
        return std::nullopt;
    };
    if (const auto id = existingGroup())
        return *id;
    if (const auto id = insertUnlessNameTaken(QStringLiteral("INSERT INTO department_groups (name, position) VALUES"
                                                             " (:name, (SELECT COALESCE(MAX(position) + 1, 0)"
                                                             " FROM department_groups))"),
                                              {{QStringLiteral("name"), trimmed}}))
        return *id;
    if (const auto id = existingGroup()) // another client added it since the first look
        return *id;
    throw CatalogError(QStringLiteral("department group '%1' was added and removed again by another client").arg(trimmed));
}

void Catalog::setDepartmentGroup(qint64 departmentId, qint64 groupId)
{
    TransactionGuard transaction(m_database);
    run(QStringLiteral("UPDATE departments SET group_id = :group WHERE id = :id"),
        {{QStringLiteral("group"), groupId > 0 ? QVariant(groupId) : QVariant(QMetaType(QMetaType::LongLong))},
         {QStringLiteral("id"), departmentId}});
    if (classificationLevel(*this) == ClassificationLevel::Group)
        rederiveFiling(*this); // the groups predictions sum into changed
    transaction.commit();
}

qint64 Catalog::mergeDepartments(qint64 fromId, qint64 intoId)
{
    TransactionGuard transaction(m_database);
    const auto from = department(fromId);
    const auto into = department(intoId);
    if (!from || !into)
        throw CatalogError(QStringLiteral("no department with id %1").arg(!from ? fromId : intoId));
    if (fromId == intoId)
        throw CatalogError(QStringLiteral("cannot merge department '%1' into itself").arg(from->name));
    QSqlQuery fromRow = run(QStringLiteral("SELECT created_at FROM departments WHERE id = :id"), {{QStringLiteral("id"), fromId}});
    const QString createdAt = fromRow.next() ? fromRow.value(0).toString() : nowText();
    QSqlQuery replacedAlias = run(QStringLiteral("SELECT department_id FROM department_aliases WHERE alias = :alias"),
                                  {{QStringLiteral("alias"), from->name}});
    const QVariant replacedAliasDepartment = replacedAlias.next() ? replacedAlias.value(0) : QVariant();
    const qint64 mergeId = insert(QStringLiteral("INSERT INTO department_merges (from_id, from_name, from_position, from_group_id,"
                                                " from_created_at, into_id, replaced_alias_department_id, merged_at)"
                                                " VALUES (:from, :name, :position, :group, :created, :into, :alias, :now)"),
                                 {{QStringLiteral("from"), fromId},
                                  {QStringLiteral("name"), from->name},
                                  {QStringLiteral("position"), from->position},
                                  {QStringLiteral("group"), from->groupId ? QVariant(from->groupId) : QVariant()},
                                  {QStringLiteral("created"), createdAt},
                                  {QStringLiteral("into"), intoId},
                                  {QStringLiteral("alias"), replacedAliasDepartment},
                                  {QStringLiteral("now"), nowText()}});
    const QVariantMap moved{{QStringLiteral("merge"), mergeId}, {QStringLiteral("from"), fromId}};
    // The rows the merge moves, recorded before they move: the undo moves back these and no others.
    run(QStringLiteral("INSERT INTO department_merge_moves (merge_id, row_kind, row_id)"
                       " SELECT CAST(:merge AS BIGINT), 'label', id FROM labels WHERE department_id = :from"), moved);
    run(QStringLiteral("INSERT INTO department_merge_moves (merge_id, row_kind, row_id)"
                       " SELECT CAST(:merge AS BIGINT), 'prediction', id FROM predictions WHERE predicted_department_id = :from"), moved);
    run(QStringLiteral("INSERT INTO department_merge_moves (merge_id, row_kind, row_id)"
                       " SELECT CAST(:merge AS BIGINT), 'decision', id FROM review_decisions WHERE department_id = :from"), moved);
    run(QStringLiteral("INSERT INTO department_merge_moves (merge_id, row_kind, alias)"
                       " SELECT CAST(:merge AS BIGINT), 'alias', alias FROM department_aliases WHERE department_id = :from"), moved);
    const QVariantMap ids{{QStringLiteral("from"), fromId}, {QStringLiteral("into"), intoId}};
    run(QStringLiteral("UPDATE labels SET department_id = :into WHERE department_id = :from"), ids);
    run(QStringLiteral("UPDATE predictions SET predicted_department_id = :into WHERE predicted_department_id = :from"), ids);
    run(QStringLiteral("UPDATE review_decisions SET department_id = :into WHERE department_id = :from"), ids);
    run(QStringLiteral("UPDATE department_aliases SET department_id = :into WHERE department_id = :from"), ids);
    run(QStringLiteral("INSERT INTO department_aliases (alias, department_id) VALUES (:alias, :into)"
                       " ON CONFLICT(alias) DO UPDATE SET department_id = excluded.department_id"),
        {{QStringLiteral("alias"), from->name}, {QStringLiteral("into"), intoId}});
    run(QStringLiteral("DELETE FROM departments WHERE id = :from"), {{QStringLiteral("from"), fromId}});
    transaction.commit();
    return mergeId;
}

void Catalog::undoDepartmentMerge(qint64 mergeId)
{
    TransactionGuard transaction(m_database);
    QSqlQuery merge = run(QStringLiteral("SELECT from_id, from_name, from_position, from_group_id, from_created_at, into_id,"
                                         " replaced_alias_department_id, undone_at FROM department_merges WHERE id = :id"),
                          {{QStringLiteral("id"), mergeId}});
    if (!merge.next())
        throw CatalogError(QStringLiteral("no department merge with id %1").arg(mergeId));
    const qint64 fromId = merge.value(0).toLongLong();
    const QString fromName = merge.value(1).toString();
    const qint64 intoId = merge.value(5).toLongLong();
    if (!merge.value(7).isNull())
        throw CatalogError(QStringLiteral("the merge of '%1' was already undone").arg(fromName));
    const auto into = department(intoId);
    if (!into)
        throw CatalogError(QStringLiteral("cannot undo the merge of '%1': the department it went into was merged or removed "
                                          "since (undo that first)").arg(fromName));
    QSqlQuery taken = run(QStringLiteral("SELECT id FROM departments WHERE name = :name OR id = :id"),
                          {{QStringLiteral("name"), fromName}, {QStringLiteral("id"), fromId}});
    if (taken.next())
        throw CatalogError(QStringLiteral("cannot undo the merge of '%1': a department now has its name").arg(fromName));
    QVariant group = merge.value(3);
    if (!group.isNull()) {
        QSqlQuery groupExists = run(QStringLiteral("SELECT 1 FROM department_groups WHERE id = :id"), {{QStringLiteral("id"), group}});
        if (!groupExists.next())
            group = QVariant(); // the group was removed since: the department comes back without one
    }
    run(QStringLiteral("INSERT INTO departments (id, name, position, group_id, created_at) VALUES (:id, :name, :position, :group, :created)"),
        {{QStringLiteral("id"), fromId},
         {QStringLiteral("name"), fromName},
         {QStringLiteral("position"), merge.value(2)},
         {QStringLiteral("group"), group},
         {QStringLiteral("created"), merge.value(4)}});
    // Back only the rows still where the merge put them: a row changed since belongs to the later change.
    const QVariantMap ids{{QStringLiteral("merge"), mergeId}, {QStringLiteral("from"), fromId}, {QStringLiteral("into"), intoId}};
    run(QStringLiteral("UPDATE labels SET department_id = :from WHERE department_id = :into AND id IN"
                       " (SELECT row_id FROM department_merge_moves WHERE merge_id = :merge AND row_kind = 'label')"), ids);
    run(QStringLiteral("UPDATE predictions SET predicted_department_id = :from WHERE predicted_department_id = :into AND id IN"
                       " (SELECT row_id FROM department_merge_moves WHERE merge_id = :merge AND row_kind = 'prediction')"), ids);
    run(QStringLiteral("UPDATE review_decisions SET department_id = :from WHERE department_id = :into AND id IN"
                       " (SELECT row_id FROM department_merge_moves WHERE merge_id = :merge AND row_kind = 'decision')"), ids);
    run(QStringLiteral("UPDATE department_aliases SET department_id = :from WHERE department_id = :into AND alias IN"
                       " (SELECT alias FROM department_merge_moves WHERE merge_id = :merge AND row_kind = 'alias')"), ids);
    // The old name stops being an alias, or points again where it pointed before the merge.
    const QVariant replacedAlias = merge.value(6);
    if (replacedAlias.isNull() || !department(replacedAlias.toLongLong()))
        run(QStringLiteral("DELETE FROM department_aliases WHERE alias = :alias AND department_id = :into"),
            {{QStringLiteral("alias"), fromName}, {QStringLiteral("into"), intoId}});
    else
        run(QStringLiteral("UPDATE department_aliases SET department_id = :before WHERE alias = :alias AND department_id = :into"),
            {{QStringLiteral("alias"), fromName}, {QStringLiteral("into"), intoId}, {QStringLiteral("before"), replacedAlias}});
    run(QStringLiteral("UPDATE department_merges SET undone_at = :now WHERE id = :id"),
        {{QStringLiteral("now"), nowText()}, {QStringLiteral("id"), mergeId}});
    transaction.commit();
}

QVector<Catalog::DepartmentMerge> Catalog::undoableDepartmentMerges() const
{
    QSqlQuery query = run(QStringLiteral("SELECT id, from_id, from_name, into_id, merged_at FROM department_merges"
                                         " WHERE undone_at IS NULL ORDER BY id DESC"));
    QVector<DepartmentMerge> merges;
    while (query.next())
        merges.push_back({query.value(0).toLongLong(), query.value(1).toLongLong(), query.value(2).toString(),
                          query.value(3).toLongLong(), query.value(4).toString()});
    return merges;
}

void Catalog::renameDepartmentGroup(qint64 groupId, const QString &newName)
{
    const QString trimmed = newName.trimmed();
    const QString problem = departmentNameProblem(trimmed, m_maxDepartmentNameLength);
    if (!problem.isEmpty())
        throw CatalogError(QString(problem).replace(QStringLiteral("department"), QStringLiteral("department group")));
    run(QStringLiteral("UPDATE department_groups SET name = :name WHERE id = :id"),
        {{QStringLiteral("name"), trimmed}, {QStringLiteral("id"), groupId}});
}

qint64 Catalog::itemCount() const
{
    QSqlQuery query = run(QStringLiteral("SELECT COUNT(*) FROM items"));
    return query.next() ? query.value(0).toLongLong() : 0;
}

std::optional<qint64> Catalog::itemIdByHash(const QString &contentHash) const
{
    QSqlQuery query = run(QStringLiteral("SELECT id FROM items WHERE content_hash = :hash"),
                          {{QStringLiteral("hash"), contentHash}});
    if (query.next())
        return query.value(0).toLongLong();
    return std::nullopt;
}

std::optional<ItemRecord> Catalog::item(qint64 id) const
{
    QSqlQuery query = run(QLatin1String(kItemColumns) + QStringLiteral("WHERE i.id = :id"), {{QStringLiteral("id"), id}});
    if (query.next()) {
        ItemRecord record = itemFromQuery(query);
        record.path = resolveItemPath(record.path);
        return record;
    }
    return std::nullopt;
}

QVector<ItemRecord> Catalog::items(qint64 offset, qint64 limit) const
{
    QSqlQuery query = run(QLatin1String(kItemColumns) + QStringLiteral("ORDER BY i.id LIMIT :limit OFFSET :offset"),
                          {{QStringLiteral("limit"), limit}, {QStringLiteral("offset"), offset}});
    QVector<ItemRecord> result;
    while (query.next()) {
        result.push_back(itemFromQuery(query));
        result.back().path = resolveItemPath(result.back().path);
    }
    return result;
}

QVector<QByteArray> Catalog::allContentHashes() const
{
    QSqlQuery query = run(QStringLiteral("SELECT content_hash FROM items"));
    QVector<QByteArray> result;
    while (query.next())
        result.push_back(QByteArray::fromHex(query.value(0).toString().toLatin1()));
    return result;
}

qint64 Catalog::insertItem(const NewItem &item)
{
    const qint64 id = insert(
        QStringLiteral("INSERT INTO items (content_hash, path, external_id, width, height, format, file_size,"
                       " stored_copy, imported_at, metadata)"
                       " VALUES (:hash, :path, :external_id, :width, :height, :format, :file_size, :stored_copy,"
                       " :now, :metadata)"),
        {{QStringLiteral("hash"), item.contentHash},
         {QStringLiteral("path"), item.path},
         {QStringLiteral("external_id"), item.externalId.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(item.externalId)},
         {QStringLiteral("width"), item.width},
         {QStringLiteral("height"), item.height},
         {QStringLiteral("format"), item.format},
         {QStringLiteral("file_size"), item.fileSize},
         {QStringLiteral("stored_copy"), item.storedCopy ? 1 : 0},
         {QStringLiteral("now"), nowText()},
         {QStringLiteral("metadata"), QString::fromUtf8(QJsonDocument(item.metadata).toJson(QJsonDocument::Compact))}});
    if (!item.thumbnailJpeg.isEmpty()) {
        run(QStringLiteral("INSERT INTO thumbnails (item_id, width, height, jpeg) VALUES (:id, :width, :height, :jpeg)"),
            {{QStringLiteral("id"), id},
             {QStringLiteral("width"), item.thumbnailWidth},
             {QStringLiteral("height"), item.thumbnailHeight},
             {QStringLiteral("jpeg"), item.thumbnailJpeg}});
    }
    return id;
}

void Catalog::updateItemPath(qint64 itemId, const QString &path)
{
    run(QStringLiteral("UPDATE items SET path = :path WHERE id = :id"),
        {{QStringLiteral("path"), path}, {QStringLiteral("id"), itemId}});
}

QByteArray Catalog::thumbnailJpeg(qint64 itemId) const
{
    QSqlQuery query = run(QStringLiteral("SELECT jpeg FROM thumbnails WHERE item_id = :id"), {{QStringLiteral("id"), itemId}});
    return query.next() ? query.value(0).toByteArray() : QByteArray();
}

qint64 Catalog::addLabel(qint64 itemId, qint64 departmentId, LabelSource source, qint64 modelId, qint64 decisionId)
{
    const QVariant noId{QMetaType(QMetaType::LongLong)}; // braces: Clang reads parentheses as a function declaration
    return insert(QStringLiteral("INSERT INTO labels (item_id, department_id, source, created_at, model_id, decision_id)"
                                         " VALUES (:item, :department, :source, :now, :model, :decision)"),
                          {{QStringLiteral("item"), itemId},
                           {QStringLiteral("department"), departmentId},
                           {QStringLiteral("source"), labelSourceName(source)},
                           {QStringLiteral("now"), nowText()},
                           {QStringLiteral("model"), modelId > 0 ? QVariant(modelId) : noId},
                           {QStringLiteral("decision"), decisionId > 0 ? QVariant(decisionId) : noId}});
}

void Catalog::retractLabel(qint64 labelId)
{
    run(QStringLiteral("UPDATE labels SET retracted_at = :now WHERE id = :id AND retracted_at IS NULL"),
        {{QStringLiteral("now"), nowText()}, {QStringLiteral("id"), labelId}});
}

QVector<LabelRecord> Catalog::labelHistory(qint64 itemId) const
{
    QSqlQuery query = run(QStringLiteral("SELECT l.id, l.item_id, l.department_id, d.name, l.source, l.created_at,"
                                         " l.model_id, l.decision_id, l.retracted_at FROM labels l"
                                         " JOIN departments d ON d.id = l.department_id"
                                         " WHERE l.item_id = :item ORDER BY l.id"),
                          {{QStringLiteral("item"), itemId}});
    QVector<LabelRecord> result;
    while (query.next()) {
        LabelRecord label;
        label.id = query.value(0).toLongLong();
        label.itemId = query.value(1).toLongLong();
        label.departmentId = query.value(2).toLongLong();
        label.department = query.value(3).toString();
        label.source = labelSourceFromName(query.value(4).toString()).value_or(LabelSource::Imported);
        label.createdAt = parseTime(query.value(5));
        label.modelId = query.value(6).toLongLong();
        label.decisionId = query.value(7).toLongLong();
        if (!query.value(8).isNull())
            label.retractedAt = parseTime(query.value(8));
        result.push_back(label);
    }
    return result;
}

CatalogStats Catalog::stats() const
{
    CatalogStats stats;
    QSqlQuery totals = run(QStringLiteral("SELECT COUNT(*), COUNT(current_label_id) FROM items"));
    if (totals.next()) {
        stats.items = totals.value(0).toLongLong();
        stats.labelled = totals.value(1).toLongLong();
        stats.unlabelled = stats.items - stats.labelled;
    }
    QHash<qint64, qint64> countByDepartment;
    QSqlQuery perDepartment = run(QStringLiteral("SELECT l.department_id, COUNT(*) FROM items i"
                                                 " JOIN labels l ON l.id = i.current_label_id GROUP BY l.department_id"));
    while (perDepartment.next())
        countByDepartment.insert(perDepartment.value(0).toLongLong(), perDepartment.value(1).toLongLong());
    for (const Department &department : departments())
        stats.byDepartment.push_back({department.name, countByDepartment.value(department.id)});
    QSqlQuery failures = run(QStringLiteral("SELECT COUNT(*) FROM import_failures"));
    if (failures.next())
        stats.importFailures = failures.value(0).toLongLong();
    QSqlQuery runs = run(QStringLiteral("SELECT status, COUNT(*) FROM import_runs GROUP BY status ORDER BY status"));
    while (runs.next())
        stats.importRunsByStatus.push_back({runs.value(0).toString(), runs.value(1).toLongLong()});
    return stats;
}

QVector<ItemRow> Catalog::labelledItems(bool imported, bool curator) const
{
    QSqlQuery query = run(QStringLiteral("SELECT i.id, i.path, i.content_hash, l.department_id, d.name, l.source FROM items i"
                                         " JOIN labels l ON l.id = i.current_label_id"
                                         " JOIN departments d ON d.id = l.department_id"
                                         " WHERE (l.source = 'imported' AND :imported = 1) OR (l.source = 'curator' AND :curator = 1)"
                                         " ORDER BY i.id"),
                          {{QStringLiteral("imported"), imported ? 1 : 0}, {QStringLiteral("curator"), curator ? 1 : 0}});
    QVector<ItemRow> result;
    while (query.next()) {
        ItemRow item;
        item.id = query.value(0).toLongLong();
        item.path = resolveItemPath(query.value(1).toString());
        item.contentHash = query.value(2).toString();
        item.departmentId = query.value(3).toLongLong();
        item.department = query.value(4).toString();
        item.labelSource = labelSourceFromName(query.value(5).toString()).value_or(LabelSource::Imported);
        item.status = item.labelSource == LabelSource::Curator ? ItemStatus::Confirmed : ItemStatus::Labelled;
        result.push_back(item);
    }
    return result;
}

std::optional<qint64> Catalog::splitId(quint64 seed, double validationFraction) const
{
    QSqlQuery query = run(QStringLiteral("SELECT id FROM splits WHERE seed = :seed AND abs(validation_fraction - :fraction) < 1e-9"),
                          {{QStringLiteral("seed"), qint64(seed)}, {QStringLiteral("fraction"), validationFraction}});
    if (query.next())
        return query.value(0).toLongLong();
    return std::nullopt;
}

qint64 Catalog::createSplit(quint64 seed, double validationFraction)
{
    return insert(QStringLiteral("INSERT INTO splits (seed, validation_fraction, created_at) VALUES (:seed, :fraction, :now)"),
                  {{QStringLiteral("seed"), qint64(seed)}, {QStringLiteral("fraction"), validationFraction},
                   {QStringLiteral("now"), nowText()}});
}

QHash<qint64, bool> Catalog::splitAssignments(qint64 splitId) const
{
    QSqlQuery query = run(QStringLiteral("SELECT item_id, validation FROM split_items WHERE split_id = :split"),
                          {{QStringLiteral("split"), splitId}});
    QHash<qint64, bool> result;
    while (query.next())
        result.insert(query.value(0).toLongLong(), query.value(1).toBool());
    return result;
}

void Catalog::addSplitAssignments(qint64 splitId, const QVector<QPair<qint64, bool>> &assignments)
{
    TransactionGuard transaction(m_database);
    for (const auto &[itemId, validation] : assignments) {
        run(QStringLiteral("INSERT INTO split_items (split_id, item_id, validation) VALUES (:split, :item, :validation)"
                           " ON CONFLICT DO NOTHING"),
            {{QStringLiteral("split"), splitId}, {QStringLiteral("item"), itemId}, {QStringLiteral("validation"), validation ? 1 : 0}});
    }
    transaction.commit();
}

void Catalog::moveSplitAssignments(qint64 splitId, const QVector<QPair<qint64, bool>> &assignments)
{
    TransactionGuard transaction(m_database);
    for (const auto &[itemId, validation] : assignments) {
        run(QStringLiteral("UPDATE split_items SET validation = :validation WHERE split_id = :split AND item_id = :item"),
            {{QStringLiteral("split"), splitId}, {QStringLiteral("item"), itemId}, {QStringLiteral("validation"), validation ? 1 : 0}});
    }
    transaction.commit();
}

QHash<QString, Catalog::CollectionObject> Catalog::collectionObjects(const QString &source) const
{
    QSqlQuery query = run(QStringLiteral("SELECT object_id, status, reason, item_id FROM collection_objects WHERE source = :source"),
                          {{QStringLiteral("source"), source}});
    QHash<QString, CollectionObject> objects;
    while (query.next())
        objects.insert(query.value(0).toString(), {query.value(1).toString(), query.value(2).toString(), query.value(3).toLongLong()});
    return objects;
}

void Catalog::recordCollectionObject(const QString &source, const QString &objectId, const QString &groupKey,
                                     const QString &status, const QString &reason, qint64 itemId)
{
    run(QStringLiteral("INSERT INTO collection_objects (source, object_id, group_key, status, reason, item_id, updated_at)"
                       " VALUES (:source, :object, :group, :status, :reason, :item, :now)"
                       " ON CONFLICT(source, object_id) DO UPDATE SET status = excluded.status, reason = excluded.reason,"
                       " item_id = excluded.item_id, group_key = excluded.group_key, updated_at = excluded.updated_at"),
        {{QStringLiteral("source"), source},
         {QStringLiteral("object"), objectId},
         {QStringLiteral("group"), groupKey},
         {QStringLiteral("status"), status},
         {QStringLiteral("reason"), reason},
         {QStringLiteral("item"), itemId > 0 ? QVariant(itemId) : QVariant(QMetaType(QMetaType::LongLong))},
         {QStringLiteral("now"), nowText()}});
}

std::optional<QByteArray> Catalog::cachedResponse(const QString &url) const
{
    QSqlQuery query = run(QStringLiteral("SELECT body FROM collection_cache WHERE url = :url"), {{QStringLiteral("url"), url}});
    if (query.next())
        return query.value(0).toByteArray();
    return std::nullopt;
}

void Catalog::cacheResponse(const QString &url, const QByteArray &body)
{
    run(QStringLiteral("INSERT INTO collection_cache (url, body, fetched_at) VALUES (:url, :body, :now)"
                       " ON CONFLICT(url) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at"),
        {{QStringLiteral("url"), url}, {QStringLiteral("body"), body}, {QStringLiteral("now"), nowText()}});
}

qint64 Catalog::beginImportRun(const QString &source)
{
    const qint64 pid = QCoreApplication::applicationPid();
    return insert(QStringLiteral("INSERT INTO import_runs (source, started_at, pid, host, process_identity)"
                                         " VALUES (:source, :now, :pid, :host, :identity)"),
                          {{QStringLiteral("source"), source},
                           {QStringLiteral("now"), nowText()},
                           {QStringLiteral("pid"), pid},
                           {QStringLiteral("host"), QSysInfo::machineHostName()},
                           {QStringLiteral("identity"), processIdentity(pid)}});
}

void Catalog::finishImportRun(qint64 runId, const QString &status, qint64 imported, qint64 duplicates, qint64 failed)
{
    run(QStringLiteral("UPDATE import_runs SET finished_at = :now, status = :status, imported = :imported,"
                       " duplicates = :duplicates, failed = :failed WHERE id = :id"),
        {{QStringLiteral("now"), nowText()},
         {QStringLiteral("status"), status},
         {QStringLiteral("imported"), imported},
         {QStringLiteral("duplicates"), duplicates},
         {QStringLiteral("failed"), failed},
         {QStringLiteral("id"), runId}});
}

void Catalog::setImportRunWarnings(qint64 runId, const QStringList &warnings)
{
    run(QStringLiteral("UPDATE import_runs SET warnings = :warnings WHERE id = :id"),
        {{QStringLiteral("warnings"),
          QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(warnings)).toJson(QJsonDocument::Compact))},
         {QStringLiteral("id"), runId}});
}

qint64 Catalog::markInterruptedImportRuns()
{
    QSqlQuery running = run(QStringLiteral("SELECT id, pid, process_identity FROM import_runs"
                                           " WHERE status = 'running' AND host = :host"),
                            {{QStringLiteral("host"), QSysInfo::machineHostName()}});
    QVector<qint64> gone;
    while (running.next()) {
        if (!processMayBeRunning(running.value(1).toLongLong(), running.value(2).toString()))
            gone.push_back(running.value(0).toLongLong());
    }
    running.finish();
    if (gone.isEmpty())
        return 0; // no write lock taken: stats and imports that open the catalog do not wait on each other
    TransactionGuard transaction(m_database);
    qint64 marked = 0;
    for (const qint64 id : gone) {
        // Still 'running': a run whose process was alive after all has set its own status meanwhile.
        marked += run(QStringLiteral("UPDATE import_runs SET status = 'interrupted' WHERE id = :id AND status = 'running'"),
                      {{QStringLiteral("id"), id}})
                      .numRowsAffected();
    }
    transaction.commit();
    return marked;
}

QVector<ImportRunRecord> Catalog::importRuns() const
{
    QSqlQuery query = run(QStringLiteral("SELECT id, source, started_at, finished_at, status, imported, duplicates, failed,"
                                         " warnings FROM import_runs ORDER BY id"));
    QVector<ImportRunRecord> result;
    while (query.next()) {
        ImportRunRecord record;
        record.id = query.value(0).toLongLong();
        record.source = query.value(1).toString();
        record.startedAt = parseTime(query.value(2));
        if (!query.value(3).isNull())
            record.finishedAt = parseTime(query.value(3));
        record.status = query.value(4).toString();
        record.imported = query.value(5).toLongLong();
        record.duplicates = query.value(6).toLongLong();
        record.failed = query.value(7).toLongLong();
        for (const QJsonValue &warning : QJsonDocument::fromJson(query.value(8).toString().toUtf8()).array())
            record.warnings.push_back(warning.toString());
        result.push_back(record);
    }
    return result;
}

void Catalog::recordImportFailure(qint64 runId, const QString &path, const QString &reason)
{
    run(QStringLiteral("INSERT INTO import_failures (import_run_id, path, reason, occurred_at)"
                       " VALUES (:run, :path, :reason, :now)"),
        {{QStringLiteral("run"), runId > 0 ? QVariant(runId) : QVariant(QMetaType(QMetaType::LongLong))},
         {QStringLiteral("path"), path},
         {QStringLiteral("reason"), reason},
         {QStringLiteral("now"), nowText()}});
}

QVector<ImportFailureRecord> Catalog::importFailures(qint64 runId) const
{
    QSqlQuery query = run(QStringLiteral("SELECT id, import_run_id, path, reason, occurred_at FROM import_failures"
                                         " WHERE :all = 1 OR import_run_id = :run ORDER BY id"),
                          {{QStringLiteral("all"), runId == 0 ? 1 : 0}, {QStringLiteral("run"), runId}});
    QVector<ImportFailureRecord> result;
    while (query.next()) {
        result.push_back({query.value(0).toLongLong(), query.value(1).toLongLong(), query.value(2).toString(),
                          query.value(3).toString(), parseTime(query.value(4))});
    }
    return result;
}

// SQLite's integers and PostgreSQL's BIGINT are signed: a hash is stored as the same 64 bits read as a signed number.
void Catalog::setPerceptualHash(qint64 itemId, quint64 hash)
{
    const std::array<quint16, 4> bands = perceptualHashBands(hash);
    run(QStringLiteral("INSERT INTO perceptual_hashes (item_id, hash, band0, band1, band2, band3)"
                       " VALUES (:item, :hash, :band0, :band1, :band2, :band3)"
                       " ON CONFLICT(item_id) DO UPDATE SET hash = excluded.hash, band0 = excluded.band0, band1 = excluded.band1,"
                       " band2 = excluded.band2, band3 = excluded.band3"),
        {{QStringLiteral("item"), itemId},
         {QStringLiteral("hash"), qint64(hash)},
         {QStringLiteral("band0"), int(bands[0])},
         {QStringLiteral("band1"), int(bands[1])},
         {QStringLiteral("band2"), int(bands[2])},
         {QStringLiteral("band3"), int(bands[3])}});
}

QHash<qint64, quint64> Catalog::perceptualHashes() const
{
    QSqlQuery query = run(QStringLiteral("SELECT item_id, hash FROM perceptual_hashes"));
    QHash<qint64, quint64> result;
    while (query.next())
        result.insert(query.value(0).toLongLong(), quint64(query.value(1).toLongLong()));
    return result;
}

QVector<QPair<qint64, QString>> Catalog::itemsWithoutPerceptualHash() const
{
    QSqlQuery query = run(QStringLiteral("SELECT i.id, i.path FROM items i LEFT JOIN perceptual_hashes h ON h.item_id = i.id"
                                         " WHERE h.item_id IS NULL ORDER BY i.id"));
    QVector<QPair<qint64, QString>> result;
    while (query.next())
        result.push_back({query.value(0).toLongLong(), resolveItemPath(query.value(1).toString())});
    return result;
}

QVector<QPair<qint64, int>> Catalog::itemsNearPerceptualHash(quint64 hash, int maxDistance, qint64 exceptItemId) const
{
    const std::array<quint16, 4> bands = perceptualHashBands(hash);
    // Four indexed lookups, one per band; a band shared by very many items (a common blank background) is
    // bounded, so a lookup never turns into a scan.
    QSqlQuery query = run(QStringLiteral("SELECT item_id, hash FROM (SELECT item_id, hash FROM perceptual_hashes WHERE band0 = :b0 LIMIT 2000) AS band0_matches"
                                         " UNION SELECT item_id, hash FROM (SELECT item_id, hash FROM perceptual_hashes WHERE band1 = :b1 LIMIT 2000) AS band1_matches"
                                         " UNION SELECT item_id, hash FROM (SELECT item_id, hash FROM perceptual_hashes WHERE band2 = :b2 LIMIT 2000) AS band2_matches"
                                         " UNION SELECT item_id, hash FROM (SELECT item_id, hash FROM perceptual_hashes WHERE band3 = :b3 LIMIT 2000) AS band3_matches"),
                          {{QStringLiteral("b0"), int(bands[0])},
                           {QStringLiteral("b1"), int(bands[1])},
                           {QStringLiteral("b2"), int(bands[2])},
                           {QStringLiteral("b3"), int(bands[3])}});
    QVector<QPair<qint64, int>> result;
    while (query.next()) {
        const qint64 itemId = query.value(0).toLongLong();
        const int distance = hammingDistance(hash, quint64(query.value(1).toLongLong()));
        if (itemId != exceptItemId && distance <= maxDistance)
            result.push_back({itemId, distance});
    }
    std::sort(result.begin(), result.end(), [](const auto &x, const auto &y) {
        return x.second != y.second ? x.second < y.second : x.first < y.first;
    });
    return result;
}

void Catalog::replaceNearDuplicateGroups(const QVector<NearDuplicateGroup> &groups)
{
    TransactionGuard transaction(m_database);
    run(QStringLiteral("DELETE FROM near_duplicate_groups"));
    const QString now = nowText();
    for (const NearDuplicateGroup &group : groups) {
        const qint64 groupId = insert(QStringLiteral("INSERT INTO near_duplicate_groups (found_at) VALUES (:now)"),
                                      {{QStringLiteral("now"), now}});
        for (const qint64 itemId : group.items) {
            run(QStringLiteral("INSERT INTO near_duplicate_members (group_id, item_id) VALUES (:group, :item) ON CONFLICT DO NOTHING"),
                {{QStringLiteral("group"), groupId}, {QStringLiteral("item"), itemId}});
        }
        for (const NearDuplicatePair &pair : group.pairs) {
            run(QStringLiteral("INSERT INTO near_duplicate_pairs (group_id, item_a, item_b, cosine, hash_distance)"
                               " VALUES (:group, :a, :b, :cosine, :distance)"),
                {{QStringLiteral("group"), groupId},
                 {QStringLiteral("a"), pair.a},
                 {QStringLiteral("b"), pair.b},
                 {QStringLiteral("cosine"), std::isnan(pair.cosine) ? QVariant(QMetaType(QMetaType::Double)) : QVariant(pair.cosine)},
                 {QStringLiteral("distance"), pair.hashDistance < 0 ? QVariant(QMetaType(QMetaType::Int)) : QVariant(pair.hashDistance)}});
        }
    }
    transaction.commit();
}

QVector<NearDuplicateGroup> Catalog::nearDuplicateGroups() const
{
    return loadNearDuplicateGroups(0);
}

QVector<NearDuplicateGroup> Catalog::loadNearDuplicateGroups(qint64 onlyGroupId) const
{
    const QVariantMap only{{QStringLiteral("all"), onlyGroupId == 0 ? 1 : 0}, {QStringLiteral("only"), onlyGroupId}};
    QMap<qint64, NearDuplicateGroup> byId;
    QSqlQuery members = run(QStringLiteral("SELECT m.group_id, m.item_id, i.path FROM near_duplicate_members m"
                                           " JOIN items i ON i.id = m.item_id WHERE :all = 1 OR m.group_id = :only"
                                           " ORDER BY m.group_id, m.item_id"), only);
    while (members.next()) {
        NearDuplicateGroup &group = byId[members.value(0).toLongLong()];
        group.id = members.value(0).toLongLong();
        group.items.push_back(members.value(1).toLongLong());
        group.paths.push_back(resolveItemPath(members.value(2).toString()));
    }
    QSqlQuery pairs = run(QStringLiteral("SELECT group_id, item_a, item_b, cosine, hash_distance FROM near_duplicate_pairs"
                                         " WHERE :all = 1 OR group_id = :only ORDER BY group_id, item_a, item_b"), only);
    while (pairs.next()) {
        const auto found = byId.find(pairs.value(0).toLongLong());
        if (found == byId.end())
            continue;
        NearDuplicatePair pair;
        pair.a = pairs.value(1).toLongLong();
        pair.b = pairs.value(2).toLongLong();
        if (!pairs.value(3).isNull())
            pair.cosine = pairs.value(3).toDouble();
        if (!pairs.value(4).isNull())
            pair.hashDistance = pairs.value(4).toInt();
        found->pairs.push_back(pair);
    }
    QVector<NearDuplicateGroup> result;
    // A group whose items were removed down to one is a group no longer.
    for (const NearDuplicateGroup &group : std::as_const(byId)) {
        if (group.items.size() >= 2)
            result.push_back(group);
    }
    return result;
}

std::optional<NearDuplicateGroup> Catalog::nearDuplicateGroup(qint64 groupId) const
{
    if (groupId <= 0)
        return std::nullopt;
    const QVector<NearDuplicateGroup> groups = loadNearDuplicateGroups(groupId);
    if (groups.isEmpty())
        return std::nullopt;
    return groups.front();
}

std::optional<NearDuplicateGroup> Catalog::nearDuplicateGroupOfItem(qint64 itemId) const
{
    QSqlQuery query = run(QStringLiteral("SELECT group_id FROM near_duplicate_members WHERE item_id = :item"),
                          {{QStringLiteral("item"), itemId}});
    if (!query.next())
        return std::nullopt;
    return nearDuplicateGroup(query.value(0).toLongLong());
}

} // namespace accession
