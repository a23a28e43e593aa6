#pragma once

#include "trainer.h"

#include <QVector>

namespace accession {

// The network's measured speed on this machine at a run's image size.
struct MeasuredRates
{
    double trainingImagesPerSecond = 0;  // forward, backward and optimiser step
    double inferenceImagesPerSecond = 0; // forward alone (validation, features)
};

// One stretch of a planned run: the epochs of a phase, or a single pass (feature extraction, calibration).
struct PlannedStretch
{
    QString phase; // as EpochReport::phase: "cached-head", "head", "fine-tune", "train"; "calibration"
    int epochs = 1;
    double secondsPerEpoch = 0;
};

// What a training run will take, phase by phase, from the measured rates and the number of images. Decoding is
// not in the rates, so the first epoch of a run may take longer; the dialog rescales by the real epochs.
struct TrainingEstimate
{
    QVector<PlannedStretch> stretches;
    double totalSeconds() const;
    // Seconds left after `epoch` (1-based) of `phase`, with the estimate scaled by how long that epoch really took.
    double remainingSecondsAfter(const QString &phase, int epoch, double epochSeconds) const;
};

// The three ways the Train dialog offers to train. Quick and Best start from added pretrained weights.
enum class TrainingPreset { QuickHead, BestFineTune, FromScratch };
// The fine-tune that reached 84.9% on held-out MET photographs with MobileNetV2 (README, bench/README.md).
constexpr int kPresetFineTuneEpochs = 12;
// ResNet-18 from scratch at 128 px beat 224 px at the same cost (bench/README.md).
constexpr int kPresetScratchEpochs = 25;
constexpr int kPresetScratchImageSize = 128;
// The options a preset sets on top of base (catalog, labels, split, output stay); weightsPath and its
// architecture for the presets that need weights.
TrainingOptions presetOptions(TrainingPreset preset, TrainingOptions base, const QString &weightsPath = QString(),
                              Architecture weightsArchitecture = Architecture::MobileNetV2);

TrainingEstimate estimateTraining(const TrainingOptions &options, int trainingImages, int validationImages,
                                  const MeasuredRates &rates);

} // namespace accession
