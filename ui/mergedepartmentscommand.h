#pragma once

#include <QUndoCommand>

namespace accession {

class CatalogSession;

// A department merge on the undo stack: the catalog keeps a record of what the merge moved, and undo puts it back.
class MergeDepartmentsCommand : public QUndoCommand
{
public:
    // For a merge already made (mergeId from Catalog::mergeDepartments): the first redo, from the push, does nothing.
    MergeDepartmentsCommand(CatalogSession *session, qint64 mergeId, qint64 fromId, qint64 intoId, const QString &text);

    void redo() override;
    void undo() override;
    qint64 mergeId() const { return m_mergeId; }

private:
    CatalogSession *m_session;
    qint64 m_mergeId;
    qint64 m_fromId;
    qint64 m_intoId;
    bool m_alreadyDone = true;
};

} // namespace accession
