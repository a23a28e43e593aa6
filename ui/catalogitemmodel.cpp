#include "catalogitemmodel.h"

#include "catalog/catalog.h"

#include <QFileInfo>
#include <QLocale>
#include <QScopedValueRollback>

namespace accession {

CatalogItemModel::CatalogItemModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void CatalogItemModel::setCatalog(Catalog *catalog)
{
    m_catalog = catalog;
    reload();
}

void CatalogItemModel::reload()
{
    // No fetching from inside the reset's own notifications; views fetch the first page once it is over.
    const QScopedValueRollback<bool> busy(m_fetching, true);
    beginResetModel();
    m_rows.clear();
    m_thumbnails.clear();
    m_total = m_catalog ? m_catalog->itemCount() : 0;
    endResetModel();
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
    return !parent.isValid() && m_catalog && !m_fetching && m_rows.size() < m_total;
}

void CatalogItemModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    // Views may ask again from inside the insertion signals; one page at a time.
    const QScopedValueRollback<bool> fetching(m_fetching, true);
    const QVector<ItemRecord> page = m_catalog->items(m_rows.size(), kPageSize);
    if (page.isEmpty()) {
        m_total = m_rows.size();
        return;
    }
    beginInsertRows(QModelIndex(), int(m_rows.size()), int(m_rows.size() + page.size() - 1));
    m_rows += page;
    endInsertRows();
}

QVariant CatalogItemModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const ItemRecord &item = m_rows[index.row()];
    if (role == ItemIdRole)
        return item.id;
    if (role == PathRole)
        return item.path;
    if (role == Qt::DecorationRole && index.column() == FileColumn && m_catalog) {
        if (QPixmap *cached = m_thumbnails.object(item.id))
            return *cached;
        auto *pixmap = new QPixmap;
        pixmap->loadFromData(m_catalog->thumbnailJpeg(item.id), "JPEG");
        *pixmap = pixmap->scaled(48, 48, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        const QPixmap copy = *pixmap;
        m_thumbnails.insert(item.id, pixmap);
        return copy;
    }
    if (role == Qt::ToolTipRole && index.column() == FileColumn)
        return item.path;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case IdColumn: return item.id;
    case FileColumn: return QFileInfo(item.path).fileName();
    case ExternalIdColumn: return item.externalId;
    case DepartmentColumn: return item.department.isEmpty() ? tr("(unlabelled)") : item.department;
    case SourceColumn: return item.labelSource ? labelSourceName(*item.labelSource) : QString();
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
    case IdColumn: return tr("Id");
    case FileColumn: return tr("File");
    case ExternalIdColumn: return tr("External id");
    case DepartmentColumn: return tr("Department");
    case SourceColumn: return tr("Label source");
    case SizeColumn: return tr("Pixels");
    case ImportedColumn: return tr("Imported");
    default: return {};
    }
}

} // namespace accession
