#pragma once

#include <QAbstractListModel>
#include <QImage>
#include <QPixmap>
#include <QVector>

namespace accession {

class ThumbnailLoader;

// A few chosen items as thumbnails with a caption each (the items behind a confusion cell); the thumbnails
// arrive from the loader thread, never decoded on the GUI thread.
class ItemThumbnailModel : public QAbstractListModel
{
    Q_OBJECT
public:
    struct Entry
    {
        qint64 itemId = 0;
        QString caption; // shown under the thumbnail, plain text
        QString toolTip; // plain text; shown literally
    };
    enum Role { ItemIdRole = Qt::UserRole + 1 };

    explicit ItemThumbnailModel(QObject *parent = nullptr);
    void setCatalogPath(const QString &path);
    // Thumbnails are shown centred in a square of this side, whatever their shape, so that every cell is alike.
    void setThumbnailSize(int side);
    void setEntries(const QVector<Entry> &entries);
    // The same items with other captions and tooltips (names that arrived later): their thumbnails stay. Other
    // items replace the entries as setEntries() does.
    void updateEntries(const QVector<Entry> &entries);
    QVector<qint64> itemIds() const;
    // How many thumbnails have arrived (for tests and the screenshot tour).
    int thumbnailsLoaded() const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    void thumbnailArrived(qint64 itemId, const QImage &image);

    ThumbnailLoader *m_loader;
    QString m_catalogPath;
    int m_side = 96;
    QPixmap m_placeholder;
    QVector<Entry> m_entries;
    QVector<QPixmap> m_thumbnails;
    QVector<bool> m_arrived;
};

} // namespace accession
