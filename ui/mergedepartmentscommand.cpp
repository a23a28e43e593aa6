#include "mergedepartmentscommand.h"

#include "catalogsession.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"

namespace accession {

MergeDepartmentsCommand::MergeDepartmentsCommand(CatalogSession *session, qint64 mergeId, qint64 fromId, qint64 intoId,
                                                 const QString &text)
    : QUndoCommand(text)
    , m_session(session)
    , m_mergeId(std::make_shared<std::atomic<qint64>>(mergeId))
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
    if (!m_session->isOpen()) {
        setObsolete(true);
        return;
    }
    m_session->worker()->write(
        m_session,
        [mergeId = m_mergeId, fromId = m_fromId, intoId = m_intoId](Catalog &catalog) {
            mergeId->store(catalog.mergeDepartments(fromId, intoId)); // a new record: the old one says it was undone
        },
        [session = m_session] { session->notifyCatalogChanged(); },
        [session = m_session](const QString &message) { session->reportError(message); });
}

void MergeDepartmentsCommand::undo()
{
    if (!m_session->isOpen())
        return;
    m_session->worker()->write(
        m_session, [mergeId = m_mergeId](Catalog &catalog) { catalog.undoDepartmentMerge(mergeId->load()); },
        [session = m_session] { session->notifyCatalogChanged(); },
        // Undone from the Departments dialog already, or blocked by a later merge: said, and left as it is.
        [session = m_session](const QString &message) { session->reportError(message); });
}

} // namespace accession
