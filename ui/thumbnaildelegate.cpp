#include "thumbnaildelegate.h"

#include "catalogitemmodel.h"

#include <QApplication>
#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

#include <algorithm>
#include <cmath>

namespace accession {

namespace {
constexpr int kPadding = 6;
constexpr int kGap = 4;
// Narrow thumbnails still get a caption wide enough for an object number.
constexpr int kMinTextWidth = 88;
constexpr int kBadgeTextMargin = 5;

int badgeHeight(const QFontMetrics &metrics)
{
    return metrics.height() + 4;
}

// Draws a rounded chip with the text elided to fit at most maxWidth; returns the chip's width.
int drawChip(QPainter *painter, const QRect &line, int x, int maxWidth, const QString &text, const QColor &fill,
             const QFontMetrics &metrics)
{
    if (text.isEmpty() || maxWidth <= 2 * kBadgeTextMargin)
        return 0;
    const QString shown = metrics.elidedText(text, Qt::ElideRight, maxWidth - 2 * kBadgeTextMargin);
    const int width = std::min(maxWidth, metrics.horizontalAdvance(shown) + 2 * kBadgeTextMargin);
    const QRect chip(x, line.top(), width, line.height());
    QPainterPath path;
    path.addRoundedRect(QRectF(chip), 4, 4);
    painter->fillPath(path, fill);
    painter->setPen(Qt::white);
    painter->drawText(chip, Qt::AlignCenter, shown);
    return width;
}
} // namespace

ThumbnailDelegate::ThumbnailDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

void ThumbnailDelegate::setThumbnailSize(int pixels)
{
    m_thumbnailSize = std::max(16, pixels);
}

QSize ThumbnailDelegate::cellSize(const QFontMetrics &metrics) const
{
    const int width = std::max(m_thumbnailSize, kMinTextWidth) + 2 * kPadding;
    const int height = kPadding + m_thumbnailSize + kGap + kCaptionLines * metrics.lineSpacing() + kGap + badgeHeight(metrics) + kPadding;
    return QSize(width, height);
}

ThumbnailDelegate::CellLayout ThumbnailDelegate::layout(const QRect &cellRect, const QSize &imageSize, const QFontMetrics &metrics) const
{
    CellLayout parts;
    const int innerWidth = cellRect.width() - 2 * kPadding;
    const int side = std::min(m_thumbnailSize, innerWidth);
    parts.box = QRect(cellRect.left() + (cellRect.width() - side) / 2, cellRect.top() + kPadding, side, side);
    // Fitted, never cropped: a 400 x 50 panorama is a strip across the box, a 60 x 300 portrait a column down it,
    // and a tiny image is enlarged to fill it. Each side keeps at least two pixels, however extreme the shape.
    QSize fitted(side, side);
    if (imageSize.width() > 0 && imageSize.height() > 0) {
        const double scale = std::min(double(side) / imageSize.width(), double(side) / imageSize.height());
        fitted = QSize(std::clamp(int(std::lround(imageSize.width() * scale)), 2, side),
                       std::clamp(int(std::lround(imageSize.height() * scale)), 2, side));
    }
    // Centred across, standing on the box's bottom edge, so that captions line up under the images.
    parts.thumbnail = QRect(QPoint(parts.box.left() + (side - fitted.width()) / 2, parts.box.bottom() + 1 - fitted.height()), fitted);
    parts.caption = QRect(cellRect.left() + kPadding, parts.box.bottom() + 1 + kGap, innerWidth, kCaptionLines * metrics.lineSpacing());
    parts.badge = QRect(cellRect.left() + kPadding, parts.caption.bottom() + 1 + kGap, innerWidth, badgeHeight(metrics));
    return parts;
}

QSize ThumbnailDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const
{
    return cellSize(option.fontMetrics);
}

void ThumbnailDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QFontMetrics &metrics = option.fontMetrics;
    const CellLayout parts = layout(option.rect, index.data(CatalogItemModel::PixelSizeRole).toSize(), metrics);
    const QPalette &palette = option.palette;
    const bool selected = option.state.testFlag(QStyle::State_Selected);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setRenderHint(QPainter::SmoothPixmapTransform);
    painter->setFont(option.font);
    const QRectF frame = QRectF(option.rect).adjusted(1.5, 1.5, -1.5, -1.5);
    if (selected) {
        QPainterPath path;
        path.addRoundedRect(frame, 6, 6);
        painter->fillPath(path, palette.color(QPalette::Highlight));
    } else if (option.state.testFlag(QStyle::State_MouseOver)) {
        QPainterPath path;
        path.addRoundedRect(frame, 6, 6);
        painter->fillPath(path, palette.color(QPalette::Midlight));
    }

    const QPixmap thumbnail = index.data(CatalogItemModel::ThumbnailRole).value<QPixmap>();
    if (thumbnail.isNull()) {
        painter->fillRect(parts.thumbnail, palette.color(QPalette::Mid)); // the right shape while it loads
    } else {
        painter->drawPixmap(parts.thumbnail, thumbnail);
    }

    const QStringList caption = index.data(CatalogItemModel::CaptionRole).toStringList();
    painter->setPen(palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
    for (int line = 0; line < caption.size() && line < kCaptionLines; ++line) {
        const QRect lineRect(parts.caption.left(), parts.caption.top() + line * metrics.lineSpacing(), parts.caption.width(),
                             metrics.lineSpacing());
        // A second line (the object number) is quieter; file names keep both ends, titles their start.
        if (line > 0 && !selected)
            painter->setPen(palette.color(QPalette::PlaceholderText));
        const Qt::TextElideMode mode = caption.size() == 1 && index.data(CatalogItemModel::PathRole).toString().endsWith(caption[line])
                                           ? Qt::ElideMiddle
                                           : Qt::ElideRight;
        painter->drawText(lineRect, Qt::AlignHCenter | Qt::AlignVCenter, metrics.elidedText(caption[line], mode, lineRect.width()));
    }

    const QString status = index.data(CatalogItemModel::BadgeStatusRole).toString();
    const QString department = index.data(CatalogItemModel::BadgeDepartmentRole).toString();
    const int statusWidth = drawChip(painter, parts.badge, parts.badge.left(), parts.badge.width(), status,
                                     index.data(CatalogItemModel::StatusColorRole).value<QColor>(), metrics);
    drawChip(painter, parts.badge, parts.badge.left() + statusWidth + 3, parts.badge.width() - statusWidth - 3, department,
             index.data(CatalogItemModel::DepartmentColorRole).value<QColor>(), metrics);

    if (option.state.testFlag(QStyle::State_HasFocus)) {
        painter->setPen(QPen(palette.color(QPalette::Highlight).darker(130), 1));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(frame, 6, 6);
    }
    painter->restore();
}

} // namespace accession
