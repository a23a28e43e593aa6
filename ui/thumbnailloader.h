#pragma once

#include <QImage>
#include <QObject>
#include <QSet>
#include <QThread>

namespace accession {

class Catalog;

// Reads and decodes thumbnails on its own thread (with its own catalog connection), newest requests first.
class ThumbnailLoader : public QObject
{
    Q_OBJECT
public:
    explicit ThumbnailLoader(QObject *parent = nullptr);
    ~ThumbnailLoader() override;

    void setCatalogPath(const QString &path);
    // The edge thumbnails are wanted at. Up to the catalog's stored thumbnails' edge they are those; beyond it they
    // are decoded from the original file (when it is still there and readable) at this edge, so they stay sharp.
    void setSide(int pixels);
    // Asks for an item's thumbnail; thumbnailReady follows on the caller's thread. Repeats are ignored.
    void request(qint64 itemId);
    void clearRequests();

Q_SIGNALS:
    // side: the edge the thumbnail was asked at (setSide's value then).
    void thumbnailReady(qint64 itemId, const QImage &image, int side);

private:
    class Worker;
    QThread m_thread;
    Worker *m_worker = nullptr;
    QSet<qint64> m_pending;
};

} // namespace accession
