#include "testimages.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <jpeglib.h>
#include <stdexcept>
#include <vector>

namespace accession::test {

namespace {

QByteArray encode(const QString &extension, const cv::Mat &image)
{
    std::vector<uchar> bytes;
    if (!cv::imencode(QString(QLatin1Char('.') + extension).toStdString(), image, bytes))
        throw std::runtime_error("cannot encode test image");
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), int(bytes.size()));
}

cv::Scalar bgr(Rgb colour)
{
    return cv::Scalar(colour.b, colour.g, colour.r);
}

void putBigEndian32(QByteArray &bytes, int at, quint32 value)
{
    bytes[at] = char(value >> 24);
    bytes[at + 1] = char(value >> 16);
    bytes[at + 2] = char(value >> 8);
    bytes[at + 3] = char(value);
}

} // namespace

QByteArray solidImage(const QString &extension, int width, int height, Rgb colour)
{
    return encode(extension, cv::Mat(height, width, CV_8UC3, bgr(colour)));
}

QByteArray splitImage(const QString &extension, int width, int height, Rgb left, Rgb right)
{
    cv::Mat image(height, width, CV_8UC3, bgr(left));
    image(cv::Rect(width / 2, 0, width - width / 2, height)).setTo(bgr(right));
    return encode(extension, image);
}

QByteArray bandedImage(const QString &extension, int width, int height, Rgb inside, Rgb band, int bandRows)
{
    cv::Mat image(height, width, CV_8UC3, bgr(inside));
    image(cv::Rect(0, 0, width, bandRows)).setTo(bgr(band));
    image(cv::Rect(0, height - bandRows, width, bandRows)).setTo(bgr(band));
    return encode(extension, image);
}

QByteArray greyPng(int width, int height, int value)
{
    return encode(QStringLiteral("png"), cv::Mat(height, width, CV_8UC1, cv::Scalar(value)));
}

QByteArray noisePng(int width, int height, quint64 seed)
{
    cv::Mat image(height, width, CV_8UC3);
    cv::RNG random(seed);
    random.fill(image, cv::RNG::UNIFORM, 0, 256);
    return encode(QStringLiteral("png"), image);
}

QByteArray sixteenBitImage(const QString &extension, int width, int height, int r16, int g16, int b16)
{
    return encode(extension, cv::Mat(height, width, CV_16UC3, cv::Scalar(b16, g16, r16)));
}

QByteArray alphaPng(int width, int height, Rgb colour, int alpha)
{
    return encode(QStringLiteral("png"), cv::Mat(height, width, CV_8UC4, cv::Scalar(colour.b, colour.g, colour.r, alpha)));
}

QByteArray cmykJpeg(int width, int height, int c, int m, int y, int k)
{
    jpeg_compress_struct info;
    jpeg_error_mgr errors;
    info.err = jpeg_std_error(&errors);
    jpeg_create_compress(&info);
    unsigned char *buffer = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&info, &buffer, &size);
    info.image_width = JDIMENSION(width);
    info.image_height = JDIMENSION(height);
    info.input_components = 4;
    info.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, 95, TRUE);
    jpeg_start_compress(&info, TRUE);
    std::vector<unsigned char> row(size_t(width) * 4);
    for (int x = 0; x < width; ++x) {
        row[size_t(x) * 4 + 0] = static_cast<unsigned char>(255 - c);
        row[size_t(x) * 4 + 1] = static_cast<unsigned char>(255 - m);
        row[size_t(x) * 4 + 2] = static_cast<unsigned char>(255 - y);
        row[size_t(x) * 4 + 3] = static_cast<unsigned char>(255 - k);
    }
    while (info.next_scanline < info.image_height) {
        JSAMPROW pointer = row.data();
        jpeg_write_scanlines(&info, &pointer, 1);
    }
    jpeg_finish_compress(&info);
    QByteArray result(reinterpret_cast<const char *>(buffer), int(size));
    jpeg_destroy_compress(&info);
    std::free(buffer);
    return result;
}

QByteArray withExifOrientation(const QByteArray &jpeg, int orientation)
{
    // TIFF header (big endian), one IFD entry: tag 0x0112, type SHORT, count 1, value.
    QByteArray tiff = QByteArray::fromHex("4d4d002a00000008" "0001" "011200030000000100000000" "00000000");
    tiff[8 + 2 + 8] = char(orientation >> 8);
    tiff[8 + 2 + 9] = char(orientation & 0xff);
    const QByteArray payload = QByteArray("Exif\0\0", 6) + tiff;
    QByteArray segment = QByteArray::fromHex("ffe1");
    const int length = payload.size() + 2;
    segment.append(char(length >> 8));
    segment.append(char(length & 0xff));
    segment.append(payload);
    return jpeg.left(2) + segment + jpeg.mid(2);
}

QByteArray jpegClaimingSize(int width, int height)
{
    QByteArray jpeg = solidImage(QStringLiteral("jpg"), 16, 16, {200, 100, 50});
    for (int i = 2; i + 9 < jpeg.size(); ++i) {
        const auto marker = static_cast<unsigned char>(jpeg[i + 1]);
        if (static_cast<unsigned char>(jpeg[i]) == 0xFF && (marker == 0xC0 || marker == 0xC2)) {
            jpeg[i + 5] = char(height >> 8);
            jpeg[i + 6] = char(height & 0xff);
            jpeg[i + 7] = char(width >> 8);
            jpeg[i + 8] = char(width & 0xff);
            return jpeg;
        }
    }
    throw std::runtime_error("no SOF marker in the test JPEG");
}

QByteArray pngClaimingSize(int width, int height)
{
    QByteArray png = solidImage(QStringLiteral("png"), 16, 16, {10, 20, 30});
    putBigEndian32(png, 16, quint32(width));
    putBigEndian32(png, 20, quint32(height));
    return png;
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        throw std::runtime_error(QString("cannot write " + path).toStdString());
}

QStringList filesUnder(const QString &folder)
{
    QStringList files;
    QDirIterator it(folder, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << QDir(folder).relativeFilePath(it.next());
    files.sort();
    return files;
}

Rgb pixelAt(const RgbImage &image, int x, int y)
{
    const auto *p = reinterpret_cast<const unsigned char *>(image.pixels.constData()) + (qsizetype(y) * image.width + x) * 3;
    return {p[0], p[1], p[2]};
}

bool roughlyEqual(Rgb a, Rgb b, int tolerance)
{
    return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance;
}

QString describe(Rgb colour)
{
    return QStringLiteral("rgb(%1, %2, %3)").arg(colour.r).arg(colour.g).arg(colour.b);
}

} // namespace accession::test
