#pragma once

#include <QFutureWatcher>
#include <QImage>
#include <QLabel>

namespace accession {

// A photograph shown as large as the space allows, decoded on a worker thread.
class ImageView : public QLabel
{
    Q_OBJECT
public:
    explicit ImageView(QWidget *parent = nullptr);

    void showFile(const QString &path);
    void clearImage();

Q_SIGNALS:
    void imageShown();

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void updatePixmap();

    QString m_path;
    QImage m_image;
    QFutureWatcher<QImage> m_watcher;
};

} // namespace accession
