#pragma once

// Torch-side header: include only from core/ml sources.

#include "network_torch.h"
#include "weightaverage.h"

namespace accession::ml {

// The exponential moving average of a network's weights within one phase (TrainingOptions::averagingEpochs):
// parameters and batch-norm statistics averaged, counters copied.
struct WeightAverage
{
    NamedTensors weights; // empty when not averaging
    qint64 updates = 0;

    bool isEmpty() const { return weights.names.empty(); }
    // Starts from the network's current weights.
    void start(ClassifierNetImpl &net);
    void clear();
    // Folds in the network's weights after one optimizer step; horizonSteps as weightAverageDecay takes it.
    void update(ClassifierNetImpl &net, double horizonSteps);
};

// Puts the averaged weights into the network for as long as it lives, then the trained ones back.
class AveragedWeightsInPlace
{
public:
    AveragedWeightsInPlace(ClassifierNetImpl &net, const NamedTensors &average);
    ~AveragedWeightsInPlace();
    AveragedWeightsInPlace(const AveragedWeightsInPlace &) = delete;
    AveragedWeightsInPlace &operator=(const AveragedWeightsInPlace &) = delete;

private:
    NamedTensors m_live;
    NamedTensors m_trained;
};

} // namespace accession::ml
