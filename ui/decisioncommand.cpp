#include "decisioncommand.h"

#include "catalogsession.h"
#include "displaytext.h"

#include "catalog/catalog.h"
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

void DecisionCommand::redo()
{
    Catalog *catalog = m_session->catalog();
    if (!catalog) {
        setObsolete(true);
        return;
    }
    try {
        ReviewStore store(*catalog);
        switch (m_kind) {
        case Kind::Accept: m_decisionId = store.accept(m_itemId).id; break;
        case Kind::Choose: m_decisionId = store.choose(m_itemId, m_departmentId).id; break;
        case Kind::Skip: m_decisionId = store.skip(m_itemId).id; break;
        case Kind::Unfile: m_decisionId = store.unfile(m_itemId).id; break;
        }
    } catch (const CatalogError &error) {
        setObsolete(true);
        m_session->reportError(QString::fromUtf8(error.what()));
        return;
    }
    m_session->notifyItemChanged(m_itemId);
}

void DecisionCommand::undo()
{
    Catalog *catalog = m_session->catalog();
    if (!catalog || m_decisionId == 0)
        return;
    try {
        ReviewStore(*catalog).undo(m_decisionId);
    } catch (const CatalogError &error) {
        m_session->reportError(QString::fromUtf8(error.what()));
        return;
    }
    m_session->notifyItemChanged(m_itemId);
}

} // namespace accession
