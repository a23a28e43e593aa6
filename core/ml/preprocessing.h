#pragma once

#include <QJsonObject>
#include <QString>

#include <array>
#include <optional>
#include <random>

namespace accession {

// Share of the shorter side that evaluation's centre crop keeps: the whole of it, since photographs of artworks
// are framed around the object (torchvision keeps 0.875; bench/README.md, "The evaluation crop").
constexpr double defaultCenterCropFraction = 1.0;
// What model cards written before the fraction was recorded used.
constexpr double legacyCenterCropFraction = 0.875;

// Input sizes a model card or a training run may ask for. Below 16 pixels the networks' strides leave nothing;
// above 1024 a batch of 32 inputs alone takes 400 MB and the activations many gigabytes, and a card claiming
// 100000 would try to allocate terabytes.
constexpr int kMinimumInputSize = 16;
constexpr int kMaximumInputSize = 1024;
// Normalisation applies (pixel in 0..1 - mean) / std: a standard deviation near zero turns every input into
// infinities, and values far outside these ranges are not a normalisation of 8-bit colour at all.
constexpr double kMaximumAbsoluteMean = 10.0;
constexpr double kMinimumStd = 1e-3;
constexpr double kMaximumStd = 100.0;

// How a network wants its input: square size and per-channel normalisation of RGB in 0..1, and how evaluation
// frames a photograph: the shorter side resized to resizeSize(), the centre square of inputSize kept.
struct Preprocessing
{
    int inputSize = 224;
    std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
    std::array<float, 3> std{0.229f, 0.224f, 0.225f};
    double centerCropFraction = defaultCenterCropFraction; // in [minimumCenterCropFraction, 1]

    static constexpr double minimumCenterCropFraction = 0.5;
    static constexpr bool isValidCenterCropFraction(double fraction)
    {
        return fraction >= minimumCenterCropFraction && fraction <= 1.0;
    }
    static Preprocessing imagenet(int inputSize = 224) { Preprocessing p; p.inputSize = inputSize; return p; }
    // Evaluation resizes the shorter side to this, then crops the centre (256 for 224 at 0.875).
    int resizeSize() const;

    // What is out of range ("input_size 100000 is not in 16..1024"), naming the card's field; nullopt when usable.
    std::optional<QString> problem() const;

    QJsonObject toJson() const;
    // Reads mean, std and input_size where present; the rest stays as in base. Lenient: for the JSON that comes
    // beside downloaded weights, whose fields may mean something else; check problem() afterwards.
    static Preprocessing fromJson(const QJsonObject &json, const Preprocessing &base);
    // Strict, for model cards: a field that is present must have the right type and range (and problem() must
    // hold nothing), else WeightsError naming `source` and the field. Absent fields stay as in base.
    static Preprocessing fromCardJson(const QJsonObject &json, const Preprocessing &base, const QString &source);
};

// Smallest share of an image's area a random resized crop keeps, unless told otherwise (torchvision keeps 0.08;
// bench/README.md, "Where the defaults come from").
constexpr double defaultMinimumCropScale = 0.35;

// A crop's place in an image, in pixels.
struct CropBox
{
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
};

// A random resized crop as torchvision's RandomResizedCrop draws it: up to ten tries of a share of the area in
// [minimumScale, 1] and a log-uniform aspect ratio in [3/4, 4/3], placed uniformly. When none fits (elongated
// images: swords, scrolls, friezes), the centred crop of the whole image with its aspect ratio clamped to that
// range, as torchvision falls back.
CropBox randomResizedCropBox(int width, int height, double minimumScale, std::mt19937_64 &rng);

// "R,G,B" as three numbers; nullopt if it is not.
std::optional<std::array<float, 3>> parseTriple(const QString &text);

// The preprocessing a weights file carries in a JSON beside it (FILE.json or STEM.json), if any.
// Throws WeightsError when such a file exists but cannot be read, or its values are out of range.
std::optional<Preprocessing> preprocessingBeside(const QString &weightsPath, const Preprocessing &base);
QString sidecarJsonPath(const QString &weightsPath);

} // namespace accession
