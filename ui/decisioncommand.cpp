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

DecisionCommand::DecisionCommand(CatalogSession *session, qint64 itemId, Kind kind, qint64 departmentId, const QString &department)
    : QUndoCommand(describe(kind, department))
    , m_session(session)
    , m_itemId(itemId)
    , m_kind(kind)
    , m_departmentId(departmentId)
{
}

namespace {

struct StatusChange
{
    ItemStatus before = ItemStatus::Unlabelled;
    ItemStatus after = ItemStatus::Unlabelled;
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
        [itemId = m_itemId, kind = m_kind, departmentId = m_departmentId, decisionId = m_decisionId](Catalog &catalog) {
            ReviewStore store(catalog);
            StatusChange change{store.status(itemId), {}};
            switch (kind) {
            case Kind::Accept: *decisionId = store.accept(itemId).id; break;
            case Kind::Choose: *decisionId = store.choose(itemId, departmentId).id; break;
            case Kind::Skip: *decisionId = store.skip(itemId).id; break;
            case Kind::Unfile: *decisionId = store.unfile(itemId).id; break;
            }
            change.after = store.status(itemId);
            return change;
        },
        [session = m_session, itemId = m_itemId](const StatusChange &change) {
            session->notifyItemChanged(itemId, change.before, change.after);
        },
        [session = m_session](const QString &message) { session->reportError(message); });
}

void DecisionCommand::undo()
{
    if (!m_session->isOpen())
        return;
    m_session->worker()->write(
        m_session,
        [itemId = m_itemId, decisionId = m_decisionId](Catalog &catalog) {
            ReviewStore store(catalog);
            StatusChange change{store.status(itemId), {}};
            if (*decisionId == 0)
                throw CatalogError(QCoreApplication::translate("DecisionCommand", "The decision to undo was never saved."));
            store.undo(*decisionId);
            change.after = store.status(itemId);
            return change;
        },
        [session = m_session, itemId = m_itemId](const StatusChange &change) {
            session->notifyItemChanged(itemId, change.before, change.after);
        },
        [session = m_session](const QString &message) { session->reportError(message); });
}

} // namespace accession
