#include "imageview.h"

#include "imaging/imagedecoder.h"

#include <QtConcurrent/QtConcurrentRun>

namespace accession {

namespace {

QImage decodeForDisplay(const QString &path)
{
    DecodeRequest request;
    request.minShorterSide = 900; // enough for a screen; big JPEGs decode at a fraction of the cost
    QString error;
    const RgbImage rgb = decodeRgbFile(path, request, &error);
    if (rgb.isNull())
        return QImage();
    return QImage(reinterpret_cast<const uchar *>(rgb.pixels.constData()), rgb.width, rgb.height, rgb.width * 3,
                  QImage::Format_RGB888).copy();
}

} // namespace

ImageView::ImageView(QWidget *parent)
    : QLabel(parent)
{
    setAlignment(Qt::AlignCenter);
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Expanding);
    setMinimumSize(120, 120);
    connect(&m_watcher, &QFutureWatcher<QImage>::finished, this, [this] {
        m_image = m_watcher.result();
        updatePixmap();
        Q_EMIT imageShown();
    });
}

void ImageView::showFile(const QString &path)
{
    m_path = path;
    m_image = QImage();
    setText(tr("Loading…"));
    m_watcher.setFuture(QtConcurrent::run(decodeForDisplay, path));
}

void ImageView::clearImage()
{
    m_path.clear();
    m_image = QImage();
    clear();
}

void ImageView::resizeEvent(QResizeEvent *event)
{
    QLabel::resizeEvent(event);
    updatePixmap();
}

void ImageView::updatePixmap()
{
    if (m_image.isNull()) {
        if (!m_path.isEmpty() && m_watcher.isFinished())
            setText(tr("The image cannot be shown (moved or unreadable)."));
        return;
    }
    setPixmap(QPixmap::fromImage(m_image.scaled(size(), Qt::KeepAspectRatio, Qt::SmoothTransformation)));
}

} // namespace accession
