#pragma once

// Torch-side header: include only from core/ml sources (they get <torch/torch.h> from the precompiled header).

#include "architecture.h"

#include <torch/torch.h>

#include <memory>
#include <string>

namespace accession::ml {

// A classifier split into a backbone (images to pooled features) and a linear head (features to logits).
struct ClassifierNetImpl : torch::nn::Module
{
    virtual torch::Tensor features(torch::Tensor x) = 0;
    virtual torch::nn::Linear &head() = 0;
    // Prefix of the head's tensors in torchvision's names ("fc", "classifier.1").
    virtual std::string headName() const = 0;
    virtual int featureSize() const = 0;
    // For inference only: folds batch norm into the convolutions (same function, one pass less per layer).
    // The network then no longer has torchvision's tensors and must not be trained or saved.
    virtual void foldBatchNorm() {}

    // The head applied to pooled features, with the dropout that precedes it while training.
    virtual torch::Tensor classify(torch::Tensor pooled) { return head()->forward(pooled); }
    torch::Tensor forward(torch::Tensor x) { return classify(features(std::move(x))); }
    // Replaces the head by a fresh one for a new set of classes.
    void resetHead(int numClasses);
};

using ClassifierNet = std::shared_ptr<ClassifierNetImpl>;

ClassifierNet createNetwork(Architecture architecture, int numClasses, int inputSize);

// Stores 4-D weights channels-last: oneDNN's faster layout on CPUs (MobileNetV2 trains about 45% faster,
// ResNets no slower, measured in bench/). Inputs must then be channels-last too (see channelsLastInput).
void useChannelsLast(torch::nn::Module &module);
torch::Tensor channelsLastInput(const torch::Tensor &images);

// Puts every BatchNorm layer in eval mode (statistics frozen) or back to the module's mode.
void setBatchNormFrozen(torch::nn::Module &module, bool frozen);

} // namespace accession::ml
