#pragma once

// Torch-side header: include only from core/ml sources.

#include "epochreport.h"
#include "weightaverage_torch.h"

#include <QJsonArray>
#include <QStringList>
#include <QVector>

#include <cmath>
#include <string>

namespace accession::ml {

// The weights that validated best so far (by accuracy, then loss), which the run keeps and saves, and how many
// epochs ago they were found (for early stopping).
struct BestWeights
{
    NamedTensors weights; // empty until the first validation
    double accuracy = -1;
    double loss = INFINITY;
    QString phase; // the epoch whose weights those are
    int epoch = 0;
    int epochsSinceBest = 0;

    // Keeps a copy of the network's current weights, those of `epoch` (1-based) of `phase`, when they validate
    // best so far; counts one more epoch since the best otherwise.
    void consider(ClassifierNetImpl &net, double accuracy, double loss, const QString &phase, int epoch);
};

// Everything a run needs to go on after a cancel or a crash as if it had not stopped, written at each epoch's end.
struct TrainingCheckpoint
{
    int phase = 0;      // 0: the head alone, 1: every layer
    int epochsDone = 0; // within the phase
    NamedTensors model; // the network's weights at the end of that epoch
    BestWeights best;
    WeightAverage average;
    std::string optimizer; // the optimizer's state (optimizerState)
    torch::Tensor rng;     // the CPU generator's state (cpuGeneratorState)
    // What the run was, so that a checkpoint is never resumed into another one.
    QStringList classes;
    QString architecture;
    qint64 splitId = 0;
    QVector<EpochReport> history;
    QJsonArray phases; // the card's record of finished phases (the cached head)
};

// Writes atomically (temporary file, then rename): a crash keeps the previous checkpoint.
void writeCheckpoint(const QString &path, const TrainingCheckpoint &checkpoint);
// The average's tensors go to `device`; the rest stays on the CPU. Throws WeightsError when unreadable.
TrainingCheckpoint readCheckpoint(const QString &path, torch::Device device);

std::string optimizerState(const torch::optim::Optimizer &optimizer);
void restoreOptimizerState(torch::optim::Optimizer &optimizer, const std::string &state);
torch::Tensor cpuGeneratorState();
void restoreCpuGeneratorState(const torch::Tensor &state);

} // namespace accession::ml
