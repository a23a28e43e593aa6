#include "modelregistry.h"

#include "catalog.h"
#include "transactionguard.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

namespace accession {

namespace {

const char *const kModelColumns = "SELECT id, name, architecture, weights_path, weights_hash, card, classes, temperature,"
                                  " threshold, registered_at, is_active FROM models ";

RegisteredModel modelFromQuery(const QSqlQuery &query)
{
    RegisteredModel model;
    model.id = query.value(0).toLongLong();
    model.name = query.value(1).toString();
    model.architecture = query.value(2).toString();
    model.weightsPath = query.value(3).toString();
    model.weightsHash = query.value(4).toString();
    model.card = QJsonDocument::fromJson(query.value(5).toString().toUtf8()).object();
    for (const QJsonValue &name : QJsonDocument::fromJson(query.value(6).toString().toUtf8()).array())
        model.classes << name.toString();
    model.temperature = query.value(7).toDouble();
    model.threshold = query.value(8).toDouble();
    model.registeredAt = QDateTime::fromString(query.value(9).toString(), Qt::ISODateWithMs);
    model.active = query.value(10).toBool();
    return model;
}

} // namespace

QString RegisteredModel::problem() const
{
    // Written so that NaN fails every comparison and is reported.
    if (!(threshold >= 0.0 && threshold <= 1.0))
        return QStringLiteral("its threshold %1 is not a probability between 0 and 1").arg(threshold);
    if (!(temperature >= kMinimumTemperature && temperature <= kMaximumTemperature))
        return QStringLiteral("its temperature %1 is not in [%2, %3]").arg(temperature).arg(kMinimumTemperature).arg(kMaximumTemperature);
    if (classes.isEmpty())
        return QStringLiteral("it lists no classes");
    if (weightsPath.isEmpty())
        return QStringLiteral("it names no weights file");
    return QString();
}

ModelRegistry::ModelRegistry(Catalog &catalog)
    : m_catalog(catalog)
{
}

qint64 ModelRegistry::registerModel(const QString &weightsPath, const QString &weightsHash, const QJsonObject &card)
{
    const QString path = QFileInfo(weightsPath).absoluteFilePath();
    RegisteredModel candidate;
    candidate.weightsPath = path;
    candidate.temperature = card.value(QStringLiteral("temperature")).toDouble(1.0);
    candidate.threshold = card.value(QStringLiteral("threshold")).toDouble(1.0);
    for (const QJsonValue &name : card.value(QStringLiteral("classes")).toArray())
        candidate.classes << name.toString();
    if (const QString problem = candidate.problem(); !problem.isEmpty())
        throw CatalogError(QStringLiteral("%1: cannot register the model: %2").arg(path, problem));
    if (const auto existing = modelIdByHash(weightsHash)) {
        m_catalog.run(QStringLiteral("UPDATE models SET weights_path = :path WHERE id = :id"),
                      {{QStringLiteral("path"), path}, {QStringLiteral("id"), *existing}});
        return *existing;
    }
    TransactionGuard transaction(m_catalog.database());
    QSqlQuery active = m_catalog.run(QStringLiteral("SELECT COUNT(*) FROM models WHERE is_active = 1"));
    const bool first = active.next() && active.value(0).toLongLong() == 0;
    active.finish();
    const qint64 id = m_catalog.insert(
        QStringLiteral("INSERT INTO models (name, architecture, weights_path, weights_hash, card, classes, temperature,"
                       " threshold, registered_at, is_active)"
                       " VALUES (:name, :architecture, :path, :hash, :card, :classes, :temperature, :threshold, :now, :active)"),
        {{QStringLiteral("name"), QFileInfo(path).completeBaseName()},
         {QStringLiteral("architecture"), card.value(QStringLiteral("architecture")).toString()},
         {QStringLiteral("path"), path},
         {QStringLiteral("hash"), weightsHash},
         {QStringLiteral("card"), QString::fromUtf8(QJsonDocument(card).toJson(QJsonDocument::Compact))},
         {QStringLiteral("classes"), QString::fromUtf8(QJsonDocument(card.value(QStringLiteral("classes")).toArray()).toJson(QJsonDocument::Compact))},
         {QStringLiteral("temperature"), candidate.temperature},
         {QStringLiteral("threshold"), candidate.threshold},
         {QStringLiteral("now"), Catalog::nowText()},
         {QStringLiteral("active"), first ? 1 : 0}});
    transaction.commit();
    return id;
}

QVector<RegisteredModel> ModelRegistry::models() const
{
    QSqlQuery query = m_catalog.run(QLatin1String(kModelColumns) + QStringLiteral("ORDER BY id"));
    QVector<RegisteredModel> result;
    while (query.next())
        result.push_back(modelFromQuery(query));
    return result;
}

std::optional<RegisteredModel> ModelRegistry::model(qint64 id) const
{
    QSqlQuery query = m_catalog.run(QLatin1String(kModelColumns) + QStringLiteral("WHERE id = :id"), {{QStringLiteral("id"), id}});
    if (query.next())
        return modelFromQuery(query);
    return std::nullopt;
}

std::optional<RegisteredModel> ModelRegistry::activeModel() const
{
    QSqlQuery query = m_catalog.run(QLatin1String(kModelColumns) + QStringLiteral("WHERE is_active = 1"));
    if (query.next())
        return modelFromQuery(query);
    return std::nullopt;
}

std::optional<qint64> ModelRegistry::modelIdByHash(const QString &weightsHash) const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT id FROM models WHERE weights_hash = :hash"),
                                    {{QStringLiteral("hash"), weightsHash}});
    if (query.next())
        return query.value(0).toLongLong();
    return std::nullopt;
}

void ModelRegistry::activate(qint64 id)
{
    const auto candidate = model(id);
    if (!candidate)
        throw CatalogError(QStringLiteral("no model with id %1 in %2").arg(id).arg(m_catalog.path()));
    if (const QString problem = candidate->problem(); !problem.isEmpty())
        throw CatalogError(QStringLiteral("model %1 in %2 cannot be activated: %3").arg(id).arg(m_catalog.path(), problem));
    TransactionGuard transaction(m_catalog.database());
    m_catalog.run(QStringLiteral("UPDATE models SET is_active = 0 WHERE is_active = 1"));
    m_catalog.run(QStringLiteral("UPDATE models SET is_active = 1 WHERE id = :id"), {{QStringLiteral("id"), id}});
    transaction.commit();
}

void ModelRegistry::setThreshold(qint64 id, double threshold)
{
    if (!(threshold >= 0.0 && threshold <= 1.0)) // NaN too
        throw CatalogError(QStringLiteral("a threshold is a probability between 0 and 1, not %1").arg(threshold));
    if (!model(id))
        throw CatalogError(QStringLiteral("no model with id %1 in %2").arg(id).arg(m_catalog.path()));
    m_catalog.run(QStringLiteral("UPDATE models SET threshold = :threshold WHERE id = :id"),
                  {{QStringLiteral("threshold"), threshold}, {QStringLiteral("id"), id}});
}

} // namespace accession
