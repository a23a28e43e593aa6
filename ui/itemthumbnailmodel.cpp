#include "itemthumbnailmodel.h"

#include "displaytext.h"
#include "thumbnailloader.h"

#include <QIcon>
#include <QPainter>
#include <QPixmap>

#include <algorithm>

namespace accession {

ItemThumbnailModel::ItemThumbnailModel(QObject *parent)
    : QAbstractListModel(parent)
    , m_loader(new ThumbnailLoader(this))
{
    connect(m_loader, &ThumbnailLoader::thumbnailReady, this, &ItemThumbnailModel::thumbnailArrived);
    setThumbnailSize(m_side);
}

void ItemThumbnailModel::setThumbnailSize(int side)
{
    m_side = side;
    m_placeholder = QPixmap(side, side);
    m_placeholder.fill(Qt::transparent);
}

void ItemThumbnailModel::setCatalogPath(const QString &path)
{
    if (path == m_catalogPath)
        return;
    m_catalogPath = path;
    setEntries({});
    m_loader->setCatalogPath(path);
}

void ItemThumbnailModel::setEntries(const QVector<Entry> &entries)
{
    m_loader->clearRequests();
    beginResetModel();
    m_entries = entries;
    m_thumbnails = QVector<QPixmap>(entries.size());
    m_arrived = QVector<bool>(entries.size(), false);
    endResetModel();
    for (const Entry &entry : m_entries)
        m_loader->request(entry.itemId);
}

void ItemThumbnailModel::updateEntries(const QVector<Entry> &entries)
{
    QVector<qint64> ids;
    for (const Entry &entry : entries)
        ids << entry.itemId;
    if (ids != itemIds()) {
        setEntries(entries);
        return;
    }
    m_entries = entries;
    if (!m_entries.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_entries.size()) - 1), {Qt::DisplayRole, Qt::ToolTipRole});
}

QVector<qint64> ItemThumbnailModel::itemIds() const
{
    QVector<qint64> ids;
    for (const Entry &entry : m_entries)
        ids << entry.itemId;
    return ids;
}

int ItemThumbnailModel::thumbnailsLoaded() const
{
    return int(std::count(m_arrived.begin(), m_arrived.end(), true));
}

int ItemThumbnailModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

QVariant ItemThumbnailModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_entries.size())
        return {};
    const Entry &entry = m_entries[index.row()];
    switch (role) {
    case Qt::DisplayRole: return entry.caption;
    case Qt::ToolTipRole: return plainToolTip(entry.toolTip);
    case ItemIdRole: return entry.itemId;
    case Qt::DecorationRole: {
        // Until it arrives, an empty square of the same size: the cells are laid out once, as they will stay.
        const QPixmap &thumbnail = m_arrived[index.row()] ? m_thumbnails[index.row()] : m_placeholder;
        return QIcon(thumbnail);
    }
    default: return {};
    }
}

void ItemThumbnailModel::thumbnailArrived(qint64 itemId, const QImage &image)
{
    for (int row = 0; row < m_entries.size(); ++row) {
        if (m_entries[row].itemId != itemId || m_arrived[row])
            continue;
        // Scaled once, here, to fit the square: portrait and landscape cells alike, captions always below.
        QPixmap square = m_placeholder;
        if (!image.isNull()) {
            const QImage scaled = image.scaled(m_side, m_side, Qt::KeepAspectRatio, Qt::SmoothTransformation);
            QPainter painter(&square);
            painter.drawImage((m_side - scaled.width()) / 2, (m_side - scaled.height()) / 2, scaled);
        }
        m_thumbnails[row] = square;
        m_arrived[row] = true;
        Q_EMIT dataChanged(index(row), index(row), {Qt::DecorationRole});
    }
}

} // namespace accession
