#include "decisioncommand.h"

#include "catalogsession.h"
#include "displaytext.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"
#include "catalog/reviewstore.h"

#include <QCoreApplication>

namespace accession {

namespace {

QString describe(DecisionCommand::Kind kind, const QString &department)
{
    switch (kind) {
    case DecisionCommand::Kind::Accept: return QCoreApplication::translate("DecisionCommand", "Accept suggestion");
    case DecisionCommand::Kind::Choose: return QCoreApplication::translate("DecisionCommand", "File under %1").arg(elided(department));
    case DecisionCommand::Kind::Skip: return QCoreApplication::translate("DecisionCommand", "Skip");
    case DecisionCommand::Kind::Unfile: return QCoreApplication::translate("DecisionCommand", "Send back to review");
    }
    return QString();
}

} // namespace

DecisionCommand::DecisionCommand(CatalogSession *session, qint64 itemId, Kind kind, qint64 departmentId,
                                 const QString &department, std::optional<qint64> seenDecisionId)
    : QUndoCommand(describe(kind, department))
    , m_session(session)
    , m_itemId(itemId)
    , m_kind(kind)
    , m_departmentId(departmentId)
    , m_seenDecisionId(std::make_shared<std::optional<qint64>>(seenDecisionId))
{
}

namespace {

struct StatusChange
{
    ItemStatus before = ItemStatus::Unlabelled;
    ItemStatus after = ItemStatus::Unlabelled;
    QString conflict; // set when another client decided the item first: nothing was written
};

} // namespace

void DecisionCommand::redo()
{
    if (!m_session->isOpen()) {
        setObsolete(true);
        return;
    }
    // Written on the catalog thread, in order with everything else posted there; the views have already moved on.
    m_session->worker()->write(
        m_session,
        [itemId = m_itemId, kind = m_kind, departmentId = m_departmentId, decisionId = m_decisionId,
         seen = m_seenDecisionId](Catalog &catalog) {
            ReviewStore store(catalog);
            StatusChange change{store.status(itemId), {}, {}};
            *decisionId = 0;
            try {
                switch (kind) {
                case Kind::Accept: *decisionId = store.accept(itemId, *seen).id; break;
                case Kind::Choose: *decisionId = store.choose(itemId, departmentId, *seen).id; break;
                case Kind::Skip: *decisionId = store.skip(itemId, *seen).id; break;
                case Kind::Unfile: *decisionId = store.unfile(itemId, *seen).id; break;
                }
                if (*seen)
                    *seen = *decisionId;
            } catch (const DecisionConflict &conflict) {
                // The other client's decision stands; this command now knows it, so that a redo is judged against it.
                change.conflict = DecisionConflict::describe(conflict.other());
                *seen = conflict.other().id;
            }
            change.after = store.status(itemId);
            return change;
        },
        [session = m_session, itemId = m_itemId](const StatusChange &change) {
            session->notifyItemChanged(itemId, change.before, change.after);
            if (!change.conflict.isEmpty()) {
                session->reportConflict(itemId, change.conflict);
                session->notifyCatalogChanged(); // the views read the other client's decision
            }
        },
        [session = m_session](const QString &message) { session->reportError(message); });
}

void DecisionCommand::undo()
{
    if (!m_session->isOpen())
        return;
    m_session->worker()->write(
        m_session,
        [itemId = m_itemId, decisionId = m_decisionId, seen = m_seenDecisionId](Catalog &catalog) {
            ReviewStore store(catalog);
            StatusChange change{store.status(itemId), {}, {}};
            // A decision that lost to another client's was never written: there is nothing of ours to undo.
            if (*decisionId != 0) {
                try {
                    const qint64 undoId = store.undo(*decisionId, *seen).id;
                    if (*seen)
                        *seen = undoId;
                    *decisionId = 0;
                } catch (const DecisionConflict &conflict) {
                    change.conflict = QCoreApplication::translate("DecisionCommand", "Not undone: %1")
                                          .arg(DecisionConflict::describe(conflict.other()));
                }
            }
            change.after = store.status(itemId);
            return change;
        },
        [session = m_session, itemId = m_itemId](const StatusChange &change) {
            session->notifyItemChanged(itemId, change.before, change.after);
            if (!change.conflict.isEmpty()) {
                session->reportConflict(itemId, change.conflict);
                session->notifyCatalogChanged(); // the views read the other client's decision
            }
        },
        [session = m_session](const QString &message) { session->reportError(message); });
}

} // namespace accession
