#pragma once

#include <QSqlDatabase>

namespace accession {

// Begins a transaction on construction and rolls it back on destruction unless commit() was called.
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
    QSqlDatabase m_database;
    bool m_open = false;
};

} // namespace accession
