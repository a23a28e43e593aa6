#include "preprocessing.h"

#include "weightserror.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cmath>

namespace accession {

namespace {

QJsonArray tripleToJson(const std::array<float, 3> &triple)
{
    return QJsonArray{double(triple[0]), double(triple[1]), double(triple[2])};
}

std::optional<std::array<float, 3>> tripleFromJson(const QJsonValue &value)
{
    const QJsonArray array = value.toArray();
    if (array.size() != 3)
        return std::nullopt;
    std::array<float, 3> out{};
    for (int i = 0; i < 3; ++i) {
        if (!array[i].isDouble())
            return std::nullopt;
        out[size_t(i)] = float(array[i].toDouble());
    }
    return out;
}

// A JSON value as it was written, shortened: for messages naming what a field held.
QString shortJsonText(const QJsonValue &value)
{
    const QString text = QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
    return text.size() > 40 ? text.left(40) + QStringLiteral("...") : text;
}

} // namespace

std::optional<QString> Preprocessing::problem() const
{
    if (inputSize < kMinimumInputSize || inputSize > kMaximumInputSize)
        return QStringLiteral("input_size %1 is not in %2..%3").arg(inputSize).arg(kMinimumInputSize).arg(kMaximumInputSize);
    for (int c = 0; c < 3; ++c) {
        // Written so that NaN fails every comparison and is refused.
        if (!(std::abs(double(mean[size_t(c)])) <= kMaximumAbsoluteMean))
            return QStringLiteral("mean %1 is not a number in [-%2, %2]").arg(double(mean[size_t(c)])).arg(kMaximumAbsoluteMean);
        if (!(double(std[size_t(c)]) >= kMinimumStd && double(std[size_t(c)]) <= kMaximumStd))
            return QStringLiteral("std %1 is not a number in [%2, %3]").arg(double(std[size_t(c)])).arg(kMinimumStd).arg(kMaximumStd);
    }
    if (!isValidCenterCropFraction(centerCropFraction))
        return QStringLiteral("center_crop_fraction %1 is not in [%2, 1]").arg(centerCropFraction).arg(minimumCenterCropFraction);
    return std::nullopt;
}

int Preprocessing::resizeSize() const
{
    return std::max(inputSize, int(std::lround(inputSize / centerCropFraction)));
}

QJsonObject Preprocessing::toJson() const
{
    return QJsonObject{{QStringLiteral("input_size"), inputSize},
                       {QStringLiteral("mean"), tripleToJson(mean)},
                       {QStringLiteral("std"), tripleToJson(std)},
                       {QStringLiteral("center_crop_fraction"), centerCropFraction}};
}

Preprocessing Preprocessing::fromJson(const QJsonObject &json, const Preprocessing &base)
{
    Preprocessing result = base;
    if (const auto mean = tripleFromJson(json.value(QStringLiteral("mean"))))
        result.mean = *mean;
    if (const auto std = tripleFromJson(json.value(QStringLiteral("std"))))
        result.std = *std;
    const int size = json.value(QStringLiteral("input_size")).toInt(0);
    if (size > 0)
        result.inputSize = size;
    const double fraction = json.value(QStringLiteral("center_crop_fraction")).toDouble(0);
    if (isValidCenterCropFraction(fraction))
        result.centerCropFraction = fraction;
    return result;
}

Preprocessing Preprocessing::fromCardJson(const QJsonObject &json, const Preprocessing &base, const QString &source)
{
    const auto refuse = [&source](const QString &reason) {
        return WeightsError(QStringLiteral("%1: preprocessing: %2").arg(source, reason));
    };
    Preprocessing result = base;
    const QJsonValue size = json.value(QStringLiteral("input_size"));
    if (!size.isUndefined()) {
        const double value = size.toDouble(std::nan(""));
        if (!size.isDouble() || value != std::floor(value) || value < kMinimumInputSize || value > kMaximumInputSize)
            throw refuse(QStringLiteral("input_size must be a whole number of pixels in %1..%2, not %3")
                             .arg(kMinimumInputSize).arg(kMaximumInputSize)
                             .arg(shortJsonText(size)));
        result.inputSize = int(value);
    }
    for (const char *key : {"mean", "std"}) {
        const QJsonValue value = json.value(QLatin1String(key));
        if (value.isUndefined())
            continue;
        const auto triple = tripleFromJson(value);
        if (!triple)
            throw refuse(QStringLiteral("%1 must be three numbers (R, G, B)").arg(QLatin1String(key)));
        (qstrcmp(key, "mean") == 0 ? result.mean : result.std) = *triple;
    }
    const QJsonValue fraction = json.value(QStringLiteral("center_crop_fraction"));
    if (!fraction.isUndefined()) {
        if (!fraction.isDouble())
            throw refuse(QStringLiteral("center_crop_fraction must be a number"));
        result.centerCropFraction = fraction.toDouble();
    }
    if (const auto problem = result.problem())
        throw refuse(*problem);
    return result;
}

std::optional<std::array<float, 3>> parseTriple(const QString &text)
{
    const QStringList parts = text.split(QLatin1Char(','));
    if (parts.size() != 3)
        return std::nullopt;
    std::array<float, 3> out{};
    for (int i = 0; i < 3; ++i) {
        bool ok = false;
        out[size_t(i)] = parts[i].trimmed().toFloat(&ok);
        if (!ok)
            return std::nullopt;
    }
    return out;
}

QString sidecarJsonPath(const QString &weightsPath)
{
    const QFileInfo info(weightsPath);
    const QString full = weightsPath + QStringLiteral(".json");
    if (QFileInfo::exists(full))
        return full;
    return info.absolutePath() + QLatin1Char('/') + info.completeBaseName() + QStringLiteral(".json");
}

std::optional<Preprocessing> preprocessingBeside(const QString &weightsPath, const Preprocessing &base)
{
    const QString path = sidecarJsonPath(weightsPath);
    QFile file(path);
    if (!file.exists())
        return std::nullopt;
    if (!file.open(QIODevice::ReadOnly))
        throw WeightsError(QStringLiteral("%1: cannot read: %2").arg(path, file.errorString()));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        throw WeightsError(QStringLiteral("%1: not a JSON object: %2").arg(path, error.errorString()));
    QJsonObject json = document.object();
    // A model card keeps its preprocessing under "preprocessing".
    if (json.contains(QStringLiteral("preprocessing")))
        json = json.value(QStringLiteral("preprocessing")).toObject();
    const Preprocessing result = Preprocessing::fromJson(json, base);
    if (const auto problem = result.problem())
        throw WeightsError(QStringLiteral("%1: %2").arg(path, *problem));
    return result;
}

CropBox randomResizedCropBox(int width, int height, double minimumScale, std::mt19937_64 &rng)
{
    constexpr double minimumRatio = 3.0 / 4.0;
    constexpr double maximumRatio = 4.0 / 3.0;
    const double area = double(width) * height;
    std::uniform_real_distribution<double> scale(minimumScale, 1.0);
    std::uniform_real_distribution<double> logRatio(std::log(minimumRatio), std::log(maximumRatio));
    for (int attempt = 0; attempt < 10; ++attempt) {
        const double targetArea = area * scale(rng);
        const double ratio = std::exp(logRatio(rng));
        const int w = int(std::lround(std::sqrt(targetArea * ratio)));
        const int h = int(std::lround(std::sqrt(targetArea / ratio)));
        if (w > 0 && h > 0 && w <= width && h <= height) {
            std::uniform_int_distribution<int> x(0, width - w);
            std::uniform_int_distribution<int> y(0, height - h);
            const int left = x(rng);
            return CropBox{left, y(rng), w, h};
        }
    }
    const double imageRatio = double(width) / height;
    int w = width;
    int h = height;
    if (imageRatio < minimumRatio)
        h = std::min(height, std::max(1, int(std::lround(width / minimumRatio))));
    else if (imageRatio > maximumRatio)
        w = std::min(width, std::max(1, int(std::lround(height * maximumRatio))));
    return CropBox{(width - w) / 2, (height - h) / 2, w, h};
}

} // namespace accession
