#pragma once

// Torch-side header: include only from core/ml sources.

#include "network.h"
#include "networks_torch.h"
#include "tensorio_torch.h"

namespace accession {

struct Network::Impl
{
    Architecture architecture;
    int numClasses = 0;
    ml::ClassifierNet net;
    torch::Device device{torch::kCPU};
    bool inferenceOnly = false;
};

namespace ml {

torch::Device selectDevice();
// The file's tensors renamed to torchvision's names (timm MobileNetV2 mapped, wrappers stripped).
NamedTensors toTorchvisionNames(NamedTensors tensors, Architecture architecture);
// Copies tensors into the network; skipPrefix leaves those (the head) out of both sides of the check.
void assignTensors(ClassifierNetImpl &net, const NamedTensors &tensors, const QString &path, const std::string &skipPrefix);
NamedTensors stateDict(ClassifierNetImpl &net);
// A copy of every weight and buffer, detached from the network.
NamedTensors copyOfWeights(const NamedTensors &state);
// Whether every floating-point weight and buffer is a finite number: NaN weights are never checkpointed or saved.
bool allFinite(const NamedTensors &state);
torch::Tensor toTorch(const HostTensor &host);
HostTensor toHost(const torch::Tensor &tensor);

} // namespace ml
} // namespace accession
