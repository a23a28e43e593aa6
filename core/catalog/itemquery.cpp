#include "itemquery.h"

#include "catalog.h"
#include "classificationlevel.h"
#include "reviewstore.h"

namespace accession {

namespace {

// What a caption names the work by: its title and its object number, when its source gave them (cut short here,
// since a hostile catalog may hold megabytes; malformed metadata gives none rather than failing the page).
QString captionColumns(SqlDialect dialect)
{
    if (dialect == SqlDialect::SQLite) {
        return QStringLiteral(" CASE WHEN json_valid(i.metadata) THEN substr(COALESCE(json_extract(i.metadata, '$.title'),"
                              "      json_extract(i.metadata, '$.canvas_label'), json_extract(i.metadata, '$.manifest_label')), 1, 400) END,"
                              " CASE WHEN json_valid(i.metadata) THEN substr(json_extract(i.metadata, '$.accessionNumber'), 1, 400) END,");
    }
    const auto json = [dialect](const char *key) { return Catalog::jsonTextSql(dialect, QStringLiteral("i.metadata"), QLatin1String(key)); };
    return QStringLiteral(" substr(COALESCE(%1, %2, %3), 1, 400), substr(%4, 1, 400),")
        .arg(json("title"), json("canvas_label"), json("manifest_label"), json("accessionNumber"));
}

QString selectClause(SqlDialect dialect)
{
    return QStringLiteral("SELECT i.id, i.path, i.external_id, i.width, i.height, i.imported_at,"
                          " CASE WHEN l.id IS NOT NULL THEN d.name"
                          "      WHEN p.id IS NOT NULL AND " ACCESSION_SQL_AUTO_FILED " THEN pd.name END,"
                          " l.source, pd.name, COALESCE(p.confidence, -1), " ACCESSION_SQL_ITEM_STATUS " AS status,")
        + captionColumns(dialect)
        + QStringLiteral(" p.id, m.id, m.name, p.margin, p.review_flag, p.out_of_scope, p.out_of_scope_score, pg.name"
                         " FROM items i"
                         " LEFT JOIN labels l ON l.id = i.current_label_id"
                         " LEFT JOIN departments d ON d.id = l.department_id"
                         " LEFT JOIN models m ON m.is_active = 1"
                         " LEFT JOIN predictions p ON p.item_id = i.id AND p.model_id = m.id"
                         " LEFT JOIN departments pd ON pd.id = p.predicted_department_id"
                         " LEFT JOIN department_groups pg ON pg.id = pd.group_id ");
}

// At group level an item's prediction files under its department's group (its predicted department is the most
// probable one inside the group the probabilities sum highest for).
ItemRow rowFromQuery(const Catalog &catalog, const QSqlQuery &query, bool groupLevel)
{
    ItemRow row;
    row.id = query.value(0).toLongLong();
    row.path = catalog.resolveItemPath(query.value(1).toString());
    row.externalId = query.value(2).toString();
    row.width = query.value(3).toInt();
    row.height = query.value(4).toInt();
    row.importedAt = QDateTime::fromString(query.value(5).toString(), Qt::ISODateWithMs);
    row.department = query.value(6).toString();
    if (!query.value(7).isNull())
        row.labelSource = labelSourceFromName(query.value(7).toString());
    row.predicted = query.value(8).toString();
    row.confidence = query.value(9).toDouble();
    row.status = itemStatusFromName(query.value(10).toString()).value_or(ItemStatus::Unlabelled);
    row.title = query.value(11).toString().trimmed();
    row.objectNumber = query.value(12).toString().trimmed();
    if (row.objectNumber.isEmpty())
        row.objectNumber = row.externalId.trimmed();
    if (!query.value(13).isNull()) { // classified by the active model
        row.predictionId = query.value(13).toLongLong();
        row.modelId = query.value(14).toLongLong();
        row.modelName = query.value(15).toString();
        row.margin = query.value(16).toDouble();
        row.skipped = ReviewFlag(query.value(17).toInt()) == ReviewFlag::Skipped;
        row.sentBack = ReviewFlag(query.value(17).toInt()) == ReviewFlag::SentBack;
        row.outOfScope = query.value(18).toBool();
        row.outOfScopeScore = query.value(19).isNull() ? std::nan("") : query.value(19).toDouble();
        if (groupLevel && !query.value(20).isNull()) {
            const bool filedByPrediction = query.value(7).isNull() && !row.department.isEmpty();
            row.predicted = query.value(20).toString();
            if (filedByPrediction)
                row.department = row.predicted;
        }
    }
    return row;
}

// The keys each order sorts by; page() continues after the last row's keys.
QString orderClause(ItemOrder order)
{
    switch (order) {
    case ItemOrder::NewestFirst: return QStringLiteral("i.id DESC");
    case ItemOrder::OldestFirst: return QStringLiteral("i.id");
    case ItemOrder::LeastConfidentFirst: return QStringLiteral("COALESCE(p.confidence, -1), i.id");
    case ItemOrder::MostConfidentFirst: return QStringLiteral("COALESCE(p.confidence, -1) DESC, i.id DESC");
    }
    return QStringLiteral("i.id");
}

} // namespace

ItemQuery::ItemQuery(Catalog &catalog, ItemFilter filter, ItemOrder order)
    : m_catalog(catalog)
    , m_filter(std::move(filter))
    , m_order(order)
{
}

QString ItemQuery::whereClause() const
{
    QStringList conditions;
    if (m_filter.departmentId > 0) {
        conditions << QStringLiteral("(l.department_id = :department OR (l.id IS NULL AND p.predicted_department_id = :department2"
                                     " AND " ACCESSION_SQL_AUTO_FILED "))");
    }
    if (m_filter.status)
        conditions << QStringLiteral("(" ACCESSION_SQL_ITEM_STATUS ") = :status"); // PostgreSQL's WHERE sees no output names
    if (m_filter.outOfScopeOnly)
        conditions << QStringLiteral("p.out_of_scope = 1");
    if (!m_filter.search.trimmed().isEmpty())
        // lower(): SQLite's LIKE ignores case, PostgreSQL's does not.
        conditions << QStringLiteral("(lower(i.external_id) LIKE lower(:search) ESCAPE '\\' OR lower(i.path) LIKE lower(:search2) ESCAPE '\\')");
    return conditions.isEmpty() ? QString() : conditions.join(QStringLiteral(" AND "));
}

QVariantMap ItemQuery::bindings() const
{
    QVariantMap values;
    if (m_filter.departmentId > 0) {
        values.insert(QStringLiteral("department"), m_filter.departmentId);
        values.insert(QStringLiteral("department2"), m_filter.departmentId);
    }
    if (m_filter.status)
        values.insert(QStringLiteral("status"), itemStatusName(*m_filter.status));
    if (!m_filter.search.trimmed().isEmpty()) {
        QString term = m_filter.search.trimmed();
        term.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('%'), QStringLiteral("\\%")).replace(QLatin1Char('_'), QStringLiteral("\\_"));
        const QString pattern = QLatin1Char('%') + term + QLatin1Char('%');
        values.insert(QStringLiteral("search"), pattern);
        values.insert(QStringLiteral("search2"), pattern);
    }
    return values;
}

qint64 ItemQuery::count() const
{
    const QString where = whereClause();
    if (where.isEmpty())
        return m_catalog.itemCount();
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT COUNT(*) FROM (") + selectClause(m_catalog.dialect()) + QStringLiteral(" WHERE ")
                                        + where + QStringLiteral(") AS matching"),
                                    bindings());
    return query.next() ? query.value(0).toLongLong() : 0;
}

std::optional<ItemRow> ItemQuery::row(Catalog &catalog, qint64 itemId)
{
    QSqlQuery query = catalog.run(selectClause(catalog.dialect()) + QStringLiteral("WHERE i.id = :id"), {{QStringLiteral("id"), itemId}});
    if (!query.next())
        return std::nullopt;
    return rowFromQuery(catalog, query, classificationLevel(catalog) == ClassificationLevel::Group);
}

void ItemQuery::forEach(const std::function<void(const ItemRow &)> &visit) const
{
    const QString where = whereClause();
    const bool groupLevel = classificationLevel(m_catalog) == ClassificationLevel::Group;
    QSqlQuery query = m_catalog.run(selectClause(m_catalog.dialect()) + (where.isEmpty() ? QString() : QStringLiteral("WHERE ") + where)
                                        + QStringLiteral(" ORDER BY ") + orderClause(m_order),
                                    bindings());
    while (query.next())
        visit(rowFromQuery(m_catalog, query, groupLevel));
}

QVector<ItemRow> ItemQuery::page(const ItemRow *after, int limit) const
{
    QStringList conditions;
    const QString where = whereClause();
    if (!where.isEmpty())
        conditions << where;
    QVariantMap values = bindings();
    switch (m_order) {
    case ItemOrder::NewestFirst:
        if (after)
            conditions << QStringLiteral("i.id < :after_id");
        break;
    case ItemOrder::OldestFirst:
        if (after)
            conditions << QStringLiteral("i.id > :after_id");
        break;
    case ItemOrder::LeastConfidentFirst:
        if (after)
            conditions << QStringLiteral("(COALESCE(p.confidence, -1), i.id) > (:after_confidence, :after_id)");
        break;
    case ItemOrder::MostConfidentFirst:
        if (after)
            conditions << QStringLiteral("(COALESCE(p.confidence, -1), i.id) < (:after_confidence, :after_id)");
        break;
    }
    if (after) {
        values.insert(QStringLiteral("after_id"), after->id);
        if (m_order == ItemOrder::LeastConfidentFirst || m_order == ItemOrder::MostConfidentFirst)
            values.insert(QStringLiteral("after_confidence"), after->confidence);
    }
    values.insert(QStringLiteral("limit"), limit);
    const bool groupLevel = classificationLevel(m_catalog) == ClassificationLevel::Group;
    QSqlQuery query = m_catalog.run(selectClause(m_catalog.dialect()) + (conditions.isEmpty() ? QString() : QStringLiteral("WHERE ") + conditions.join(QStringLiteral(" AND ")))
                                        + QStringLiteral(" ORDER BY ") + orderClause(m_order) + QStringLiteral(" LIMIT :limit"),
                                    values);
    QVector<ItemRow> rows;
    while (query.next())
        rows.push_back(rowFromQuery(m_catalog, query, groupLevel));
    return rows;
}

} // namespace accession
