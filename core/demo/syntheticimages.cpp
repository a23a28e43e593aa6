#include "syntheticimages.h"

#include <QDir>
#include <QSaveFile>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <random>
#include <stdexcept>

namespace accession {

namespace {

struct Motif
{
    cv::Scalar background; // BGR
    cv::Scalar ink;
    int shape; // 0 disc, 1 frame, 2 stripes, 3 triangle, 4 ring, 5 cross, 6 dots, 7 diagonal
};

Motif motifFor(int departmentIndex)
{
    static const Motif motifs[] = {
        {{60, 60, 70}, {200, 200, 210}, 5},   // metallic cross
        {{200, 230, 240}, {40, 90, 30}, 2},   // pale ground, green stripes
        {{235, 235, 235}, {30, 30, 30}, 7},   // ink on paper, diagonals
        {{120, 170, 200}, {60, 80, 160}, 3},  // terracotta triangles
        {{40, 30, 90}, {60, 180, 230}, 1},    // gilt frame on dark red
        {{50, 90, 140}, {170, 220, 250}, 0},  // wood and ivory disc
        {{90, 60, 40}, {120, 200, 160}, 4},   // ring
        {{20, 60, 30}, {230, 210, 120}, 6},   // dots
    };
    const Motif &base = motifs[departmentIndex % 8];
    Motif motif = base;
    // Beyond eight departments, shift the palette so every department stays distinct.
    const int round = departmentIndex / 8;
    motif.background = base.background + cv::Scalar(37 * round % 80, 53 * round % 80, 71 * round % 80);
    return motif;
}

cv::Mat render(int departmentIndex, int motifIndex, int size, std::mt19937 &rng)
{
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    Motif motif = motifFor(departmentIndex);
    motif.shape = motifFor(motifIndex).shape;
    const double aspect = 0.75 + 0.5 * unit(rng);
    const int width = aspect >= 1.0 ? size : std::max(8, int(size * aspect));
    const int height = aspect >= 1.0 ? std::max(8, int(size / aspect)) : size;
    const auto jitter = [&](const cv::Scalar &colour, double amount) {
        cv::Scalar out;
        for (int c = 0; c < 3; ++c)
            out[c] = std::clamp(colour[c] + (unit(rng) - 0.5) * 2.0 * amount, 0.0, 255.0);
        return out;
    };
    cv::Mat image(height, width, CV_8UC3, jitter(motif.background, 25));
    const cv::Scalar ink = jitter(motif.ink, 30);
    const int shorter = std::min(width, height);
    const cv::Point centre(int(width * (0.3 + 0.4 * unit(rng))), int(height * (0.3 + 0.4 * unit(rng))));
    const int radius = std::max(2, int(shorter * (0.2 + 0.15 * unit(rng))));
    const int thickness = std::max(1, shorter / 24);
    switch (motif.shape) {
    case 0: cv::circle(image, centre, radius, ink, cv::FILLED, cv::LINE_AA); break;
    case 1: cv::rectangle(image, cv::Rect(shorter / 10, shorter / 10, width - shorter / 5, height - shorter / 5), ink,
                          thickness * 2);
        break;
    case 2:
        for (int y = int(unit(rng) * shorter / 6); y < height; y += std::max(4, shorter / 6))
            cv::line(image, {0, y}, {width, y}, ink, thickness, cv::LINE_AA);
        break;
    case 3: {
        const std::vector<cv::Point> points = {{centre.x, centre.y - radius},
                                               {centre.x - radius, centre.y + radius},
                                               {centre.x + radius, centre.y + radius}};
        cv::fillPoly(image, std::vector<std::vector<cv::Point>>{points}, ink, cv::LINE_AA);
        break;
    }
    case 4: cv::circle(image, centre, radius, ink, thickness * 2, cv::LINE_AA); break;
    case 5:
        cv::line(image, {centre.x - radius, centre.y}, {centre.x + radius, centre.y}, ink, thickness * 2, cv::LINE_AA);
        cv::line(image, {centre.x, centre.y - radius}, {centre.x, centre.y + radius}, ink, thickness * 2, cv::LINE_AA);
        break;
    case 6:
        for (int i = 0; i < 12; ++i) {
            const cv::Point dot(int(unit(rng) * width), int(unit(rng) * height));
            cv::circle(image, dot, std::max(1, shorter / 16), ink, cv::FILLED, cv::LINE_AA);
        }
        break;
    default:
        for (int x = -height; x < width; x += std::max(4, shorter / 5))
            cv::line(image, {x, 0}, {x + height, height}, ink, thickness, cv::LINE_AA);
        break;
    }
    cv::Mat noise(image.size(), CV_16SC3);
    cv::randn(noise, 0, 10);
    cv::Mat noisy;
    image.convertTo(noisy, CV_16SC3);
    noisy += noise;
    noisy.convertTo(image, CV_8UC3);
    return image;
}

QString slug(const QString &name)
{
    QString out;
    for (const QChar c : name.toLower())
        out.append(c.isLetterOrNumber() ? c : QLatin1Char('-'));
    return out;
}

} // namespace

const QStringList &demoDepartments()
{
    static const QStringList names = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art"),
                                      QStringLiteral("Drawings and Prints"), QStringLiteral("Greek and Roman Art"),
                                      QStringLiteral("European Paintings")};
    return names;
}

QByteArray renderSyntheticImage(int departmentIndex, int imageSize, quint32 seed, const QString &extension,
                                int motifDepartmentIndex)
{
    std::mt19937 rng(seed);
    const cv::Mat image = render(departmentIndex, motifDepartmentIndex >= 0 ? motifDepartmentIndex : departmentIndex, imageSize, rng);
    std::vector<uchar> encoded;
    cv::imencode(QString(QLatin1Char('.') + extension).toStdString(), image, encoded);
    return QByteArray(reinterpret_cast<const char *>(encoded.data()), int(encoded.size()));
}

QStringList writeSyntheticDataset(const QString &dir, const SyntheticDatasetSpec &spec)
{
    QStringList written;
    std::mt19937 noiseRng(spec.seed ^ 0x9e3779b9u);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int d = 0; d < spec.departments.size(); ++d) {
        const QString departmentDir = dir + QLatin1Char('/') + spec.departments[d];
        if (!QDir().mkpath(departmentDir))
            throw std::runtime_error(QStringLiteral("cannot create %1").arg(departmentDir).toStdString());
        for (int i = 0; i < spec.imagesPerDepartment; ++i) {
            int drawn = d;
            if (spec.labelNoise > 0 && unit(noiseRng) < spec.labelNoise)
                drawn = int(unit(noiseRng) * spec.departments.size()) % spec.departments.size();
            int motif = drawn;
            if (spec.ambiguity > 0 && unit(noiseRng) < spec.ambiguity)
                motif = (drawn + 1 + int(unit(noiseRng) * (spec.departments.size() - 1))) % int(spec.departments.size());
            const quint32 imageSeed = spec.seed * 1000003u + quint32(d) * 7919u + quint32(i);
            const QByteArray bytes = renderSyntheticImage(drawn, spec.imageSize, imageSeed, spec.extension, motif);
            const QString path = QStringLiteral("%1/%2-%3.%4")
                                     .arg(departmentDir, slug(spec.departments[d]))
                                     .arg(i, 4, 10, QLatin1Char('0'))
                                     .arg(spec.extension);
            QSaveFile file(path);
            if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
                throw std::runtime_error(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()).toStdString());
            written.push_back(path);
        }
    }
    return written;
}

} // namespace accession
