#include "catalogsession.h"

#include "catalog/catalog.h"
#include "catalog/cataloglocation.h"
#include "catalog/catalogworker.h"
#include "jobs/jobqueue.h"

#include <QUndoStack>

namespace accession {

namespace {

// The location as Catalog::path() gives it back (an absolute file path, or the URL written one way), so that the
// worker's answer, recent catalogs and titles all match it. A URL that cannot be read goes as written: the
// worker's open then fails with the reason.
QString normalisedLocation(const QString &location)
{
    try {
        return CatalogLocation::parse(location).display();
    } catch (const CatalogError &) {
        return location;
    }
}

} // namespace

CatalogSession::CatalogSession(QObject *parent)
    : QObject(parent)
    , m_worker(new CatalogWorker(this))
    , m_undoStack(new QUndoStack(this))
    , m_jobs(new JobQueue(this))
{
    connect(m_worker, &CatalogWorker::migrationProgress, this, [this](int done, int total, const QString &step) {
        if (isOpening())
            Q_EMIT migrationProgress(done, total, step);
    });
    // The indexes the migration left for later, built while the catalog is in use: shown as the migration's last steps.
    connect(m_worker, &CatalogWorker::indexBuildProgress, this, [this](const QString &path, int done, int total, const QString &step) {
        if (isOpen() && path == m_openPath)
            Q_EMIT migrationProgress(done, total, step);
    });
    connect(m_worker, &CatalogWorker::opened, this, &CatalogSession::workerOpened);
    connect(m_worker, &CatalogWorker::openFailed, this, &CatalogSession::workerOpenFailed);
    connect(m_worker, &CatalogWorker::taskFailed, this, &CatalogSession::errorOccurred);
    // Another curator's decision or import on a shared catalog: the views read again what they show, through the
    // catalog thread, as after a bulk change here.
    connect(m_worker, &CatalogWorker::changedElsewhere, this, [this] {
        if (!isOpen())
            return;
        Q_EMIT catalogChangedElsewhere();
        Q_EMIT catalogChanged();
    });
}

CatalogSession::~CatalogSession()
{
    m_jobs->shutdown(); // before the catalog the jobs' callbacks may read goes
    m_undoStack->clear(); // commands hold ids in this catalog
}

void CatalogSession::open(const QString &path)
{
    close();
    m_openingPath = normalisedLocation(path);
    m_worker->open(m_openingPath, Catalog::OpenMode::CreateIfMissing);
    Q_EMIT openingStarted(m_openingPath);
}

void CatalogSession::workerOpened(const QString &path)
{
    if (path != m_openingPath)
        return; // another catalog was chosen meanwhile
    m_openingPath.clear();
    m_openPath = path; // this thread holds no connection: everything goes through the catalog thread
    Q_EMIT opened();
}

void CatalogSession::workerOpenFailed(const QString &path, const QString &message)
{
    if (path != m_openingPath)
        return;
    m_openingPath.clear();
    m_worker->close();
    Q_EMIT openFailed(path, message);
}

void CatalogSession::close()
{
    const bool wasOpen = isOpen();
    m_openingPath.clear();
    m_undoStack->clear();
    m_worker->close();
    if (!wasOpen)
        return;
    // Gone before closed: a view that reloads on closed must find no catalog, not read the old one once more.
    m_openPath.clear();
    Q_EMIT closed();
}

QString CatalogSession::path() const
{
    return isOpen() ? m_openPath : m_openingPath;
}

} // namespace accession
