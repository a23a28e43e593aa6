#include "imagedecoder.h"

#include "perceptualhash.h"

#include "cvdecode.h"
#include "decodebudget.h"

#include <QFile>
#include <QFileInfo>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <limits>
#include <cstring>

namespace accession {

namespace {

qint64 scaledSide(int scale, int side)
{
    return (qint64(side) + scale - 1) / scale;
}

// The JPEG scale (1, 2, 4 or 8) that honours the request; 0 if even 1/8 is too big.
int jpegScaleFor(const ImageHeader &header, const DecodeRequest &request)
{
    const auto scaled = scaledSide;
    int chosen = 0;
    for (int scale : {1, 2, 4, 8}) {
        const qint64 w = scaled(scale, header.storedWidth);
        const qint64 h = scaled(scale, header.storedHeight);
        if (request.minShorterSide > 0 && scale > 1 && std::min(w, h) < request.minShorterSide)
            break;
        if (w * h <= request.maxPixels) {
            chosen = scale;
            if (request.minShorterSide <= 0)
                break; // full resolution wanted: the first scale that fits
        }
    }
    if (chosen == 0) {
        const qint64 w = scaled(8, header.storedWidth);
        const qint64 h = scaled(8, header.storedHeight);
        if (w * h <= request.maxPixels)
            chosen = 8;
    }
    return chosen;
}

int readFlagsForJpegScale(int scale)
{
    switch (scale) {
    case 2: return cv::IMREAD_REDUCED_COLOR_2;
    case 4: return cv::IMREAD_REDUCED_COLOR_4;
    case 8: return cv::IMREAD_REDUCED_COLOR_8;
    default: return cv::IMREAD_COLOR;
    }
}

QString megapixels(qint64 pixels)
{
    return QString::number(double(pixels) / 1e6, 'f', 0);
}

void applyOrientation(cv::Mat &image, int orientation)
{
    switch (orientation) {
    case 2: cv::flip(image, image, 1); break;
    case 3: cv::rotate(image, image, cv::ROTATE_180); break;
    case 4: cv::flip(image, image, 0); break;
    case 5: cv::transpose(image, image); break;
    case 6: cv::rotate(image, image, cv::ROTATE_90_CLOCKWISE); break;
    case 7: cv::transpose(image, image); cv::rotate(image, image, cv::ROTATE_180); break;
    case 8: cv::rotate(image, image, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: break;
    }
}

// Writes one row of 8-bit samples (1 to 4 channels, OpenCV's BGR order) as RGB, compositing alpha over white.
void rowToRgb(const uchar *in, int channels, int width, uchar *out)
{
    // Rounds c * a / 255 + 255 * (1 - a / 255) to the nearest integer, without floating point.
    const auto over = [](int colour, int alpha) { return uchar((colour * alpha + 255 * (255 - alpha) + 127) / 255); };
    switch (channels) {
    case 1:
        for (int x = 0; x < width; ++x, out += 3)
            out[0] = out[1] = out[2] = in[x];
        break;
    case 2:
        for (int x = 0; x < width; ++x, in += 2, out += 3)
            out[0] = out[1] = out[2] = over(in[0], in[1]);
        break;
    case 3:
        for (int x = 0; x < width; ++x, in += 3, out += 3) {
            out[0] = in[2];
            out[1] = in[1];
            out[2] = in[0];
        }
        break;
    case 4:
        for (int x = 0; x < width; ++x, in += 4, out += 3) {
            out[0] = over(in[2], in[3]);
            out[1] = over(in[1], in[3]);
            out[2] = over(in[0], in[3]);
        }
        break;
    default:
        break;
    }
}

// Any depth and channel layout OpenCV returns, as 8-bit RGB; alpha is composited over white.
// Works a row at a time, so that a 16-bit RGBA image needs only its RGB result beside it, not float copies.
cv::Mat toRgb8(const cv::Mat &decoded)
{
    const int channels = decoded.channels();
    if (channels < 1 || channels > 4)
        throw DecodeError(QStringLiteral("unsupported layout: %1 channels").arg(channels));
    double scale = 1.0;
    double shift = 0.0;
    switch (decoded.depth()) {
    case CV_8U: break;
    case CV_16U: scale = 1.0 / 257.0; break;
    case CV_16F:
    case CV_32F:
    case CV_64F: scale = 255.0; break;
    default: {
        // Signed samples have no agreed white: stretch the image's own range over 0..255.
        double low = 0.0;
        double high = 0.0;
        cv::minMaxLoc(decoded.reshape(1), &low, &high);
        scale = high - low > 0.0 ? 255.0 / (high - low) : 0.0;
        shift = -low * scale;
    }
    }
    cv::Mat rgb(decoded.rows, decoded.cols, CV_8UC3);
    cv::Mat eightBitRow;
    for (int y = 0; y < decoded.rows; ++y) {
        const uchar *row = decoded.ptr(y);
        if (decoded.depth() != CV_8U) {
            decoded.row(y).convertTo(eightBitRow, CV_8U, scale, shift);
            row = eightBitRow.ptr();
        }
        rowToRgb(row, channels, decoded.cols, rgb.ptr(y));
    }
    return rgb;
}

// Bytes a decode holds at its peak, for the process's decode budget: the pixels as OpenCV returns them, the
// 8-bit RGB copy, and a second copy when the orientation rotates. Generous where OpenCV may widen the layout.
qint64 estimateDecodeBytes(const ImageHeader &header, qint64 decodedPixels)
{
    qint64 decodedBytesPerPixel = 4;
    switch (header.format) {
    case ImageFormat::Jpeg:
        decodedBytesPerPixel = 3; // always read as 8-bit BGR
        break;
    case ImageFormat::Png:
        // A palette, grey with alpha or a tRNS chunk all come back as BGRA.
        decodedBytesPerPixel = header.bitsPerSample > 8 ? 8 : 4;
        break;
    case ImageFormat::Tiff:
        // OpenCV also reads a whole strip into a buffer of its own, which can be the whole image.
        decodedBytesPerPixel = 2 * 4 * std::max(1, (header.bitsPerSample + 7) / 8);
        break;
    case ImageFormat::WebP:
    case ImageFormat::Bmp:
    case ImageFormat::Unknown:
        break;
    }
    const qint64 rgbCopies = header.orientation == 1 ? 1 : 2;
    return decodedPixels * (decodedBytesPerPixel + 3 * rgbCopies);
}

bool jpegHasEndMarker(const QByteArray &bytes, qint64 scanOffset)
{
    const auto *data = reinterpret_cast<const unsigned char *>(bytes.constData());
    for (qint64 i = bytes.size() - 2; i >= scanOffset; --i) {
        if (data[i] == 0xFF && data[i + 1] == 0xD9)
            return true;
    }
    return false;
}

// Decodes holding a share of the process's decode budget in *reservation, which the caller keeps while it still
// works on the result.
cv::Mat decodeWithinBudget(const QByteArray &bytes, const DecodeRequest &request, ImageHeader *headerOut,
                           DecodeReservation *reservation)
{
    QString error;
    const std::optional<ImageHeader> header = readImageHeader(bytes, &error);
    if (!header)
        throw DecodeError(error);
    if (headerOut)
        *headerOut = *header;
    const QString formatName = imageFormatName(header->format).toUpper();
    const qint64 pixels = qint64(header->storedWidth) * header->storedHeight;

    int flags = cv::IMREAD_UNCHANGED;
    qint64 decodedPixels = pixels;
    if (header->format == ImageFormat::Jpeg) {
        if (!jpegHasEndMarker(bytes, header->jpegScanOffset))
            throw DecodeError(QStringLiteral("truncated JPEG: the file ends before the end-of-image marker"));
        const int scale = jpegScaleFor(*header, request);
        if (scale == 0) {
            throw DecodeError(QStringLiteral("image too large: %1 x %2 pixels, more than %3 megapixels even at 1/8 scale")
                                  .arg(header->storedWidth)
                                  .arg(header->storedHeight)
                                  .arg(megapixels(request.maxPixels)));
        }
        // Even a blank progressive JPEG spends a bit per 8 x 8 block; libjpeg would pad the rest with grey.
        if (bytes.size() < pixels / 1024) {
            throw DecodeError(QStringLiteral("truncated or corrupt JPEG: %1 bytes cannot hold %2 x %3 pixels")
                                  .arg(bytes.size())
                                  .arg(header->storedWidth)
                                  .arg(header->storedHeight));
        }
        flags = readFlagsForJpegScale(scale) | cv::IMREAD_IGNORE_ORIENTATION;
        decodedPixels = scaledSide(scale, header->storedWidth) * scaledSide(scale, header->storedHeight);
    } else if (pixels > request.maxPixels) {
        throw DecodeError(QStringLiteral("image too large: %1 x %2 pixels, more than the %3 megapixel limit "
                                         "(only JPEGs can be decoded at reduced size)")
                              .arg(header->storedWidth)
                              .arg(header->storedHeight)
                              .arg(megapixels(request.maxPixels)));
    }

    if (bytes.size() > std::numeric_limits<int>::max()) // OpenCV takes the buffer's length as an int
        throw DecodeError(QStringLiteral("file too large to decode: %1 MB").arg(bytes.size() >> 20));
    reservation->reserve(processDecodeBudget(), estimateDecodeBytes(*header, decodedPixels));
    cv::Mat decoded;
    try {
        const cv::Mat buffer(1, int(bytes.size()), CV_8U, const_cast<char *>(bytes.constData()));
        decoded = cv::imdecode(buffer, flags);
    } catch (const cv::Exception &exception) {
        throw DecodeError(QStringLiteral("cannot decode %1: %2").arg(formatName, QString::fromStdString(exception.msg)));
    }
    if (decoded.empty())
        throw DecodeError(QStringLiteral("cannot decode %1: the data is corrupt or truncated").arg(formatName));

    cv::Mat rgb = toRgb8(decoded);
    decoded.release(); // before a rotation allocates another copy
    applyOrientation(rgb, header->orientation);
    return rgb;
}

} // namespace

cv::Mat decodeRgbMat(const QByteArray &bytes, const DecodeRequest &request, ImageHeader *headerOut)
{
    DecodeReservation reservation;
    return decodeWithinBudget(bytes, request, headerOut, &reservation);
}

ImportedImage decodeForImport(const QByteArray &bytes, const DecodeRequest &request, int thumbnailSide)
{
    ImportedImage result;
    try {
        DecodeRequest thumbnailRequest = request;
        thumbnailRequest.minShorterSide = std::max(request.minShorterSide, thumbnailSide);
        DecodeReservation reservation; // held until the full-size pixels are gone
        const cv::Mat rgb = decodeWithinBudget(bytes, thumbnailRequest, &result.header, &reservation);
        result.perceptualHash = perceptualHashOfRgb(rgb.data, rgb.cols, rgb.rows, qsizetype(rgb.step));
        const double scale = std::min(1.0, double(thumbnailSide) / std::max(rgb.cols, rgb.rows));
        cv::Mat thumbnail;
        if (scale < 1.0)
            cv::resize(rgb, thumbnail, cv::Size(), scale, scale, cv::INTER_AREA);
        else
            thumbnail = rgb;
        cv::Mat bgr;
        cv::cvtColor(thumbnail, bgr, cv::COLOR_RGB2BGR);
        std::vector<uchar> encoded;
        cv::imencode(".jpg", bgr, encoded, {cv::IMWRITE_JPEG_QUALITY, 82});
        result.thumbnailJpeg = QByteArray(reinterpret_cast<const char *>(encoded.data()), int(encoded.size()));
        result.thumbnailWidth = bgr.cols;
        result.thumbnailHeight = bgr.rows;
    } catch (const DecodeError &error) {
        result.error = QString::fromUtf8(error.what());
    } catch (const cv::Exception &exception) {
        result.error = QStringLiteral("cannot decode: %1").arg(QString::fromStdString(exception.msg));
    } catch (const std::bad_alloc &) {
        result.error = QStringLiteral("not enough memory to decode this image");
    }
    return result;
}

RgbImage decodeRgb(const QByteArray &bytes, const DecodeRequest &request, QString *error)
{
    RgbImage image;
    try {
        DecodeReservation reservation;
        const cv::Mat rgb = decodeWithinBudget(bytes, request, nullptr, &reservation);
        image.width = rgb.cols;
        image.height = rgb.rows;
        image.pixels.resize(qsizetype(rgb.cols) * rgb.rows * 3);
        for (int row = 0; row < rgb.rows; ++row)
            std::memcpy(image.pixels.data() + qsizetype(row) * rgb.cols * 3, rgb.ptr(row), size_t(rgb.cols) * 3);
    } catch (const std::exception &exception) {
        if (error)
            *error = QString::fromUtf8(exception.what());
        image = RgbImage();
    }
    return image;
}

RgbImage decodeRgbFile(const QString &path, const DecodeRequest &request, QString *error)
{
    const QFileInfo info(path);
    QString problem;
    if (!info.isFile())
        problem = info.exists() ? QStringLiteral("not a plain file") : QStringLiteral("file not found");
    else if (info.size() > kMaxImageFileBytes)
        problem = QStringLiteral("file too large: %1 MB (the limit is %2 MB)").arg(info.size() >> 20).arg(kMaxImageFileBytes >> 20);
    QFile file(path);
    if (problem.isEmpty() && !file.open(QIODevice::ReadOnly))
        problem = QStringLiteral("cannot read: %1").arg(file.errorString());
    if (!problem.isEmpty()) {
        if (error)
            *error = problem;
        return {};
    }
    return decodeRgb(file.read(kMaxImageFileBytes), request, error);
}

} // namespace accession
