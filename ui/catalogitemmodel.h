#pragma once

#include "catalog/itemquery.h"

#include <QAbstractTableModel>
#include <QCache>
#include <QPixmap>

#include <deque>
#include <memory>
#include <vector>

class QTimer;

namespace accession {

class CatalogWorker;
class ThumbnailLoader;

// The catalog's items, filtered and ordered, fetched a page at a time by key so that half a million
// items open at once and scroll evenly. Every read runs on the catalog thread and arrives by queued call: the
// model never waits on SQLite. Thumbnails arrive from a loader thread.
class CatalogItemModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { FileColumn, ExternalIdColumn, DepartmentColumn, StatusColumn, PredictedColumn, ConfidenceColumn,
                  SizeColumn, ImportedColumn, ColumnCount };
    enum Role {
        ItemIdRole = Qt::UserRole + 1, PathRole, StatusRole, ConfidenceRole,
        ThumbnailRole,       // QPixmap; null until the loader thread has it (asking for it requests it)
        PixelSizeRole,       // QSize of the original image, for a placeholder of the right shape
        CaptionRole,         // QStringList: title and object number when known, else the file name
        BadgeStatusRole,     // a status in one or two words: "To review", "Filed", "Reviewed", ...
        StatusColorRole,     // QColor behind that word
        BadgeDepartmentRole, // the department's short name ("EP"; "EP?" for a prediction under review); may be empty
        DepartmentColorRole  // QColor of that department, the same in every cell
    };

    static constexpr int kPageSize = 500;

    explicit CatalogItemModel(QObject *parent = nullptr);
    ~CatalogItemModel() override;

    // The model reads through this catalog thread (which must outlive it); nullptr empties the model.
    void setCatalog(CatalogWorker *worker);
    bool hasCatalog() const { return m_worker != nullptr; }
    void setFilter(const ItemFilter &filter);
    void setOrder(ItemOrder order);
    ItemFilter filter() const { return m_filter; }
    ItemOrder order() const { return m_order; }
    // The edge the views draw thumbnails at: past the stored thumbnails' edge, they are decoded again from the
    // originals, once, at the largest edge (so that a slider's drag does not decode them at every step).
    void setThumbnailSide(int pixels);
    // Re-reads from the start (after an import, a new model, a merge): firstPageLoaded, then totalCountChanged.
    void reload();
    // Reads one item's row again (after a decision on it), if it is loaded.
    void refreshItem(qint64 itemId);
    // The number of items the filter matches; 0 until the count of the latest reload has arrived.
    qint64 totalCount() const { return m_total; }
    // Whether a reload, its count or a page is being read.
    bool isLoading() const { return m_fetching || m_counting; }
    // The departments as the latest first page found them, in their order.
    const QVector<Department> &departments() const { return m_departments; }
    qint64 itemIdAt(int row) const;
    int rowOfItem(qint64 itemId) const; // -1 if not loaded
    const ItemRow *rowData(int row) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    static QString statusLabel(ItemStatus status);
    // The status as a grid badge says it: to review, filed, reviewed, labelled, unlabelled.
    static QString badgeLabel(ItemStatus status);
    static QColor statusColor(ItemStatus status);

Q_SIGNALS:
    void firstPageLoaded();
    void totalCountChanged(qint64 total);
    void readFailed(const QString &message);

private:
    void appendRows(const QVector<ItemRow> &rows);
    // Empties the rows and their index; a large set is freed on a pool thread.
    void discardRowsOffTheGuiThread();
    void thumbnailArrived(qint64 itemId, const QImage &image, int side);
    void setDepartments(const QVector<Department> &departments);
    QStringList caption(const ItemRow &item) const;

    CatalogWorker *m_worker = nullptr;
    quint64 m_generation = 0; // of the latest reload; older reads are dropped
    ItemFilter m_filter;
    ItemOrder m_order = ItemOrder::NewestFirst;
    // A deque: appending a page never moves the rows already loaded (a vector's growth copied 100,000 of them on the
    // GUI thread, 60-170 ms, as scrolling reached the end of a large catalog).
    std::deque<ItemRow> m_rows;
    QHash<qint64, int> m_rowOfItem;
    qint64 m_total = 0;
    bool m_exhausted = true;
    bool m_fetching = false; // a reload or a page is in flight
    bool m_counting = false; // the latest reload's count is in flight
    ThumbnailLoader *m_thumbnails = nullptr;
    struct Thumbnail
    {
        QPixmap pixmap;
        int side = 0; // the edge it was asked at; another until the sharper one arrives
    };
    // The item's thumbnail in hand, or null; asks the loader for one at the current size when it is missing or stale.
    const Thumbnail *cachedThumbnail(qint64 itemId) const;
    mutable QCache<qint64, Thumbnail> m_pixmaps{256 * 1024}; // cost: kilobytes of pixels
    // Empties the cache at once, and frees the pixmaps a slice per event-loop turn: freeing all of them together (up to
    // the cache's 256 MB) held the GUI thread 8-26 ms, the most of any part, when another catalog was opened.
    void retireThumbnails();
    void freeRetiredThumbnails();
    std::vector<std::unique_ptr<Thumbnail>> m_retiredThumbnails;
    QTimer *m_retiredThumbnailsFreer = nullptr;
    int m_thumbnailSide = 0;
    QPixmap m_placeholder;
    QVector<Department> m_departments;
    QHash<QString, QString> m_shortDepartment; // department name -> short label, as the confusion matrix has it
    QHash<QString, QColor> m_departmentColor;
};

} // namespace accession
