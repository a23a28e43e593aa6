#pragma once

#include <QJsonObject>
#include <QString>

#include <array>
#include <optional>

namespace accession {

// How a network wants its input: square size and per-channel normalisation of RGB in 0..1.
struct Preprocessing
{
    int inputSize = 224;
    std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
    std::array<float, 3> std{0.229f, 0.224f, 0.225f};

    static Preprocessing imagenet(int inputSize = 224) { Preprocessing p; p.inputSize = inputSize; return p; }
    // Evaluation resizes the shorter side to this, then crops the centre (torchvision's 256 for 224).
    int resizeSize() const { return (inputSize * 256 + 112) / 224; }

    QJsonObject toJson() const;
    // Reads mean, std and input_size where present; the rest stays as in base.
    static Preprocessing fromJson(const QJsonObject &json, const Preprocessing &base);
};

// Smallest share of an image's area a random resized crop keeps when training from scratch, unless told otherwise
// (torchvision's default is 0.08; the MET measurements in bench/README.md chose this).
constexpr double defaultMinimumCropScale = 0.35;

// "R,G,B" as three numbers; nullopt if it is not.
std::optional<std::array<float, 3>> parseTriple(const QString &text);

// The preprocessing a weights file carries in a JSON beside it (FILE.json or STEM.json), if any.
// Throws WeightsError when such a file exists but cannot be read.
std::optional<Preprocessing> preprocessingBeside(const QString &weightsPath, const Preprocessing &base);
QString sidecarJsonPath(const QString &weightsPath);

} // namespace accession
