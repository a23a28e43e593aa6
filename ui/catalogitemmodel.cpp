#include "catalogitemmodel.h"

#include "appearance.h"
#include "dashboardmodels.h"
#include "displaytext.h"
#include "thumbnailloader.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"
#include "imaging/imagedecoder.h"

#include <QColor>
#include <QtConcurrent/QtConcurrentRun>
#include <QIcon>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLocale>
#include <QPainter>
#include <QTimer>

#include <algorithm>

namespace accession {

CatalogItemModel::CatalogItemModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_thumbnails(new ThumbnailLoader(this))
    , m_retiredThumbnailsFreer(new QTimer(this))
    , m_thumbnailSide(kThumbnailSide)
{
    m_retiredThumbnailsFreer->setInterval(0); // a slice per event-loop turn, between the window's other events
    connect(m_retiredThumbnailsFreer, &QTimer::timeout, this, &CatalogItemModel::freeRetiredThumbnails);
    m_placeholder = QPixmap(96, 96);
    m_placeholder.fill(QColor(0xe8, 0xe4, 0xdc));
    connect(m_thumbnails, &ThumbnailLoader::thumbnailReady, this, &CatalogItemModel::thumbnailArrived);
}

CatalogItemModel::~CatalogItemModel() = default;

void CatalogItemModel::setCatalog(CatalogWorker *worker)
{
    m_worker = worker;
    m_thumbnails->setCatalogPath(worker ? worker->path() : QString());
    retireThumbnails(); // item ids repeat across catalogs: none of these may stand for the new catalog's items
    reload();
}

void CatalogItemModel::setThumbnailSide(int pixels)
{
    constexpr int kLargestSide = 320; // the largest the grid draws them (Preferences::kMaxThumbnailSize)
    const int side = pixels <= kThumbnailSide ? kThumbnailSide : kLargestSide;
    if (side == m_thumbnailSide)
        return;
    m_thumbnailSide = side;
    m_thumbnails->setSide(side);
    // The thumbnails in hand stay on screen until their sharper (or smaller) replacements arrive.
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, FileColumn), index(int(m_rows.size()) - 1, FileColumn), {Qt::DecorationRole, ThumbnailRole});
}

void CatalogItemModel::setFilter(const ItemFilter &filter)
{
    m_filter = filter;
    reload();
}

void CatalogItemModel::setOrder(ItemOrder order)
{
    m_order = order;
    reload();
}

void CatalogItemModel::reload()
{
    // The rows in hand stay until the new first page arrives, so that the view never flashes empty; no page is
    // fetched for them meanwhile.
    const quint64 generation = ++m_generation;
    m_fetching = m_worker != nullptr;
    m_counting = m_worker != nullptr;
    m_thumbnails->clearRequests();
    if (!m_worker) {
        beginResetModel();
        discardRowsOffTheGuiThread();
        m_total = 0;
        m_exhausted = true;
        setDepartments({});
        endResetModel();
        Q_EMIT totalCountChanged(0);
        return;
    }
    struct FirstPage
    {
        QVector<ItemRow> rows;
        QVector<Department> departments;
    };
    m_worker->read(
        this,
        [filter = m_filter, order = m_order](Catalog &catalog) {
            return FirstPage{ItemQuery(catalog, filter, order).page(nullptr, kPageSize), catalog.departments()};
        },
        [this, generation](const FirstPage &first) {
            if (generation != m_generation)
                return; // a newer filter or order was chosen meanwhile
            beginResetModel();
            discardRowsOffTheGuiThread();
            setDepartments(first.departments);
            appendRows(first.rows);
            m_exhausted = first.rows.size() < kPageSize;
            m_fetching = false;
            endResetModel();
            Q_EMIT firstPageLoaded();
        },
        [this, generation](const QString &message) {
            if (generation == m_generation)
                m_fetching = false;
            Q_EMIT readFailed(message);
        });
    // The count, after the page: on a large catalog it can take longer than the page.
    m_worker->read(
        this, [filter = m_filter, order = m_order](Catalog &catalog) { return ItemQuery(catalog, filter, order).count(); },
        [this, generation](qint64 total) {
            if (generation != m_generation)
                return;
            m_total = total;
            m_counting = false;
            Q_EMIT totalCountChanged(total);
        },
        [this, generation](const QString &message) {
            if (generation == m_generation)
                m_counting = false;
            Q_EMIT readFailed(message);
        });
}

void CatalogItemModel::refreshItem(qint64 itemId)
{
    if (!m_worker || rowOfItem(itemId) < 0)
        return;
    const quint64 generation = m_generation;
    m_worker->read(
        this, [itemId](Catalog &catalog) { return ItemQuery::row(catalog, itemId); },
        [this, generation, itemId](const std::optional<ItemRow> &fresh) {
            const int row = rowOfItem(itemId);
            if (generation != m_generation || row < 0 || !fresh)
                return;
            // It stays where it is, even when it no longer matches the filter, until the next reload: a row that
            // jumps away under the curator's pointer is worse than a stale filter.
            m_rows[size_t(row)] = *fresh;
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        },
        [this](const QString &message) { Q_EMIT readFailed(message); });
}

void CatalogItemModel::discardRowsOffTheGuiThread()
{
    // After scrolling far, a model holds hundreds of thousands of rows, and freeing them (their strings, dates and
    // the id index) took the GUI thread 120-290 ms at 100,000 rows: a pool thread frees them instead.
    std::deque<ItemRow> rows;
    QHash<qint64, int> rowOfItem;
    rows.swap(m_rows);
    rowOfItem.swap(m_rowOfItem);
    if (rows.size() < size_t(kPageSize) * 4)
        return; // a few pages: freed here, at once
    (void)QtConcurrent::run([rows = std::move(rows), rowOfItem = std::move(rowOfItem)]() mutable {
        rows = std::deque<ItemRow>();
        rowOfItem = QHash<qint64, int>();
    });
}

void CatalogItemModel::retireThumbnails()
{
    const QList<qint64> itemIds = m_pixmaps.keys();
    m_retiredThumbnails.reserve(m_retiredThumbnails.size() + size_t(itemIds.size()));
    for (qint64 itemId : itemIds)
        m_retiredThumbnails.emplace_back(m_pixmaps.take(itemId));
    if (!m_retiredThumbnails.empty())
        m_retiredThumbnailsFreer->start();
}

void CatalogItemModel::freeRetiredThumbnails()
{
    constexpr size_t kPerTurn = 256; // about a millisecond
    m_retiredThumbnails.resize(m_retiredThumbnails.size() - std::min(kPerTurn, m_retiredThumbnails.size()));
    if (m_retiredThumbnails.empty()) {
        m_retiredThumbnailsFreer->stop();
        m_retiredThumbnails.shrink_to_fit();
    }
}

void CatalogItemModel::appendRows(const QVector<ItemRow> &rows)
{
    for (const ItemRow &row : rows) {
        m_rowOfItem.insert(row.id, int(m_rows.size()));
        m_rows.push_back(row);
    }
}

qint64 CatalogItemModel::itemIdAt(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? m_rows[size_t(row)].id : 0;
}

int CatalogItemModel::rowOfItem(qint64 itemId) const
{
    return m_rowOfItem.value(itemId, -1);
}

const ItemRow *CatalogItemModel::rowData(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? &m_rows[size_t(row)] : nullptr;
}

int CatalogItemModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int CatalogItemModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool CatalogItemModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_worker && !m_fetching && !m_exhausted;
}

void CatalogItemModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    // One page in flight at a time; the view asks again when the rows have arrived and it still has room.
    m_fetching = true;
    const quint64 generation = m_generation;
    std::optional<ItemRow> last;
    if (!m_rows.empty())
        last = m_rows.back();
    m_worker->read(
        this,
        [filter = m_filter, order = m_order, last](Catalog &catalog) {
            return ItemQuery(catalog, filter, order).page(last ? &*last : nullptr, kPageSize);
        },
        [this, generation](const QVector<ItemRow> &page) {
            if (generation != m_generation)
                return;
            m_fetching = false;
            if (page.size() < kPageSize)
                m_exhausted = true;
            if (page.isEmpty())
                return;
            beginInsertRows(QModelIndex(), int(m_rows.size()), int(m_rows.size() + page.size() - 1));
            appendRows(page);
            endInsertRows();
        },
        [this, generation](const QString &message) {
            if (generation == m_generation)
                m_fetching = false;
            Q_EMIT readFailed(message);
        });
}

QString CatalogItemModel::statusLabel(ItemStatus status)
{
    switch (status) {
    case ItemStatus::Unlabelled: return tr("Unlabelled");
    case ItemStatus::Labelled: return tr("Labelled");
    case ItemStatus::AutoFiled: return tr("Auto-filed");
    case ItemStatus::NeedsReview: return tr("Needs review");
    case ItemStatus::Confirmed: return tr("Confirmed");
    }
    return QString();
}

QString CatalogItemModel::badgeLabel(ItemStatus status)
{
    switch (status) {
    case ItemStatus::Unlabelled: return tr("Unlabelled");
    case ItemStatus::Labelled: return tr("Labelled");
    case ItemStatus::AutoFiled: return tr("Filed");
    case ItemStatus::NeedsReview: return tr("To review");
    case ItemStatus::Confirmed: return tr("Reviewed");
    }
    return QString();
}

QColor CatalogItemModel::statusColor(ItemStatus status)
{
    // Dark enough for white text, on a light or a dark palette.
    switch (status) {
    case ItemStatus::NeedsReview: return QColor(0xb3, 0x5c, 0x00);
    case ItemStatus::AutoFiled: return QColor(0x1f, 0x5f, 0x99);
    case ItemStatus::Confirmed: return QColor(0x2e, 0x7d, 0x32);
    case ItemStatus::Labelled: return QColor(0x55, 0x6b, 0x2f);
    case ItemStatus::Unlabelled: return QColor(0x6e, 0x6e, 0x6e);
    }
    return QColor(0x6e, 0x6e, 0x6e);
}

void CatalogItemModel::setDepartments(const QVector<Department> &departments)
{
    m_departments = departments;
    m_shortDepartment.clear();
    m_departmentColor.clear();
    QStringList names;
    for (const Department &department : departments)
        names << department.name;
    const QStringList labels = shortDepartmentLabels(names);
    for (int index = 0; index < names.size(); ++index) {
        m_shortDepartment.insert(names[index], labels[index]);
        // Hues a golden angle apart, so neighbours in the department order never look alike.
        m_departmentColor.insert(names[index], QColor::fromHsv((index * 137 + 200) % 360, 150, 150));
    }
}

QStringList CatalogItemModel::caption(const ItemRow &item) const
{
    QStringList lines;
    if (!item.title.isEmpty())
        lines << elided(item.title);
    if (!item.objectNumber.isEmpty())
        lines << elided(item.objectNumber);
    if (lines.isEmpty())
        lines << elided(QFileInfo(item.path).fileName());
    return lines;
}

const CatalogItemModel::Thumbnail *CatalogItemModel::cachedThumbnail(qint64 itemId) const
{
    const Thumbnail *cached = m_pixmaps.object(itemId);
    if (!cached || cached->side != m_thumbnailSide)
        m_thumbnails->request(itemId); // missing, or decoded for another size: a fresh one is on its way
    return cached;
}

QVariant CatalogItemModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || size_t(index.row()) >= m_rows.size())
        return {};
    const ItemRow &item = m_rows[size_t(index.row())];
    switch (role) {
    case ItemIdRole: return item.id;
    case PathRole: return item.path;
    case StatusRole: return int(item.status);
    case ConfidenceRole: return item.confidence;
    case PixelSizeRole: return QSize(item.width, item.height);
    case CaptionRole: return caption(item);
    case BadgeStatusRole: return badgeLabel(item.status);
    case StatusColorRole: return statusColor(item.status);
    case BadgeDepartmentRole: {
        if (!item.department.isEmpty())
            return m_shortDepartment.value(item.department, elided(item.department, 6));
        if (item.status == ItemStatus::NeedsReview && !item.predicted.isEmpty())
            return QString(m_shortDepartment.value(item.predicted, elided(item.predicted, 6)) + QLatin1Char('?'));
        return QString();
    }
    case DepartmentColorRole: {
        const QString name = item.department.isEmpty() ? item.predicted : item.department;
        return m_departmentColor.value(name, QColor(0x6e, 0x6e, 0x6e));
    }
    case ThumbnailRole: {
        const Thumbnail *cached = cachedThumbnail(item.id);
        return cached ? cached->pixmap : QPixmap();
    }
    case Qt::ToolTipRole: {
        // The caption and the department in full (the cell elides them), then where the file is.
        QStringList lines;
        if (!item.title.isEmpty())
            lines << item.title;
        if (!item.objectNumber.isEmpty())
            lines << tr("Object number: %1").arg(item.objectNumber);
        lines << QFileInfo(item.path).fileName();
        QString status = statusLabel(item.status);
        if (!item.department.isEmpty())
            status += QStringLiteral(" · ") + elided(item.department, kShownMessageChars);
        else if (item.status == ItemStatus::NeedsReview && !item.predicted.isEmpty())
            status += QStringLiteral(" · ") + tr("suggested: %1").arg(elided(item.predicted, kShownMessageChars));
        lines << status << elided(item.path, kShownMessageChars);
        for (QString &line : lines)
            line = elided(line, kShownMessageChars);
        return plainToolTip(lines.join(QLatin1Char('\n')));
    }
    default: break;
    }
    if (role == Qt::DecorationRole && index.column() == FileColumn) {
        // An icon, so that each view draws it at its own icon size.
        const Thumbnail *cached = cachedThumbnail(item.id);
        return QIcon(cached ? cached->pixmap : m_placeholder);
    }
    if (role == Qt::ForegroundRole && index.column() == StatusColumn) {
        const QPalette palette = QGuiApplication::palette(); // lighter in a dark palette
        switch (item.status) {
        case ItemStatus::NeedsReview:
        case ItemStatus::AutoFiled:
        case ItemStatus::Confirmed: return readableOn(statusColor(item.status), palette);
        default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole && (index.column() == ConfidenceColumn || index.column() == SizeColumn))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case FileColumn: return elided(QFileInfo(item.path).fileName());
    case ExternalIdColumn: return elided(item.externalId);
    case DepartmentColumn: return elided(item.department);
    case StatusColumn: return statusLabel(item.status);
    case PredictedColumn: return elided(item.predicted);
    case ConfidenceColumn: return item.confidence >= 0 ? percentText(item.confidence) : QString();
    case SizeColumn: return QStringLiteral("%1 × %2").arg(item.width).arg(item.height);
    case ImportedColumn: return QLocale().toString(item.importedAt.toLocalTime(), QLocale::ShortFormat);
    default: return {};
    }
}

QVariant CatalogItemModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case FileColumn: return tr("File");
    case ExternalIdColumn: return tr("External id");
    case DepartmentColumn: return tr("Department");
    case StatusColumn: return tr("Status");
    case PredictedColumn: return tr("Predicted");
    case ConfidenceColumn: return tr("Confidence");
    case SizeColumn: return tr("Pixels");
    case ImportedColumn: return tr("Imported");
    default: return {};
    }
}

void CatalogItemModel::thumbnailArrived(qint64 itemId, const QImage &image, int side)
{
    const int row = rowOfItem(itemId);
    if (row < 0)
        return;
    auto *thumbnail = new Thumbnail{image.isNull() ? m_placeholder : QPixmap::fromImage(image), side};
    const qsizetype kilobytes = std::max<qsizetype>(1, thumbnail->pixmap.width() * thumbnail->pixmap.height() * 4 / 1024);
    m_pixmaps.insert(itemId, thumbnail, kilobytes);
    const QModelIndex cell = index(row, FileColumn);
    Q_EMIT dataChanged(cell, cell, {Qt::DecorationRole, ThumbnailRole});
}

} // namespace accession
