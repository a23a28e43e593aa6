#pragma once

#include <QSqlDatabase>
#include <QString>

namespace accession {

// The PostgreSQL channel every committed write to the tables the windows show notifies, for the other clients'
// windows to refresh (CatalogWorker::changedElsewhere): the schema's triggers send it (migration 13), so writes in
// autocommit and by other tools notify too. SQLite needs none: its data_version tells a connection that another wrote.
inline constexpr char kCatalogChangeChannel[] = "accession_catalog_changed";

// Begins a write transaction on construction and rolls it back on destruction unless commit() was called.
// Inside another guard on the same connection it is a savepoint, so catalog methods that write in a guard
// can be called from a caller's batch.
class TransactionGuard
{
public:
    explicit TransactionGuard(QSqlDatabase database);
    ~TransactionGuard();
    TransactionGuard(const TransactionGuard &) = delete;
    TransactionGuard &operator=(const TransactionGuard &) = delete;

    // Throws CatalogError when the commit fails (disk full, locked, ...).
    void commit();

private:
    void rollback(); // undoes the transaction or savepoint, then closes
    void close();

    QSqlDatabase m_database;
    QString m_savepoint; // empty for the outermost guard, which owns the transaction
    bool m_open = false;
};

} // namespace accession
