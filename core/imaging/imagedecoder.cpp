#include "imagedecoder.h"

#include "cvdecode.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstring>

namespace accession {

namespace {

// The JPEG scale (1, 2, 4 or 8) that honours the request; 0 if even 1/8 is too big.
int jpegScaleFor(const ImageHeader &header, const DecodeRequest &request)
{
    const auto scaled = [&](int scale, int side) { return (side + scale - 1) / scale; };
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

// Any depth and channel layout OpenCV returns, as 8-bit RGB; alpha is composited over white.
cv::Mat toRgb8(const cv::Mat &decoded)
{
    cv::Mat eightBit;
    switch (decoded.depth()) {
    case CV_8U: eightBit = decoded; break;
    case CV_16U: decoded.convertTo(eightBit, CV_8U, 1.0 / 257.0); break;
    case CV_32F:
    case CV_64F: decoded.convertTo(eightBit, CV_8U, 255.0); break;
    default: {
        cv::Mat scaled;
        cv::normalize(decoded, scaled, 0, 255, cv::NORM_MINMAX, CV_8U);
        eightBit = scaled;
    }
    }
    cv::Mat rgb;
    switch (eightBit.channels()) {
    case 1: cv::cvtColor(eightBit, rgb, cv::COLOR_GRAY2RGB); break;
    case 2: {
        std::vector<cv::Mat> planes;
        cv::split(eightBit, planes);
        cv::Mat grey;
        cv::Mat alpha;
        planes[1].convertTo(alpha, CV_32F, 1.0 / 255.0);
        planes[0].convertTo(grey, CV_32F);
        cv::Mat flattened = grey.mul(alpha) + 255.0 * (1.0 - alpha);
        flattened.convertTo(grey, CV_8U);
        cv::cvtColor(grey, rgb, cv::COLOR_GRAY2RGB);
        break;
    }
    case 3: cv::cvtColor(eightBit, rgb, cv::COLOR_BGR2RGB); break;
    case 4: {
        cv::Mat bgra;
        eightBit.convertTo(bgra, CV_32FC4);
        std::vector<cv::Mat> planes;
        cv::split(bgra, planes);
        const cv::Mat alpha = planes[3] / 255.0;
        cv::Mat white(alpha.size(), CV_32F, cv::Scalar(255.0));
        std::vector<cv::Mat> colour(3);
        for (int c = 0; c < 3; ++c)
            colour[2 - c] = planes[c].mul(alpha) + white.mul(1.0 - alpha); // BGR -> RGB while compositing
        cv::Mat merged;
        cv::merge(colour, merged);
        merged.convertTo(rgb, CV_8UC3);
        break;
    }
    default:
        throw DecodeError(QStringLiteral("unsupported layout: %1 channels").arg(eightBit.channels()));
    }
    return rgb;
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

} // namespace

cv::Mat decodeRgbMat(const QByteArray &bytes, const DecodeRequest &request, ImageHeader *headerOut)
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
    } else if (pixels > request.maxPixels) {
        throw DecodeError(QStringLiteral("image too large: %1 x %2 pixels, more than the %3 megapixel limit "
                                         "(only JPEGs can be decoded at reduced size)")
                              .arg(header->storedWidth)
                              .arg(header->storedHeight)
                              .arg(megapixels(request.maxPixels)));
    }

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
    applyOrientation(rgb, header->orientation);
    return rgb;
}

ImportedImage decodeForImport(const QByteArray &bytes, const DecodeRequest &request, int thumbnailSide)
{
    ImportedImage result;
    try {
        DecodeRequest thumbnailRequest = request;
        thumbnailRequest.minShorterSide = std::max(request.minShorterSide, thumbnailSide);
        const cv::Mat rgb = decodeRgbMat(bytes, thumbnailRequest, &result.header);
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
        const cv::Mat rgb = decodeRgbMat(bytes, request);
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

} // namespace accession
