#pragma once

#include <QSqlDatabase>
#include <QString>

namespace accession {

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
