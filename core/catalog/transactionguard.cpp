#include "transactionguard.h"

#include "catalogtypes.h"

#include <QSqlError>

namespace accession {

TransactionGuard::TransactionGuard(QSqlDatabase database)
    : m_database(std::move(database))
{
    if (!m_database.transaction())
        throw CatalogError(QStringLiteral("cannot begin a transaction on %1: %2")
                               .arg(m_database.databaseName(), m_database.lastError().text()));
    m_open = true;
}

TransactionGuard::~TransactionGuard()
{
    if (m_open)
        m_database.rollback();
}

void TransactionGuard::commit()
{
    if (!m_database.commit()) {
        const QString reason = m_database.lastError().text();
        m_database.rollback();
        m_open = false;
        throw CatalogError(QStringLiteral("cannot write to catalog %1: %2").arg(m_database.databaseName(), reason));
    }
    m_open = false;
}

} // namespace accession
