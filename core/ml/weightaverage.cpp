#include "weightaverage_torch.h"

#include <algorithm>

namespace accession {

double weightAverageDecay(qint64 updatesDone, double horizonSteps)
{
    const double warm = horizonSteps > 1 ? 1.0 - 1.0 / horizonSteps : 0.0;
    const double warmingUp = (1.0 + double(updatesDone)) / (10.0 + double(updatesDone));
    return std::max(0.0, std::min(warm, warmingUp));
}

namespace ml {

void WeightAverage::start(ClassifierNetImpl &net)
{
    weights = copyOfWeights(stateDict(net));
    updates = 0;
}

void WeightAverage::clear()
{
    weights = NamedTensors();
}

void WeightAverage::update(ClassifierNetImpl &net, double horizonSteps)
{
    torch::NoGradGuard noGrad;
    const double decay = weightAverageDecay(updates++, horizonSteps);
    const NamedTensors current = stateDict(net);
    for (const std::string &name : current.names) {
        torch::Tensor &averaged = weights.tensors.at(name);
        const torch::Tensor &live = current.tensors.at(name);
        if (averaged.is_floating_point())
            averaged.mul_(decay).add_(live, 1.0 - decay);
        else
            averaged.copy_(live); // counters such as num_batches_tracked
    }
}

AveragedWeightsInPlace::AveragedWeightsInPlace(ClassifierNetImpl &net, const NamedTensors &average)
    : m_live(stateDict(net))
    , m_trained(copyOfWeights(m_live))
{
    torch::NoGradGuard noGrad;
    for (const std::string &name : m_live.names)
        m_live.tensors.at(name).copy_(average.tensors.at(name));
}

AveragedWeightsInPlace::~AveragedWeightsInPlace()
{
    torch::NoGradGuard noGrad;
    for (const std::string &name : m_live.names)
        m_live.tensors.at(name).copy_(m_trained.tensors.at(name));
}

} // namespace ml
} // namespace accession
