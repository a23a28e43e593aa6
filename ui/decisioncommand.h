#pragma once

#include <QUndoCommand>

namespace accession {

class CatalogSession;

// One curator decision on the undo stack: redo records it in the catalog, undo records its undoing.
class DecisionCommand : public QUndoCommand
{
public:
    enum class Kind { Accept, Choose, Skip, Unfile };

    DecisionCommand(CatalogSession *session, qint64 itemId, Kind kind, qint64 departmentId = 0, const QString &department = {});

    void redo() override;
    void undo() override;
    qint64 itemId() const { return m_itemId; }
    qint64 decisionId() const { return m_decisionId; }

private:
    CatalogSession *m_session;
    qint64 m_itemId;
    Kind m_kind;
    qint64 m_departmentId;
    qint64 m_decisionId = 0;
};

} // namespace accession
