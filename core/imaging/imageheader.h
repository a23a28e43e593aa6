#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace accession {

enum class ImageFormat { Unknown, Jpeg, Png, Tiff, WebP, Bmp };

QString imageFormatName(ImageFormat format);

// What a file's first bytes say about it, read without decoding any pixels.
struct ImageHeader
{
    ImageFormat format = ImageFormat::Unknown;
    int storedWidth = 0;  // as encoded, before EXIF orientation
    int storedHeight = 0;
    int orientation = 1;  // EXIF orientation 1..8
    qint64 jpegScanOffset = -1; // where the JPEG's first scan starts
    int channels = 0;      // samples per pixel as stored (a palette counts 3); 0 when the format does not say
    int bitsPerSample = 0; // as stored; 0 when the format does not say

    bool swapsAxes() const { return orientation >= 5 && orientation <= 8; }
    int width() const { return swapsAxes() ? storedHeight : storedWidth; }
    int height() const { return swapsAxes() ? storedWidth : storedHeight; }
};

// Reads format, size and orientation; on failure returns nullopt and says why in *error.
std::optional<ImageHeader> readImageHeader(const QByteArray &bytes, QString *error);

// The orientation tag (274) of an EXIF/TIFF block starting with its byte-order mark; 1 when absent.
int exifOrientation(const char *tiff, qint64 size);

} // namespace accession
