#pragma once

#include "catalogtypes.h"
#include "reviewstore.h"

#include <QVector>

#include <optional>

namespace accession {

class Catalog;

// Which items to show. An item's department is its label's, or the one it was filed under automatically.
struct ItemFilter
{
    qint64 departmentId = 0; // 0: any
    std::optional<ItemStatus> status;
    QString search; // part of the external id or the file name
};

enum class ItemOrder { NewestFirst, OldestFirst, LeastConfidentFirst, MostConfidentFirst };

// One item as the catalog views list it, judged against the active model.
struct ItemRow
{
    qint64 id = 0;
    QString path;
    QString externalId;
    int width = 0;
    int height = 0;
    QDateTime importedAt;
    QString department; // labelled or automatically filed
    std::optional<LabelSource> labelSource;
    QString predicted;
    double confidence = -1; // -1: not classified by the active model
    ItemStatus status = ItemStatus::Unlabelled;
    QString title;        // the source's title (The Met's title, a IIIF label, a CSV's title column); may be empty
    QString objectNumber; // the source's accession number, else the external id; may be empty
};

// Filtered, ordered pages of items fetched by key, not offset: every page costs the same at any depth.
class ItemQuery
{
public:
    ItemQuery(Catalog &catalog, ItemFilter filter, ItemOrder order);

    qint64 count() const;
    // One item as the views list it, whatever the filter (to refresh a row after a decision).
    static std::optional<ItemRow> row(Catalog &catalog, qint64 itemId);
    // The next page after the last row of the previous one (nullptr: the first page).
    QVector<ItemRow> page(const ItemRow *after, int limit) const;

private:
    QString whereClause() const;
    QVariantMap bindings() const;

    Catalog &m_catalog;
    ItemFilter m_filter;
    ItemOrder m_order;
};

} // namespace accession
