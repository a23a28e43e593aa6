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
    // Asks for an item's thumbnail; thumbnailReady follows on the caller's thread. Repeats are ignored.
    void request(qint64 itemId);
    void clearRequests();

Q_SIGNALS:
    void thumbnailReady(qint64 itemId, const QImage &image);

private:
    class Worker;
    QThread m_thread;
    Worker *m_worker = nullptr;
    QSet<qint64> m_pending;
};

} // namespace accession
