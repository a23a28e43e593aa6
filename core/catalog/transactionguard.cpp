#include "transactionguard.h"

#include "catalogtypes.h"

#include <QHash>
#include <QSqlError>
#include <QSqlQuery>

namespace accession {

namespace {

// Guards open on each connection of this thread (a connection belongs to the thread that opened it).
thread_local QHash<QString, int> t_openGuards;

bool execute(const QSqlDatabase &database, const QString &sql, QString *error = nullptr)
{
    QSqlQuery query(database);
    if (query.exec(sql))
        return true;
    if (error)
        *error = query.lastError().text();
    return false;
}

} // namespace

TransactionGuard::TransactionGuard(QSqlDatabase database)
    : m_database(std::move(database))
{
    const int depth = t_openGuards.value(m_database.connectionName());
    QString error;
    if (depth == 0) {
        // IMMEDIATE takes SQLite's write lock now, where the busy timeout applies. A deferred transaction that
        // reads first fails at its first write with "database is locked", without waiting, whenever another
        // process wrote in between: SQLite cannot upgrade a stale read snapshot. PostgreSQL locks rows as it writes.
        const bool postgres = m_database.driverName() == QLatin1String("QPSQL");
        if (!execute(m_database, postgres ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE"), &error))
            throw CatalogError(QStringLiteral("cannot begin a transaction on %1: %2").arg(m_database.databaseName(), error));
    } else {
        m_savepoint = QStringLiteral("accession_guard_%1").arg(depth);
        if (!execute(m_database, QStringLiteral("SAVEPOINT ") + m_savepoint, &error))
            throw CatalogError(QStringLiteral("cannot begin a transaction on %1: %2").arg(m_database.databaseName(), error));
    }
    t_openGuards[m_database.connectionName()] = depth + 1;
    m_open = true;
}

TransactionGuard::~TransactionGuard()
{
    if (m_open)
        rollback();
}

void TransactionGuard::rollback()
{
    if (m_savepoint.isEmpty()) {
        execute(m_database, QStringLiteral("ROLLBACK"));
    } else {
        execute(m_database, QStringLiteral("ROLLBACK TO ") + m_savepoint);
        execute(m_database, QStringLiteral("RELEASE ") + m_savepoint);
    }
    close();
}

void TransactionGuard::close()
{
    m_open = false;
    const QString name = m_database.connectionName();
    const int depth = t_openGuards.value(name) - 1;
    if (depth > 0)
        t_openGuards[name] = depth;
    else
        t_openGuards.remove(name);
}

void TransactionGuard::commit()
{
    if (!m_open)
        return;
    QString reason;
    const bool ok = m_savepoint.isEmpty() ? execute(m_database, QStringLiteral("COMMIT"), &reason)
                                          : execute(m_database, QStringLiteral("RELEASE ") + m_savepoint, &reason);
    if (!ok) {
        rollback();
        throw CatalogError(QStringLiteral("cannot write to catalog %1: %2").arg(m_database.databaseName(), reason));
    }
    close();
}

} // namespace accession
