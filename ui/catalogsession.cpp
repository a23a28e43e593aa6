#include "catalogsession.h"

#include "catalog/catalog.h"
#include "jobs/jobqueue.h"

#include <QUndoStack>

namespace accession {

CatalogSession::CatalogSession(QObject *parent)
    : QObject(parent)
    , m_undoStack(new QUndoStack(this))
    , m_jobs(new JobQueue(this))
{
}

CatalogSession::~CatalogSession()
{
    m_jobs->shutdown(); // before the catalog the jobs' callbacks may read goes
    m_undoStack->clear(); // commands hold ids in this catalog
}

void CatalogSession::open(const QString &path)
{
    auto catalog = std::make_unique<Catalog>(path, Catalog::OpenMode::CreateIfMissing);
    close();
    m_catalog = std::move(catalog);
    Q_EMIT opened();
}

void CatalogSession::close()
{
    if (!m_catalog)
        return;
    m_undoStack->clear();
    Q_EMIT closed();
    m_catalog.reset();
}

QString CatalogSession::path() const
{
    return m_catalog ? m_catalog->path() : QString();
}

} // namespace accession
