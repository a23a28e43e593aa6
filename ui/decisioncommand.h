#pragma once

#include <QUndoCommand>

#include <memory>
#include <optional>

namespace accession {

class CatalogSession;

// One curator decision on the undo stack: redo records it in the catalog, undo records its undoing, both on the
// catalog thread, in the order they were made. Each carries the item's latest decision its curator had seen, so
// that one another client made since is reported as a conflict (CatalogSession::decisionConflict), not overwritten.
class DecisionCommand : public QUndoCommand
{
public:
    enum class Kind { Accept, Choose, Skip, Unfile };

    // seenDecisionId: the item's latest decision the curator had seen (0: none); without it nothing is checked.
    DecisionCommand(CatalogSession *session, qint64 itemId, Kind kind, qint64 departmentId = 0, const QString &department = {},
                    std::optional<qint64> seenDecisionId = std::nullopt);

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
    // The item's latest decision as this command last saw it: the queue's at first, then its own decision or undo.
    std::shared_ptr<std::optional<qint64>> m_seenDecisionId;
};

} // namespace accession
