#include "catalogitemmodel.h"

#include "appearance.h"
#include "displaytext.h"
#include "thumbnailloader.h"

#include "catalog/catalog.h"

#include <QColor>
#include <QIcon>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLocale>
#include <QPainter>
#include <QScopedValueRollback>

namespace accession {

CatalogItemModel::CatalogItemModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_thumbnails(new ThumbnailLoader(this))
{
    m_placeholder = QPixmap(96, 96);
    m_placeholder.fill(QColor(0xe8, 0xe4, 0xdc));
    connect(m_thumbnails, &ThumbnailLoader::thumbnailReady, this, &CatalogItemModel::thumbnailArrived);
}

CatalogItemModel::~CatalogItemModel() = default;

void CatalogItemModel::setCatalog(Catalog *catalog)
{
    m_catalog = catalog;
    m_thumbnails->setCatalogPath(catalog ? catalog->path() : QString());
    m_pixmaps.clear();
    reload();
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
    // No fetching from inside the reset's own notifications; views fetch the first page once it is over.
    const QScopedValueRollback<bool> busy(m_fetching, true);
    beginResetModel();
    m_rows.clear();
    m_rowOfItem.clear();
    m_thumbnails->clearRequests();
    m_total = m_catalog ? ItemQuery(*m_catalog, m_filter, m_order).count() : 0;
    m_exhausted = m_total == 0;
    endResetModel();
}

qint64 CatalogItemModel::itemIdAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row].id : 0;
}

int CatalogItemModel::rowOfItem(qint64 itemId) const
{
    return m_rowOfItem.value(itemId, -1);
}

const ItemRow *CatalogItemModel::rowData(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows[row] : nullptr;
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
    return !parent.isValid() && m_catalog && !m_fetching && !m_exhausted;
}

void CatalogItemModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    // Views may ask again from inside the insertion signals; one page at a time.
    const QScopedValueRollback<bool> fetching(m_fetching, true);
    const QVector<ItemRow> page = ItemQuery(*m_catalog, m_filter, m_order).page(m_rows.isEmpty() ? nullptr : &m_rows.last(), kPageSize);
    if (page.size() < kPageSize)
        m_exhausted = true;
    if (page.isEmpty())
        return;
    beginInsertRows(QModelIndex(), int(m_rows.size()), int(m_rows.size() + page.size() - 1));
    for (const ItemRow &row : page) {
        m_rowOfItem.insert(row.id, int(m_rows.size()));
        m_rows.push_back(row);
    }
    endInsertRows();
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

QVariant CatalogItemModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const ItemRow &item = m_rows[index.row()];
    switch (role) {
    case ItemIdRole: return item.id;
    case PathRole: return item.path;
    case StatusRole: return int(item.status);
    case ConfidenceRole: return item.confidence;
    case Qt::ToolTipRole: return plainToolTip(QStringLiteral("%1\n%2").arg(elided(item.path, kToolTipChars), statusLabel(item.status)));
    default: break;
    }
    if (role == Qt::DecorationRole && index.column() == FileColumn) {
        // An icon, so that each view draws it at its own icon size.
        if (QPixmap *cached = m_pixmaps.object(item.id))
            return QIcon(*cached);
        m_thumbnails->request(item.id);
        return QIcon(m_placeholder);
    }
    if (role == Qt::ForegroundRole && index.column() == StatusColumn) {
        const QPalette palette = QGuiApplication::palette(); // lighter in a dark palette
        switch (item.status) {
        case ItemStatus::NeedsReview: return readableOn(QColor(0xb3, 0x5c, 0x00), palette);
        case ItemStatus::AutoFiled: return readableOn(QColor(0x1f, 0x5f, 0x99), palette);
        case ItemStatus::Confirmed: return readableOn(QColor(0x2e, 0x7d, 0x32), palette);
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

void CatalogItemModel::thumbnailArrived(qint64 itemId, const QImage &image)
{
    const int row = rowOfItem(itemId);
    if (row < 0)
        return;
    auto *pixmap = new QPixmap(image.isNull() ? m_placeholder : QPixmap::fromImage(image));
    m_pixmaps.insert(itemId, pixmap);
    const QModelIndex cell = index(row, FileColumn);
    Q_EMIT dataChanged(cell, cell, {Qt::DecorationRole});
}

} // namespace accession
