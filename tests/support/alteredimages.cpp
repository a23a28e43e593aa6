#include "alteredimages.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <vector>

namespace accession::test {

QByteArray shapesPhotograph(quint32 seed, int width, int height)
{
    cv::RNG random(seed * 2654435761u + 17);
    cv::Mat image(height, width, CV_8UC3);
    const cv::Scalar top(random.uniform(0, 256), random.uniform(0, 256), random.uniform(0, 256));
    const cv::Scalar bottom(random.uniform(0, 256), random.uniform(0, 256), random.uniform(0, 256));
    for (int row = 0; row < height; ++row) {
        const double t = double(row) / std::max(1, height - 1);
        image.row(row).setTo(top * (1 - t) + bottom * t);
    }
    const int shapes = 3 + random.uniform(0, 4);
    for (int i = 0; i < shapes; ++i) {
        const cv::Scalar colour(random.uniform(0, 256), random.uniform(0, 256), random.uniform(0, 256));
        const cv::Point centre(random.uniform(0, width), random.uniform(0, height));
        const cv::Size axes(random.uniform(width / 10, width / 3), random.uniform(height / 10, height / 3));
        if (random.uniform(0, 2) == 0)
            cv::ellipse(image, centre, axes, random.uniform(0, 180), 0, 360, colour, cv::FILLED, cv::LINE_AA);
        else
            cv::rectangle(image, centre - cv::Point(axes.width, axes.height), centre + cv::Point(axes.width, axes.height), colour, cv::FILLED);
    }
    std::vector<uchar> out;
    cv::imencode(".png", image, out);
    return QByteArray(reinterpret_cast<const char *>(out.data()), qsizetype(out.size()));
}

QByteArray alteredCopy(const QByteArray &encoded, const Alteration &alteration)
{
    const std::vector<uchar> bytes(encoded.begin(), encoded.end());
    cv::Mat image = cv::imdecode(bytes, cv::IMREAD_COLOR);
    if (image.empty())
        return {};
    if (alteration.rotationDegrees != 0.0) {
        const cv::Mat turn = cv::getRotationMatrix2D(cv::Point2f(image.cols / 2.0f, image.rows / 2.0f), alteration.rotationDegrees, 1.0);
        cv::warpAffine(image, image, turn, image.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    }
    if (alteration.keptFraction < 1.0) {
        const int width = std::max(1, int(image.cols * alteration.keptFraction));
        const int height = std::max(1, int(image.rows * alteration.keptFraction));
        image = image(cv::Rect((image.cols - width) / 2, (image.rows - height) / 2, width, height)).clone();
    }
    if (alteration.scale != 1.0)
        cv::resize(image, image, cv::Size(), alteration.scale, alteration.scale, cv::INTER_AREA);
    std::vector<uchar> out;
    cv::imencode(".jpg", image, out, {cv::IMWRITE_JPEG_QUALITY, alteration.jpegQuality});
    return QByteArray(reinterpret_cast<const char *>(out.data()), qsizetype(out.size()));
}

} // namespace accession::test
