#pragma once

#include <QUndoCommand>

#include <atomic>
#include <memory>

namespace accession {

class CatalogSession;

// A department merge on the undo stack: the catalog keeps a record of what the merge moved, and undo puts it back,
// both written on the catalog thread.
class MergeDepartmentsCommand : public QUndoCommand
{
public:
    // For a merge already made (mergeId from Catalog::mergeDepartments): the first redo, from the push, does nothing.
    MergeDepartmentsCommand(CatalogSession *session, qint64 mergeId, qint64 fromId, qint64 intoId, const QString &text);

    void redo() override;
    void undo() override;
    // The catalog's record of the merge as last made; a redo makes a new one, on the catalog thread.
    qint64 mergeId() const { return m_mergeId->load(); }

private:
    CatalogSession *m_session;
    // Set by redo's task on the catalog thread, read there by undo's (which runs after it) and here.
    std::shared_ptr<std::atomic<qint64>> m_mergeId;
    qint64 m_fromId;
    qint64 m_intoId;
    bool m_alreadyDone = true;
};

} // namespace accession
