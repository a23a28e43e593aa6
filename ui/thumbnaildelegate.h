#pragma once

#include <QRect>
#include <QStyledItemDelegate>

class QFontMetrics;

namespace accession {

// A grid cell of one fixed size for every item: the thumbnail fitted into a square box whatever its shape,
// and below it, in lines of their own, the caption and a badge for status and department.
class ThumbnailDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    // Where each part of a cell goes.
    struct CellLayout
    {
        QRect box;       // the square the thumbnail is fitted into
        QRect thumbnail; // the image itself, inside the box, its aspect kept
        QRect caption;   // the caption's reserved lines
        QRect badge;     // the status and department badge's line
    };

    static constexpr int kCaptionLines = 2;

    explicit ThumbnailDelegate(QObject *parent = nullptr);

    void setThumbnailSize(int pixels);
    int thumbnailSize() const { return m_thumbnailSize; }
    // Every cell's size for the current thumbnail size and font.
    QSize cellSize(const QFontMetrics &metrics) const;
    // The parts of a cell at cellRect for an image of imageSize pixels (an invalid size: a square).
    CellLayout layout(const QRect &cellRect, const QSize &imageSize, const QFontMetrics &metrics) const;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_thumbnailSize = 112;
};

} // namespace accession
