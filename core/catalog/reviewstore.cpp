#include "reviewstore.h"

#include "catalog.h"
#include "classificationlevel.h"
#include "ranking.h"
#include "transactionguard.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cstring>
#include <numeric>

namespace accession {

namespace {

// What ':threshold' is compared with in the queries below: past every confidence at a threshold of 1.
double filingBound(double threshold)
{
    return threshold < 1.0 ? threshold : 2.0;
}

const char *const kStatusCase = ACCESSION_SQL_ITEM_STATUS;

QByteArray probabilitiesBlob(const std::vector<float> &probabilities)
{
    return QByteArray(reinterpret_cast<const char *>(probabilities.data()), int(probabilities.size() * sizeof(float)));
}

std::vector<float> probabilitiesFromBlob(const QByteArray &blob)
{
    std::vector<float> values(size_t(blob.size()) / sizeof(float));
    std::memcpy(values.data(), blob.constData(), values.size() * sizeof(float));
    return values;
}

QVariant nullableId(qint64 id)
{
    return id > 0 ? QVariant(id) : QVariant(QMetaType(QMetaType::LongLong));
}

} // namespace

DecisionConflict::DecisionConflict(qint64 itemId, const Decision &other)
    : CatalogError(QStringLiteral("item %1: %2").arg(itemId).arg(describe(other)))
    , m_itemId(itemId)
    , m_other(other)
{
}

QString DecisionConflict::describe(const Decision &other)
{
    const QString who = other.decidedBy.isEmpty() ? QStringLiteral("another curator") : other.decidedBy;
    const QString when = other.decidedAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
    switch (other.action) {
    case DecisionAction::Accept:
    case DecisionAction::Choose: return QStringLiteral("Already filed under %1 by %2 at %3").arg(other.department, who, when);
    case DecisionAction::Skip: return QStringLiteral("Already skipped by %1 at %2").arg(who, when);
    case DecisionAction::Unfile: return QStringLiteral("Already sent back to review by %1 at %2").arg(who, when);
    case DecisionAction::Undo: return QStringLiteral("A decision on it was already undone by %1 at %2").arg(who, when);
    }
    return QString();
}

QString itemStatusName(ItemStatus status)
{
    switch (status) {
    case ItemStatus::Unlabelled: return QStringLiteral("unlabelled");
    case ItemStatus::Labelled: return QStringLiteral("labelled");
    case ItemStatus::AutoFiled: return QStringLiteral("auto-filed");
    case ItemStatus::NeedsReview: return QStringLiteral("needs-review");
    case ItemStatus::Confirmed: return QStringLiteral("confirmed");
    }
    return QString();
}

std::optional<ItemStatus> itemStatusFromName(const QString &name)
{
    for (ItemStatus status : {ItemStatus::Unlabelled, ItemStatus::Labelled, ItemStatus::AutoFiled, ItemStatus::NeedsReview,
                              ItemStatus::Confirmed}) {
        if (itemStatusName(status) == name)
            return status;
    }
    return std::nullopt;
}

QString decisionActionName(DecisionAction action)
{
    switch (action) {
    case DecisionAction::Accept: return QStringLiteral("accept");
    case DecisionAction::Choose: return QStringLiteral("choose");
    case DecisionAction::Skip: return QStringLiteral("skip");
    case DecisionAction::Unfile: return QStringLiteral("unfile");
    case DecisionAction::Undo: return QStringLiteral("undo");
    }
    return QString();
}

std::optional<DecisionAction> decisionActionFromName(const QString &name)
{
    for (DecisionAction action : {DecisionAction::Accept, DecisionAction::Choose, DecisionAction::Skip, DecisionAction::Unfile,
                                  DecisionAction::Undo}) {
        if (decisionActionName(action) == name)
            return action;
    }
    return std::nullopt;
}

ReviewStore::ReviewStore(Catalog &catalog)
    : m_catalog(catalog)
{
}

qint64 ReviewStore::addPrediction(qint64 modelId, const NewPrediction &prediction, const QVector<qint64> &classDepartments,
                                  double threshold)
{
    const std::vector<float> &p = prediction.probabilities;
    const std::vector<int> order = rankedClasses(p);
    // Stored at the catalog's level, so that the filing rule reads one column: a switch of level rewrites them.
    const LevelVerdict verdict = rollup().verdict(modelClasses(modelId), p);
    const qint64 department = verdict.departmentId > 0 ? verdict.departmentId : (p.empty() ? 0 : classDepartments.value(order[0]));
    const double filingThreshold = std::isnan(verdict.filingThreshold) ? threshold : verdict.filingThreshold;
    return m_catalog.insert(
        QStringLiteral("INSERT INTO predictions (item_id, model_id, probabilities, predicted_department_id, confidence, margin,"
                       " filing_threshold, auto_filed, out_of_scope_score, out_of_scope, created_at) VALUES (:item, :model,"
                       " :probabilities, :department, :confidence, :margin, :filing_threshold, :auto_filed, :score, :out_of_scope, :now)"),
        {{QStringLiteral("item"), prediction.itemId},
         {QStringLiteral("model"), modelId},
         {QStringLiteral("probabilities"), probabilitiesBlob(p)},
         {QStringLiteral("department"), nullableId(department)},
         {QStringLiteral("confidence"), verdict.confidence},
         {QStringLiteral("margin"), verdict.margin},
         {QStringLiteral("filing_threshold"), filingThresholdColumn(verdict.filingThreshold)},
         {QStringLiteral("auto_filed"),
          threshold < 1.0 && filesAutomatically(verdict.confidence, filingThreshold, prediction.outOfScope) ? 1 : 0},
         {QStringLiteral("score"), std::isfinite(prediction.outOfScopeScore) ? QVariant(prediction.outOfScopeScore)
                                                                             : QVariant(QMetaType(QMetaType::Double))},
         {QStringLiteral("out_of_scope"), prediction.outOfScope ? 1 : 0},
         {QStringLiteral("now"), Catalog::nowText()}});
}

std::optional<PredictionRecord> ReviewStore::prediction(qint64 itemId, qint64 modelId) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT p.id, p.probabilities, d.name, p.confidence, p.margin, p.auto_filed,"
                                                   " p.review_flag, p.created_at, p.out_of_scope_score, p.out_of_scope, p.filing_threshold"
                                                   " FROM predictions p"
                                                   " LEFT JOIN departments d ON d.id = p.predicted_department_id"
                                                   " WHERE p.item_id = :item AND p.model_id = :model"),
                                    {{QStringLiteral("item"), itemId}, {QStringLiteral("model"), modelId}});
    if (!query.next())
        return std::nullopt;
    PredictionRecord record;
    record.id = query.value(0).toLongLong();
    record.itemId = itemId;
    record.modelId = modelId;
    record.probabilities = probabilitiesFromBlob(query.value(1).toByteArray());
    record.predicted = query.value(2).toString();
    record.confidence = query.value(3).toDouble();
    record.margin = query.value(4).toDouble();
    record.autoFiledWhenMade = query.value(5).toBool();
    record.reviewFlag = ReviewFlag(query.value(6).toInt());
    record.createdAt = QDateTime::fromString(query.value(7).toString(), Qt::ISODateWithMs);
    record.outOfScopeScore = query.value(8).isNull() ? std::nan("") : query.value(8).toDouble();
    record.outOfScope = query.value(9).toBool();
    record.filingThreshold = query.value(10).isNull() ? std::nan("") : query.value(10).toDouble();
    query.finish();
    QSqlQuery name = m_catalog.run(QStringLiteral("SELECT name FROM models WHERE id = :id"), {{QStringLiteral("id"), modelId}});
    if (name.next())
        record.modelName = name.value(0).toString();
    name.finish();
    record.classes = modelClasses(modelId);
    record.filedClass = rollup().verdict(record.classes, record.probabilities).filedClass;
    if (rollup().level() == ClassificationLevel::Group)
        record.predicted = record.filedClass;
    return record;
}

QVector<PredictionRecord> ReviewStore::predictionsForItem(qint64 itemId) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT p.model_id FROM predictions p WHERE p.item_id = :item ORDER BY p.id"),
                                    {{QStringLiteral("item"), itemId}});
    QVector<qint64> models;
    while (query.next())
        models.push_back(query.value(0).toLongLong());
    query.finish();
    QVector<PredictionRecord> records;
    for (qint64 model : models) {
        if (auto record = prediction(itemId, model))
            records.push_back(*record);
    }
    return records;
}

qint64 ReviewStore::predictionCount(qint64 modelId) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT COUNT(*) FROM predictions WHERE model_id = :model"),
                                    {{QStringLiteral("model"), modelId}});
    return query.next() ? query.value(0).toLongLong() : 0;
}

QVector<ItemRow> ReviewStore::itemsWithoutPrediction(qint64 modelId, qint64 afterItemId, int limit) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT i.id, i.path, i.content_hash FROM items i"
                                                   " WHERE i.id > :after AND NOT EXISTS (SELECT 1 FROM predictions p"
                                                   " WHERE p.item_id = i.id AND p.model_id = :model)"
                                                   " ORDER BY i.id LIMIT :limit"),
                                    {{QStringLiteral("after"), afterItemId}, {QStringLiteral("model"), modelId},
                                     {QStringLiteral("limit"), limit}});
    QVector<ItemRow> items;
    while (query.next()) {
        ItemRow item;
        item.id = query.value(0).toLongLong();
        item.path = m_catalog.resolveItemPath(query.value(1).toString());
        item.contentHash = query.value(2).toString();
        items.push_back(item);
    }
    return items;
}

qint64 ReviewStore::countWithoutPrediction(qint64 modelId) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT COUNT(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM predictions p"
                                                   " WHERE p.item_id = i.id AND p.model_id = :model)"),
                                    {{QStringLiteral("model"), modelId}});
    return query.next() ? query.value(0).toLongLong() : 0;
}

void ReviewStore::recordClassificationFailure(qint64 itemId, qint64 modelId, const QString &reason)
{
    m_catalog.run(QStringLiteral("INSERT INTO classification_failures (item_id, model_id, reason, occurred_at)"
                                 " VALUES (:item, :model, :reason, :now)"),
                  {{QStringLiteral("item"), itemId}, {QStringLiteral("model"), modelId}, {QStringLiteral("reason"), reason},
                   {QStringLiteral("now"), Catalog::nowText()}});
}

const QStringList &ReviewStore::modelClasses(qint64 modelId) const
{
    if (!m_modelClasses.contains(modelId)) {
        QSqlQuery query = m_catalog.run(QStringLiteral("SELECT classes FROM models WHERE id = :id"), {{QStringLiteral("id"), modelId}});
        QStringList classes;
        if (query.next()) {
            for (const QJsonValue &name : QJsonDocument::fromJson(query.value(0).toString().toUtf8()).array()) {
                // Departments renamed since training show under their current names.
                const auto id = m_catalog.departmentIdByName(name.toString());
                const auto department = id ? m_catalog.department(*id) : std::nullopt;
                classes << (department ? department->name : name.toString());
            }
        }
        m_modelClasses.insert(modelId, classes);
    }
    return m_modelClasses[modelId];
}

const ClassRollup &ReviewStore::rollup() const
{
    if (!m_rollup)
        m_rollup = std::make_shared<const ClassRollup>(ClassRollup::load(m_catalog));
    return *m_rollup;
}

QVector<Candidate> ReviewStore::topCandidates(qint64 modelId, const QByteArray &blob, int count) const
{
    const QStringList &classes = modelClasses(modelId);
    const std::vector<float> p = probabilitiesFromBlob(blob);
    QVector<Candidate> candidates;
    if (rollup().level() == ClassificationLevel::Group) {
        const auto ranked = rollup().ranked(classes, p);
        for (int i = 0; i < std::min<int>(count, int(ranked.size())); ++i)
            candidates.push_back({ranked[i].first, ranked[i].second});
        return candidates;
    }
    const std::vector<int> order = rankedClasses(p);
    for (int i = 0; i < std::min<int>(count, int(order.size())); ++i)
        candidates.push_back({classes.value(order[size_t(i)]), double(p[size_t(order[size_t(i)])])});
    return candidates;
}

QVector<ItemRow> ReviewStore::queue(qint64 modelId, double threshold, int limit, int offset) const
{
    const bool groupLevel = rollup().level() == ClassificationLevel::Group;
    modelClasses(modelId); // read before the queue's rows stream
    QSqlQuery query = m_catalog.run(
        QStringLiteral("SELECT p.id, p.item_id, i.path, i.external_id, p.probabilities, p.confidence, p.margin,"
                       " p.review_flag, d.name, p.out_of_scope, p.out_of_scope_score, g.name,"
                       " (SELECT MAX(rd.id) FROM review_decisions rd WHERE rd.item_id = i.id)"
                       " FROM predictions p JOIN items i ON i.id = p.item_id"
                       " LEFT JOIN departments d ON d.id = p.predicted_department_id"
                       " LEFT JOIN department_groups g ON g.id = d.group_id"
                       " WHERE p.model_id = :model AND i.current_label_id IS NULL"
                       " AND NOT " ACCESSION_SQL_FILES_AT(":threshold")
                       " ORDER BY p.review_flag = :skipped, p.confidence, p.margin, p.item_id LIMIT :limit OFFSET :offset"),
        {{QStringLiteral("model"), modelId}, {QStringLiteral("threshold"), filingBound(threshold)},
         {QStringLiteral("skipped"), int(ReviewFlag::Skipped)},
         {QStringLiteral("limit"), limit}, {QStringLiteral("offset"), offset}});
    QVector<ItemRow> entries;
    while (query.next()) {
        ItemRow entry;
        entry.status = ItemStatus::NeedsReview;
        entry.predictionId = query.value(0).toLongLong();
        entry.id = query.value(1).toLongLong();
        entry.path = m_catalog.resolveItemPath(query.value(2).toString());
        entry.externalId = query.value(3).toString();
        entry.modelId = modelId;
        entry.confidence = query.value(5).toDouble();
        entry.margin = query.value(6).toDouble();
        entry.skipped = ReviewFlag(query.value(7).toInt()) == ReviewFlag::Skipped;
        entry.sentBack = ReviewFlag(query.value(7).toInt()) == ReviewFlag::SentBack;
        entry.predicted = query.value(8).toString();
        if (groupLevel && !query.value(11).isNull())
            entry.predicted = query.value(11).toString(); // the group the prediction files under
        entry.outOfScope = query.value(9).toBool();
        entry.outOfScopeScore = query.value(10).isNull() ? std::nan("") : query.value(10).toDouble();
        entry.candidates = topCandidates(modelId, query.value(4).toByteArray(), 3);
        entry.latestDecisionId = query.value(12).toLongLong();
        entries.push_back(entry);
    }
    return entries;
}

qint64 ReviewStore::queueSize(qint64 modelId, double threshold) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT COUNT(*) FROM predictions p JOIN items i ON i.id = p.item_id"
                                                   " WHERE p.model_id = :model AND i.current_label_id IS NULL"
                                                   " AND NOT " ACCESSION_SQL_FILES_AT(":threshold")),
                                    {{QStringLiteral("model"), modelId}, {QStringLiteral("threshold"), filingBound(threshold)}});
    return query.next() ? query.value(0).toLongLong() : 0;
}

qint64 ReviewStore::autoFileCount(qint64 modelId, double threshold) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT COUNT(*) FROM predictions p JOIN items i ON i.id = p.item_id"
                                                   " WHERE p.model_id = :model AND i.current_label_id IS NULL"
                                                   " AND " ACCESSION_SQL_FILES_AT(":threshold")),
                                    {{QStringLiteral("model"), modelId}, {QStringLiteral("threshold"), filingBound(threshold)}});
    return query.next() ? query.value(0).toLongLong() : 0;
}

qint64 ReviewStore::unlabelledPredictionCount(qint64 modelId) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT COUNT(*) FROM predictions p JOIN items i ON i.id = p.item_id"
                                                   " WHERE p.model_id = :model AND i.current_label_id IS NULL"),
                                    {{QStringLiteral("model"), modelId}});
    return query.next() ? query.value(0).toLongLong() : 0;
}

std::optional<ReviewStore::ActivePrediction> ReviewStore::activePrediction(qint64 itemId) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT m.id, p.id, p.predicted_department_id, p.review_flag FROM models m"
                                                   " JOIN predictions p ON p.model_id = m.id AND p.item_id = :item"
                                                   " WHERE m.is_active = 1"),
                                    {{QStringLiteral("item"), itemId}});
    if (!query.next())
        return std::nullopt;
    return ActivePrediction{query.value(0).toLongLong(), query.value(1).toLongLong(), query.value(2).toLongLong(),
                            ReviewFlag(query.value(3).toInt())};
}

qint64 ReviewStore::insertDecision(qint64 itemId, DecisionAction action, const std::optional<ActivePrediction> &prediction,
                                   qint64 departmentId, qint64 undoes)
{
    return m_catalog.insert(
        QStringLiteral("INSERT INTO review_decisions (item_id, prediction_id, model_id, action, department_id, previous_flag,"
                       " undoes_decision_id, decided_at, decided_by, decided_in) VALUES (:item, :prediction, :model, :action,"
                       " :department, :flag, :undoes, :now, :by, :session)"),
        {{QStringLiteral("item"), itemId},
         {QStringLiteral("prediction"), nullableId(prediction ? prediction->predictionId : 0)},
         {QStringLiteral("model"), nullableId(prediction ? prediction->modelId : 0)},
         {QStringLiteral("action"), decisionActionName(action)},
         {QStringLiteral("department"), nullableId(departmentId)},
         {QStringLiteral("flag"), prediction ? QVariant(int(prediction->reviewFlag)) : QVariant(QMetaType(QMetaType::Int))},
         {QStringLiteral("undoes"), nullableId(undoes)},
         {QStringLiteral("now"), Catalog::nowText()},
         {QStringLiteral("by"), m_catalog.clientName()},
         {QStringLiteral("session"), m_catalog.clientSession()}});
}

qint64 ReviewStore::latestDecisionId(qint64 itemId) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT MAX(id) FROM review_decisions WHERE item_id = :item"),
                                    {{QStringLiteral("item"), itemId}});
    return query.next() ? query.value(0).toLongLong() : 0;
}

void ReviewStore::checkNoConflict(qint64 itemId, std::optional<qint64> seenDecisionId)
{
    if (!seenDecisionId)
        return;
    // Two PostgreSQL transactions deciding one item wait here for each other, so that the second sees the first's
    // decision below (each statement of READ COMMITTED reads what was committed before it began).
    if (m_catalog.dialect() == SqlDialect::PostgreSQL)
        m_catalog.run(QStringLiteral("SELECT id FROM items WHERE id = :item FOR UPDATE"), {{QStringLiteral("item"), itemId}});
    // Another session's decision is a conflict, whatever its user@host. Decisions recorded before sessions (schema 13)
    // are judged by their user@host, and those from before clients had names (schema 11) predate sharing.
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT MAX(id) FROM review_decisions WHERE item_id = :item AND id > :seen"
                                                   " AND (decided_in <> :session"
                                                   " OR (decided_in IS NULL AND decided_by IS NOT NULL AND decided_by <> :me))"),
                                    {{QStringLiteral("item"), itemId}, {QStringLiteral("seen"), *seenDecisionId},
                                     {QStringLiteral("session"), m_catalog.clientSession()},
                                     {QStringLiteral("me"), m_catalog.clientName()}});
    const qint64 other = query.next() ? query.value(0).toLongLong() : 0;
    query.finish();
    if (other > 0)
        throw DecisionConflict(itemId, *decision(other));
}

void ReviewStore::setReviewFlag(qint64 predictionId, ReviewFlag flag)
{
    m_catalog.run(QStringLiteral("UPDATE predictions SET review_flag = :flag WHERE id = :id"),
                  {{QStringLiteral("flag"), int(flag)}, {QStringLiteral("id"), predictionId}});
}

Decision ReviewStore::accept(qint64 itemId, std::optional<qint64> seenDecisionId)
{
    const auto prediction = activePrediction(itemId);
    if (!prediction || prediction->departmentId == 0)
        throw CatalogError(QStringLiteral("item %1 has no prediction by the active model to accept").arg(itemId));
    return choose(itemId, prediction->departmentId, seenDecisionId); // choosing the predicted department is accepting it
}

Decision ReviewStore::choose(qint64 itemId, qint64 departmentId, std::optional<qint64> seenDecisionId)
{
    if (!m_catalog.item(itemId))
        throw CatalogError(QStringLiteral("no item %1 in %2").arg(itemId).arg(m_catalog.path()));
    if (!m_catalog.department(departmentId))
        throw CatalogError(QStringLiteral("no department with id %1").arg(departmentId));
    const auto prediction = activePrediction(itemId);
    const bool accepting = prediction && prediction->departmentId == departmentId;
    TransactionGuard transaction(m_catalog.database());
    checkNoConflict(itemId, seenDecisionId);
    const qint64 id = insertDecision(itemId, accepting ? DecisionAction::Accept : DecisionAction::Choose, prediction,
                                     departmentId, 0);
    const qint64 label = m_catalog.addLabel(itemId, departmentId, LabelSource::Curator, prediction ? prediction->modelId : 0, id);
    m_catalog.run(QStringLiteral("UPDATE review_decisions SET label_id = :label WHERE id = :id"),
                  {{QStringLiteral("label"), label}, {QStringLiteral("id"), id}});
    transaction.commit();
    return *decision(id);
}

Decision ReviewStore::skip(qint64 itemId, std::optional<qint64> seenDecisionId)
{
    const auto prediction = activePrediction(itemId);
    if (!prediction)
        throw CatalogError(QStringLiteral("item %1 has no prediction by the active model to skip").arg(itemId));
    TransactionGuard transaction(m_catalog.database());
    checkNoConflict(itemId, seenDecisionId);
    const qint64 id = insertDecision(itemId, DecisionAction::Skip, prediction, 0, 0);
    setReviewFlag(prediction->predictionId, ReviewFlag::Skipped);
    transaction.commit();
    return *decision(id);
}

Decision ReviewStore::unfile(qint64 itemId, std::optional<qint64> seenDecisionId)
{
    const auto prediction = activePrediction(itemId);
    if (!prediction)
        throw CatalogError(QStringLiteral("item %1 has no prediction by the active model to send back").arg(itemId));
    TransactionGuard transaction(m_catalog.database());
    checkNoConflict(itemId, seenDecisionId);
    const qint64 id = insertDecision(itemId, DecisionAction::Unfile, prediction, 0, 0);
    setReviewFlag(prediction->predictionId, ReviewFlag::SentBack);
    transaction.commit();
    return *decision(id);
}

Decision ReviewStore::undo(qint64 decisionId, std::optional<qint64> seenDecisionId)
{
    const auto target = decision(decisionId);
    if (!target)
        throw CatalogError(QStringLiteral("no decision %1").arg(decisionId));
    if (target->action == DecisionAction::Undo)
        throw CatalogError(QStringLiteral("decision %1 is itself an undo").arg(decisionId));
    if (target->undone)
        throw CatalogError(QStringLiteral("decision %1 was undone already").arg(decisionId));
    QSqlQuery details = m_catalog.run(QStringLiteral("SELECT prediction_id, previous_flag FROM review_decisions WHERE id = :id"),
                                      {{QStringLiteral("id"), decisionId}});
    details.next();
    const qint64 predictionId = details.value(0).toLongLong();
    const QVariant previousFlag = details.value(1);
    details.finish();
    TransactionGuard transaction(m_catalog.database());
    checkNoConflict(target->itemId, seenDecisionId);
    const qint64 id = insertDecision(target->itemId, DecisionAction::Undo,
                                     ActivePrediction{target->modelId, predictionId, 0, ReviewFlag(previousFlag.toInt())}, 0, decisionId);
    if (target->labelId > 0)
        m_catalog.retractLabel(target->labelId);
    if ((target->action == DecisionAction::Skip || target->action == DecisionAction::Unfile) && predictionId > 0)
        setReviewFlag(predictionId, ReviewFlag(previousFlag.toInt()));
    transaction.commit();
    return *decision(id);
}

Decision ReviewStore::undoLatest(qint64 itemId, std::optional<qint64> seenDecisionId)
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT d.id FROM review_decisions d WHERE d.item_id = :item AND d.action <> :undo"
                                                   " AND NOT EXISTS (SELECT 1 FROM review_decisions u WHERE u.undoes_decision_id = d.id)"
                                                   " ORDER BY d.id DESC LIMIT 1"),
                                    {{QStringLiteral("item"), itemId}, {QStringLiteral("undo"), decisionActionName(DecisionAction::Undo)}});
    if (!query.next())
        throw CatalogError(QStringLiteral("item %1 has no decision left to undo").arg(itemId));
    const qint64 id = query.value(0).toLongLong();
    query.finish();
    return undo(id, seenDecisionId);
}

std::optional<Decision> ReviewStore::decision(qint64 decisionId) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT d.id, d.item_id, d.action, d.department_id, dep.name, d.label_id, d.model_id,"
                                                   " d.undoes_decision_id, d.decided_at, d.decided_by,"
                                                   " EXISTS (SELECT 1 FROM review_decisions u WHERE u.undoes_decision_id = d.id),"
                                                   " d.decided_in"
                                                   " FROM review_decisions d LEFT JOIN departments dep ON dep.id = d.department_id"
                                                   " WHERE d.id = :id"),
                                    {{QStringLiteral("id"), decisionId}});
    if (!query.next())
        return std::nullopt;
    Decision d;
    d.id = query.value(0).toLongLong();
    d.itemId = query.value(1).toLongLong();
    d.action = decisionActionFromName(query.value(2).toString()).value_or(DecisionAction::Choose);
    d.departmentId = query.value(3).toLongLong();
    d.department = query.value(4).toString();
    d.labelId = query.value(5).toLongLong();
    d.modelId = query.value(6).toLongLong();
    d.undoesDecisionId = query.value(7).toLongLong();
    d.decidedAt = QDateTime::fromString(query.value(8).toString(), Qt::ISODateWithMs);
    d.decidedBy = query.value(9).toString();
    d.undone = query.value(10).toBool();
    d.decidedIn = query.value(11).toString();
    return d;
}

QVector<Decision> ReviewStore::decisions(qint64 itemId) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT id FROM review_decisions WHERE item_id = :item ORDER BY id"),
                                    {{QStringLiteral("item"), itemId}});
    QVector<qint64> ids;
    while (query.next())
        ids.push_back(query.value(0).toLongLong());
    query.finish();
    QVector<Decision> result;
    for (qint64 id : ids)
        result.push_back(*decision(id));
    return result;
}

ItemStatus ReviewStore::status(qint64 itemId) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT ") + QLatin1String(kStatusCase) +
                                        QStringLiteral(" FROM items i LEFT JOIN labels l ON l.id = i.current_label_id"
                                                       " LEFT JOIN models m ON m.is_active = 1"
                                                       " LEFT JOIN predictions p ON p.item_id = i.id AND p.model_id = m.id"
                                                       " WHERE i.id = :item"),
                                    {{QStringLiteral("item"), itemId}});
    if (!query.next())
        throw CatalogError(QStringLiteral("no item %1 in %2").arg(itemId).arg(m_catalog.path()));
    return itemStatusFromName(query.value(0).toString()).value_or(ItemStatus::Unlabelled);
}

QHash<ItemStatus, qint64> ReviewStore::statusCounts() const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT ") + QLatin1String(kStatusCase) +
                                    QStringLiteral(" AS status, COUNT(*) FROM items i LEFT JOIN labels l ON l.id = i.current_label_id"
                                                   " LEFT JOIN models m ON m.is_active = 1"
                                                   " LEFT JOIN predictions p ON p.item_id = i.id AND p.model_id = m.id"
                                                   " GROUP BY 1")); // by the status, not a column of that name
    QHash<ItemStatus, qint64> counts;
    while (query.next()) {
        if (const auto status = itemStatusFromName(query.value(0).toString()))
            counts.insert(*status, query.value(1).toLongLong());
    }
    return counts;
}

} // namespace accession
