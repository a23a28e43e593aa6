#include "imageheader.h"

#include <cstring>

namespace accession {

namespace {

quint32 readU32(const unsigned char *p, bool littleEndian)
{
    return littleEndian ? quint32(p[0]) | quint32(p[1]) << 8 | quint32(p[2]) << 16 | quint32(p[3]) << 24
                        : quint32(p[3]) | quint32(p[2]) << 8 | quint32(p[1]) << 16 | quint32(p[0]) << 24;
}

quint16 readU16(const unsigned char *p, bool littleEndian)
{
    return littleEndian ? quint16(p[0] | p[1] << 8) : quint16(p[1] | p[0] << 8);
}

struct TiffFields
{
    quint32 width = 0;
    quint32 height = 0;
    int orientation = 1;
    int bitsPerSample = 1; // TIFF's defaults when the tags are absent
    int samplesPerPixel = 1;
    bool valid = false;
};

// Whether [offset, offset + length) lies inside a buffer of size bytes. Offsets and lengths come from the file
// (32 bits, up to 0xFFFFFFFF), so the sum is taken in 64 bits where it cannot wrap.
bool fits(quint64 offset, quint64 length, qint64 size)
{
    return size >= 0 && offset <= quint64(size) && length <= quint64(size) - offset;
}

// Walks IFD0 of a TIFF structure (a TIFF file, or the EXIF block inside JPEG/PNG/WebP).
TiffFields readTiffFields(const unsigned char *data, qint64 size)
{
    TiffFields fields;
    if (size < 8)
        return fields;
    bool little;
    if (data[0] == 'I' && data[1] == 'I')
        little = true;
    else if (data[0] == 'M' && data[1] == 'M')
        little = false;
    else
        return fields;
    if (readU16(data + 2, little) != 42)
        return fields;
    const quint64 ifdOffset = readU32(data + 4, little);
    if (!fits(ifdOffset, 2, size))
        return fields;
    const quint16 entryCount = readU16(data + ifdOffset, little);
    fields.valid = true;
    for (quint16 i = 0; i < entryCount; ++i) {
        const quint64 entry = ifdOffset + 2 + quint64(i) * 12;
        if (!fits(entry, 12, size))
            break;
        const quint16 tag = readU16(data + entry, little);
        const quint16 type = readU16(data + entry + 2, little);
        const quint32 count = readU32(data + entry + 4, little);
        quint32 value = type == 3 ? readU16(data + entry + 8, little) : readU32(data + entry + 8, little);
        if (type != 3 && type != 4)
            continue;
        if (tag == 258 && type == 3 && count > 2) {
            // One bits-per-sample value per channel, stored elsewhere when they do not fit in the entry.
            const quint64 valuesOffset = readU32(data + entry + 8, little);
            if (!fits(valuesOffset, 2, size))
                continue;
            value = readU16(data + valuesOffset, little);
        }
        if (tag == 256)
            fields.width = value;
        else if (tag == 257)
            fields.height = value;
        else if (tag == 258 && value >= 1 && value <= 64)
            fields.bitsPerSample = int(value);
        else if (tag == 274 && value >= 1 && value <= 8)
            fields.orientation = int(value);
        else if (tag == 277 && value >= 1 && value <= 0xffff)
            fields.samplesPerPixel = int(value);
    }
    return fields;
}

std::optional<ImageHeader> fail(QString *error, const QString &reason)
{
    if (error)
        *error = reason;
    return std::nullopt;
}

std::optional<ImageHeader> readJpeg(const unsigned char *data, qint64 size, QString *error)
{
    ImageHeader header;
    header.format = ImageFormat::Jpeg;
    qint64 pos = 2;
    bool haveFrame = false;
    while (pos + 4 <= size) {
        if (data[pos] != 0xFF)
            return fail(error, QStringLiteral("corrupt JPEG: expected a marker at byte %1").arg(pos));
        const unsigned char marker = data[pos + 1];
        if (marker == 0xFF) { // fill byte
            ++pos;
            continue;
        }
        if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
            pos += 2;
            continue;
        }
        if (marker == 0xD9)
            break;
        const int length = data[pos + 2] << 8 | data[pos + 3];
        if (length < 2)
            return fail(error, QStringLiteral("corrupt JPEG: bad segment length at byte %1").arg(pos));
        const unsigned char *segment = data + pos + 4;
        const qint64 segmentSize = std::min<qint64>(length - 2, size - pos - 4);
        const bool isFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (isFrame && segmentSize >= 6) {
            header.bitsPerSample = segment[0];
            header.storedHeight = segment[1] << 8 | segment[2];
            header.storedWidth = segment[3] << 8 | segment[4];
            header.channels = segment[5];
            haveFrame = true;
        } else if (marker == 0xE1 && segmentSize > 14 && std::memcmp(segment, "Exif\0\0", 6) == 0) {
            header.orientation = exifOrientation(reinterpret_cast<const char *>(segment + 6), segmentSize - 6);
        } else if (marker == 0xDA) {
            header.jpegScanOffset = pos;
            break;
        }
        pos += 2 + length;
    }
    if (!haveFrame)
        return fail(error, QStringLiteral("truncated or corrupt JPEG: no frame header"));
    if (header.jpegScanOffset < 0)
        return fail(error, QStringLiteral("truncated JPEG: the image data is missing"));
    return header;
}

std::optional<ImageHeader> readPng(const unsigned char *data, qint64 size, QString *error)
{
    ImageHeader header;
    header.format = ImageFormat::Png;
    if (size < 33 || std::memcmp(data + 12, "IHDR", 4) != 0)
        return fail(error, QStringLiteral("truncated or corrupt PNG: no IHDR chunk"));
    header.storedWidth = int(std::min<quint32>(readU32(data + 16, false), 0x7fffffff));
    header.storedHeight = int(std::min<quint32>(readU32(data + 20, false), 0x7fffffff));
    header.bitsPerSample = data[24];
    switch (data[25]) { // colour type
    case 0: header.channels = 1; break;
    case 2: header.channels = 3; break;
    case 3: header.channels = 3; break; // a palette; a tRNS chunk may add alpha
    case 4: header.channels = 2; break;
    case 6: header.channels = 4; break;
    default: return fail(error, QStringLiteral("corrupt PNG: unknown colour type %1").arg(data[25]));
    }
    // An eXIf chunk, if any, comes before the image data.
    qint64 pos = 8;
    while (pos + 12 <= size) {
        const quint32 length = readU32(data + pos, false);
        const unsigned char *type = data + pos + 4;
        if (std::memcmp(type, "IDAT", 4) == 0 || std::memcmp(type, "IEND", 4) == 0)
            break;
        if (std::memcmp(type, "eXIf", 4) == 0 && fits(quint64(pos) + 8, length, size))
            header.orientation = exifOrientation(reinterpret_cast<const char *>(data + pos + 8), length);
        pos += 12 + qint64(length); // at most 2^32 + 11 past a position below 2^31: no overflow in 64 bits
    }
    return header;
}

std::optional<ImageHeader> readTiff(const unsigned char *data, qint64 size, QString *error)
{
    ImageHeader header;
    header.format = ImageFormat::Tiff;
    const TiffFields fields = readTiffFields(data, size);
    if (!fields.valid || fields.width == 0 || fields.height == 0)
        return fail(error, QStringLiteral("truncated or corrupt TIFF: no image size in the first directory"));
    header.storedWidth = int(std::min<quint32>(fields.width, 0x7fffffff));
    header.storedHeight = int(std::min<quint32>(fields.height, 0x7fffffff));
    header.orientation = fields.orientation;
    header.bitsPerSample = fields.bitsPerSample;
    header.channels = fields.samplesPerPixel;
    return header;
}

std::optional<ImageHeader> readWebP(const unsigned char *data, qint64 size, QString *error)
{
    ImageHeader header;
    header.format = ImageFormat::WebP;
    qint64 pos = 12;
    bool haveSize = false;
    while (pos + 8 <= size) {
        const unsigned char *fourcc = data + pos;
        const quint32 length = readU32(data + pos + 4, true);
        const unsigned char *chunk = data + pos + 8;
        const qint64 available = std::min<qint64>(length, size - pos - 8);
        if (std::memcmp(fourcc, "VP8X", 4) == 0 && available >= 10) {
            header.storedWidth = int(1 + (chunk[4] | chunk[5] << 8 | chunk[6] << 16));
            header.storedHeight = int(1 + (chunk[7] | chunk[8] << 8 | chunk[9] << 16));
            haveSize = true;
        } else if (std::memcmp(fourcc, "VP8 ", 4) == 0 && available >= 10 && !haveSize) {
            if (chunk[3] != 0x9d || chunk[4] != 0x01 || chunk[5] != 0x2a)
                return fail(error, QStringLiteral("corrupt WebP: bad VP8 frame header"));
            header.storedWidth = (chunk[6] | chunk[7] << 8) & 0x3fff;
            header.storedHeight = (chunk[8] | chunk[9] << 8) & 0x3fff;
            haveSize = true;
        } else if (std::memcmp(fourcc, "VP8L", 4) == 0 && available >= 5 && !haveSize) {
            if (chunk[0] != 0x2f)
                return fail(error, QStringLiteral("corrupt WebP: bad VP8L signature"));
            const quint32 bits = readU32(chunk + 1, true);
            header.storedWidth = int((bits & 0x3fff) + 1);
            header.storedHeight = int(((bits >> 14) & 0x3fff) + 1);
            haveSize = true;
        } else if (std::memcmp(fourcc, "EXIF", 4) == 0) {
            const bool hasPrefix = available > 6 && std::memcmp(chunk, "Exif\0\0", 6) == 0;
            header.orientation = exifOrientation(reinterpret_cast<const char *>(chunk + (hasPrefix ? 6 : 0)),
                                                 available - (hasPrefix ? 6 : 0));
        }
        pos += 8 + qint64(length) + (length & 1); // 64-bit: a length near 2^32 ends the walk, never wraps
    }
    if (!haveSize)
        return fail(error, QStringLiteral("truncated or corrupt WebP: no image size"));
    return header;
}

std::optional<ImageHeader> readBmp(const unsigned char *data, qint64 size, QString *error)
{
    ImageHeader header;
    header.format = ImageFormat::Bmp;
    if (size < 26)
        return fail(error, QStringLiteral("truncated BMP: header incomplete"));
    const quint32 dibSize = readU32(data + 14, true);
    if (dibSize == 12) {
        header.storedWidth = readU16(data + 18, true);
        header.storedHeight = readU16(data + 20, true);
    } else {
        const qint32 width = qint32(readU32(data + 18, true));
        const qint32 height = qint32(readU32(data + 22, true));
        if (width == INT32_MIN || height == INT32_MIN)
            return fail(error, QStringLiteral("corrupt BMP: impossible image size"));
        header.storedWidth = std::abs(width);
        header.storedHeight = std::abs(height); // negative means rows run top to bottom
    }
    return header;
}

QString describeSignature(const unsigned char *data, qint64 size)
{
    const qint64 shown = std::min<qint64>(size, 8);
    bool printable = true;
    for (qint64 i = 0; i < shown; ++i)
        printable = printable && (data[i] == '\t' || data[i] == '\n' || data[i] == '\r' || (data[i] >= 32 && data[i] < 127));
    if (printable)
        return QStringLiteral("not an image: the file holds text");
    return QStringLiteral("not an image: unrecognised file signature %1")
        .arg(QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(data), int(shown)).toHex(' ')));
}

} // namespace

QString imageFormatName(ImageFormat format)
{
    switch (format) {
    case ImageFormat::Jpeg: return QStringLiteral("jpeg");
    case ImageFormat::Png: return QStringLiteral("png");
    case ImageFormat::Tiff: return QStringLiteral("tiff");
    case ImageFormat::WebP: return QStringLiteral("webp");
    case ImageFormat::Bmp: return QStringLiteral("bmp");
    case ImageFormat::Unknown: break;
    }
    return QStringLiteral("unknown");
}

int exifOrientation(const char *tiff, qint64 size)
{
    return readTiffFields(reinterpret_cast<const unsigned char *>(tiff), size).orientation;
}

std::optional<ImageHeader> readImageHeader(const QByteArray &bytes, QString *error)
{
    const auto *data = reinterpret_cast<const unsigned char *>(bytes.constData());
    const qint64 size = bytes.size();
    if (size == 0)
        return fail(error, QStringLiteral("empty file (0 bytes)"));

    std::optional<ImageHeader> header;
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        header = readJpeg(data, size, error);
    else if (size >= 8 && std::memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
        header = readPng(data, size, error);
    else if (size >= 4 && (std::memcmp(data, "II*\0", 4) == 0 || std::memcmp(data, "MM\0*", 4) == 0))
        header = readTiff(data, size, error);
    else if (size >= 12 && std::memcmp(data, "RIFF", 4) == 0 && std::memcmp(data + 8, "WEBP", 4) == 0)
        header = readWebP(data, size, error);
    else if (size >= 2 && data[0] == 'B' && data[1] == 'M')
        header = readBmp(data, size, error);
    else
        return fail(error, describeSignature(data, size));

    if (header && (header->storedWidth <= 0 || header->storedHeight <= 0))
        return fail(error, QStringLiteral("corrupt %1: the header gives an empty image (%2 x %3)")
                               .arg(imageFormatName(header->format).toUpper())
                               .arg(header->storedWidth)
                               .arg(header->storedHeight));
    return header;
}

} // namespace accession
