#pragma once

#include "catalogtypes.h"
#include "reviewstore.h"

#include <QVector>

#include <functional>
#include <optional>

namespace accession {

class Catalog;

// Which items to show. An item's department is its label's, or the one it was filed under automatically.
struct ItemFilter
{
    qint64 departmentId = 0; // 0: any
    std::optional<ItemStatus> status;
    QString search; // part of the external id or the file name
    bool outOfScopeOnly = false; // only items the active model found unlike any department's photographs
};

enum class ItemOrder { NewestFirst, OldestFirst, LeastConfidentFirst, MostConfidentFirst };

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
    // Every matching item in the query's order, without holding them all in memory (export).
    void forEach(const std::function<void(const ItemRow &)> &visit) const;

private:
    QString whereClause() const;
    QVariantMap bindings() const;

    Catalog &m_catalog;
    ItemFilter m_filter;
    ItemOrder m_order;
};

} // namespace accession
