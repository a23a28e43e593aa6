#pragma once

#include <QUndoCommand>

#include <memory>

namespace accession {

class CatalogSession;

// One curator decision on the undo stack: redo records it in the catalog, undo records its undoing, both on the
// catalog thread, in the order they were made.
class DecisionCommand : public QUndoCommand
{
public:
    enum class Kind { Accept, Choose, Skip, Unfile };

    DecisionCommand(CatalogSession *session, qint64 itemId, Kind kind, qint64 departmentId = 0, const QString &department = {});

    void redo() override;
    void undo() override;
    qint64 itemId() const { return m_itemId; }

private:
    CatalogSession *m_session;
    qint64 m_itemId;
    Kind m_kind;
    qint64 m_departmentId;
    // Set on the catalog thread by redo's task, read there by undo's, which always runs after it.
    std::shared_ptr<qint64> m_decisionId = std::make_shared<qint64>(0);
};

} // namespace accession
