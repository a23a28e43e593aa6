#include "handmadecatalog.h"

#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "throwawaypostgres.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <stdexcept>

namespace accession::test {

namespace {

QString hashOf(const QString &text)
{
    return QString::fromLatin1(QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256).toHex());
}

} // namespace

HandmadeCatalog makeHandmadeCatalog(const QString &dir, const QStringList &departments)
{
    QDir().mkpath(dir);
    HandmadeCatalog made;
    made.path = newCatalogLocation(dir, QStringLiteral("handmade.db")); // or a database of the throwaway PostgreSQL
    Catalog catalog(made.path, Catalog::OpenMode::CreateIfMissing);
    for (const QString &name : departments)
        made.departmentIds.push_back(catalog.addDepartment(name));
    return made;
}

qint64 addHandmadeItem(Catalog &catalog, const QString &path, const QString &externalId, const QJsonObject &metadata)
{
    NewItem item;
    item.contentHash = hashOf(path);
    item.path = path;
    item.externalId = externalId;
    item.width = 64;
    item.height = 48;
    item.format = QStringLiteral("jpeg");
    item.fileSize = 1000;
    item.metadata = metadata;
    return catalog.insertItem(item);
}

QJsonObject handmadeModelCard(const QStringList &classes, double threshold, double temperature)
{
    return QJsonObject{{QStringLiteral("architecture"), QStringLiteral("baseline")},
                       {QStringLiteral("classes"), QJsonArray::fromStringList(classes)},
                       {QStringLiteral("threshold"), threshold},
                       {QStringLiteral("temperature"), temperature}};
}

qint64 registerHandmadeModel(Catalog &catalog, const QString &name, const QStringList &classes, double threshold)
{
    return ModelRegistry(catalog).registerModel(QDir(QFileInfo(catalog.path()).absolutePath()).filePath(name + QStringLiteral(".safetensors")),
                                                hashOf(name), handmadeModelCard(classes, threshold));
}

qint64 addHandmadePrediction(Catalog &catalog, qint64 modelId, qint64 itemId, const std::vector<float> &probabilities)
{
    const auto model = ModelRegistry(catalog).model(modelId);
    if (!model)
        throw std::logic_error("no such model");
    QVector<qint64> classDepartments;
    for (const QString &name : model->classes)
        classDepartments.push_back(catalog.departmentIdByName(name).value_or(0));
    return ReviewStore(catalog).addPrediction(modelId, {itemId, probabilities}, classDepartments, model->threshold);
}

QString catalogRefusal(const std::function<void()> &action)
{
    try {
        action();
    } catch (const CatalogError &error) {
        return QString::fromUtf8(error.what());
    }
    return QString();
}

bool rollBackToSchema3(const QString &path)
{
    const QString connection = QStringLiteral("roll-back-") + hashOf(path);
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        ok = db.open();
        QSqlQuery query(db);
        for (const char *statement :
             {"DROP INDEX predictions_model_confidence", "DROP TABLE collection_objects", "DROP TABLE collection_cache",
              "ALTER TABLE import_runs DROP COLUMN pid", "ALTER TABLE import_runs DROP COLUMN host",
              "ALTER TABLE import_runs DROP COLUMN process_identity", "ALTER TABLE import_runs DROP COLUMN warnings",
              "DROP TABLE department_merge_moves", "DROP TABLE department_merges", "DROP TABLE pretrained_weights",
              "DROP TABLE perceptual_hashes", "DROP TABLE near_duplicate_pairs", "DROP TABLE near_duplicate_members",
              "DROP TABLE near_duplicate_groups",
              "ALTER TABLE predictions DROP COLUMN out_of_scope_score", "ALTER TABLE predictions DROP COLUMN out_of_scope",
              "ALTER TABLE review_decisions DROP COLUMN decided_by", "ALTER TABLE review_decisions DROP COLUMN decided_in",
              "ALTER TABLE predictions DROP COLUMN filing_threshold", "ALTER TABLE department_groups DROP COLUMN threshold",
              "UPDATE settings SET value = '3' WHERE key = 'schema_version'"}) {
            if (ok && !query.exec(QString::fromLatin1(statement))) {
                qWarning("%s: %s", statement, qPrintable(query.lastError().text()));
                ok = false;
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return ok;
}

} // namespace accession::test
