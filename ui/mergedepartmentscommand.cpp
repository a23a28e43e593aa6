#include "mergedepartmentscommand.h"

#include "catalogsession.h"

#include "catalog/catalog.h"

namespace accession {

MergeDepartmentsCommand::MergeDepartmentsCommand(CatalogSession *session, qint64 mergeId, qint64 fromId, qint64 intoId,
                                                 const QString &text)
    : QUndoCommand(text)
    , m_session(session)
    , m_mergeId(mergeId)
    , m_fromId(fromId)
    , m_intoId(intoId)
{
}

void MergeDepartmentsCommand::redo()
{
    if (m_alreadyDone) {
        m_alreadyDone = false;
        return;
    }
    Catalog *catalog = m_session->catalog();
    if (!catalog) {
        setObsolete(true);
        return;
    }
    try {
        m_mergeId = catalog->mergeDepartments(m_fromId, m_intoId); // a new record: the old one says it was undone
    } catch (const CatalogError &error) {
        setObsolete(true);
        m_session->reportError(QString::fromUtf8(error.what()));
        return;
    }
    m_session->notifyCatalogChanged();
}

void MergeDepartmentsCommand::undo()
{
    Catalog *catalog = m_session->catalog();
    if (!catalog)
        return;
    try {
        catalog->undoDepartmentMerge(m_mergeId);
    } catch (const CatalogError &error) {
        // Undone from the Departments dialog already, or blocked by a later merge: said, and left as it is.
        setObsolete(true);
        m_session->reportError(QString::fromUtf8(error.what()));
        return;
    }
    m_session->notifyCatalogChanged();
}

} // namespace accession
