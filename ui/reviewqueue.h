#pragma once

#include "catalog/reviewstore.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QVector>

#include <deque>
#include <optional>
#include <vector>

namespace accession {

class CatalogSession;

// The review queue as the review view walks it. A page of the most uncertain items is read ahead on the catalog
// thread, so that a decision shows the next item at once, without a query; decisions still being written are kept
// out of the pages that arrive meanwhile, and an undone decision puts its item back in front at once.
//
// The queue follows the session's undo stack: a decision pushed for the current item (from the review view's keys
// or the item panel) moves on, an undo brings the item back, a redo takes it away again. The count of items left
// follows the written decisions' changes of status.
class ReviewQueue : public QObject
{
    Q_OBJECT
public:
    struct Item
    {
        ItemRow entry;
        std::vector<float> probabilities; // in the order of classes
        QStringList classes;              // the model's department names
    };

    static constexpr int kPageSize = 50;
    static constexpr int kReadAheadBelow = 20; // read the next page when fewer items wait than this

    explicit ReviewQueue(CatalogSession *session, QObject *parent = nullptr);

    // Reads the active model, the departments, the count and the first page again.
    void reload();
    bool isLoading() const { return m_loading; }
    bool hasCatalog() const;
    bool hasActiveModel() const { return m_modelId != 0; }
    const Item *current() const { return m_current ? &*m_current : nullptr; }
    qint64 remaining() const { return m_remaining; }
    int readAhead() const { return int(m_ahead.size()); }
    const QVector<Department> &departments() const { return m_departments; }
    // A department's id by its name or a former name (as the catalog knows it at the last reload).
    std::optional<qint64> departmentId(const QString &name) const;

Q_SIGNALS:
    void loaded();         // a reload's first page is in
    void currentChanged(); // another item (or none) is current
    void remainingChanged(qint64 remaining);

private:
    void fetchMore();
    void advance();
    void undoStackMoved(int index);
    void itemStatusChanged(qint64 itemId, ItemStatus before, ItemStatus after);
    bool isQueued(qint64 itemId);
    std::deque<Item>::iterator findAhead(qint64 itemId);
    void removeAhead(qint64 itemId);

    CatalogSession *m_session;
    quint64 m_generation = 0;
    bool m_loading = false;
    bool m_fetching = false;
    bool m_exhausted = true;
    qint64 m_modelId = 0;
    double m_threshold = 0;
    qint64 m_remaining = 0;
    QVector<Department> m_departments;
    QHash<QString, qint64> m_departmentIds; // names and former names
    std::optional<Item> m_current;
    std::deque<Item> m_ahead;
    QSet<qint64> m_beingWritten;      // decided here, not yet written: left out of the pages that arrive meanwhile
    std::deque<Item> m_recentlyDecided; // newest first, for undo to bring back at once
    int m_undoIndex = 0;
};

} // namespace accession
