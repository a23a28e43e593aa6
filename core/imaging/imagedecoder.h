#pragma once

#include "imageheader.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace accession {

// How much of an image to decode. JPEGs are decoded at 1/2, 1/4 or 1/8 scale when that is enough.
struct DecodeRequest
{
    // Largest decoded buffer allowed, in pixels; bigger images are decoded smaller (JPEG) or refused.
    qint64 maxPixels = 100'000'000;
    // 0 decodes at full resolution; otherwise the shorter side may shrink down to this many pixels.
    int minShorterSide = 0;
};

// 8-bit RGB pixels, rows packed, orientation applied, transparency flattened onto white.
struct RgbImage
{
    int width = 0;
    int height = 0;
    QByteArray pixels;
    bool isNull() const { return pixels.isEmpty(); }
};

// What an import needs from one file: its header, and a small JPEG for the catalog's grid.
struct ImportedImage
{
    ImageHeader header;
    QByteArray thumbnailJpeg;
    int thumbnailWidth = 0;
    int thumbnailHeight = 0;
    std::optional<quint64> perceptualHash; // of the decoded image (see perceptualhash.h); empty for a flat image
    QString error; // why the file could not be used; empty on success
    bool ok() const { return error.isEmpty(); }
};

constexpr int kThumbnailSide = 192;

ImportedImage decodeForImport(const QByteArray &bytes, const DecodeRequest &request, int thumbnailSide = kThumbnailSide);

// Decodes for display; on failure returns a null image and says why in *error.
RgbImage decodeRgb(const QByteArray &bytes, const DecodeRequest &request, QString *error);

// Image files larger than this are refused unread, on import and for display.
constexpr qint64 kMaxImageFileBytes = qint64(1) << 30;

// decodeRgb over a file that must still be a plain file (a FIFO put in a photograph's place would block the
// reading thread for good) of at most kMaxImageFileBytes, within the process's decode budget.
RgbImage decodeRgbFile(const QString &path, const DecodeRequest &request, QString *error);

} // namespace accession
