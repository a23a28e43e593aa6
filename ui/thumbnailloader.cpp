#include "thumbnailloader.h"

#include "catalog/catalog.h"
#include "imaging/imagedecoder.h"

#include <QMutex>
#include <QTimer>

#include <algorithm>
#include <deque>
#include <memory>

namespace accession {

class ThumbnailLoader::Worker : public QObject
{
    Q_OBJECT
public:
    void setCatalogPath(const QString &path)
    {
        m_catalog.reset();
        m_queue.clear();
        if (path.isEmpty())
            return;
        try {
            // The catalog thread builds the indexes a migration left for later; thumbnails need none of them.
            m_catalog = std::make_unique<Catalog>(path, Catalog::OpenMode::OpenExisting, Catalog::MigrationProgress(),
                                                  Catalog::IndexBuilds::Deferred);
        } catch (const CatalogError &) {
            m_catalog.reset(); // the window reports why the catalog cannot open
        }
    }
    void enqueue(qint64 itemId)
    {
        m_queue.push_front(itemId); // what was scrolled to last is what the curator looks at
        if (!m_scheduled) {
            m_scheduled = true;
            QTimer::singleShot(0, this, &Worker::drain);
        }
    }
    void clear() { m_queue.clear(); }
    void setSide(int pixels) { m_side = pixels; }

Q_SIGNALS:
    void loaded(qint64 itemId, const QImage &image, int side);

private:
    // The original, decoded through the core's guarded decoder (JPEGs at a reduced scale) and fitted into
    // m_side, or null: then the stored one serves.
    QImage fromOriginal(qint64 id) const
    {
        const auto item = m_catalog->item(id);
        if (!item || std::max(item->width, item->height) <= kThumbnailSide)
            return {}; // the stored thumbnail is the whole image
        DecodeRequest request;
        request.minShorterSide = std::max(1, int(qint64(m_side) * std::min(item->width, item->height)
                                                 / std::max(item->width, item->height)));
        QString error;
        const RgbImage rgb = decodeRgbFile(item->path, request, &error);
        if (rgb.isNull())
            return {};
        const QImage image(reinterpret_cast<const uchar *>(rgb.pixels.constData()), rgb.width, rgb.height, rgb.width * 3,
                           QImage::Format_RGB888);
        if (std::max(rgb.width, rgb.height) <= m_side)
            return image.copy();
        return image.scaled(m_side, m_side, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }

    void drain()
    {
        // A few at a time, so that new requests and a catalog switch are seen promptly.
        for (int i = 0; i < 16 && !m_queue.empty(); ++i) {
            const qint64 id = m_queue.front();
            m_queue.pop_front();
            QImage image;
            if (m_catalog) {
                try {
                    if (m_side > kThumbnailSide)
                        image = fromOriginal(id);
                    if (image.isNull())
                        image.loadFromData(m_catalog->thumbnailJpeg(id), "JPEG");
                } catch (const CatalogError &) {
                }
            }
            Q_EMIT loaded(id, image, m_side);
        }
        if (m_queue.empty())
            m_scheduled = false;
        else
            QTimer::singleShot(0, this, &Worker::drain);
    }

    std::unique_ptr<Catalog> m_catalog;
    std::deque<qint64> m_queue;
    bool m_scheduled = false;
    int m_side = kThumbnailSide;
};

ThumbnailLoader::ThumbnailLoader(QObject *parent)
    : QObject(parent)
    , m_worker(new Worker)
{
    m_thread.setObjectName(QStringLiteral("accession-thumbnails"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &Worker::loaded, this, [this](qint64 id, const QImage &image, int side) {
        m_pending.remove(id);
        Q_EMIT thumbnailReady(id, image, side);
    });
    m_thread.start();
}

ThumbnailLoader::~ThumbnailLoader()
{
    m_thread.quit();
    m_thread.wait();
}

void ThumbnailLoader::setCatalogPath(const QString &path)
{
    m_pending.clear();
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, path] { worker->setCatalogPath(path); });
}

void ThumbnailLoader::setSide(int pixels)
{
    m_pending.clear(); // asked again at the new side
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, pixels] {
        worker->clear();
        worker->setSide(pixels);
    });
}

void ThumbnailLoader::request(qint64 itemId)
{
    if (m_pending.contains(itemId))
        return;
    m_pending.insert(itemId);
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, itemId] { worker->enqueue(itemId); });
}

void ThumbnailLoader::clearRequests()
{
    m_pending.clear();
    QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->clear(); });
}

} // namespace accession

#include "thumbnailloader.moc"
