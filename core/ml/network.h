#pragma once

#include "architecture.h"
#include "hosttensor.h"

#include <QString>
#include <QStringList>

#include <map>
#include <memory>
#include <string>

namespace accession {

// One classifier network, created by architecture, with weights loaded from or saved to files.
class Network
{
public:
    // Fresh weights drawn from torchvision's initialisation, seeded.
    Network(Architecture architecture, int numClasses, quint64 seed = 0);
    ~Network();
    Network(const Network &) = delete;
    Network &operator=(const Network &) = delete;

    Architecture architecture() const;
    int numClasses() const;
    int featureSize() const; // length of the pooled backbone features the head reads

    // Every tensor of the network, the head included (a model file's feature bank, kFeatureBankTensor, is no
    // weight and is left out). Throws WeightsError naming missing, unexpected, mis-shaped or mis-typed (integer data
    // for a float parameter) tensors.
    void loadWeights(const QString &path);
    // The tensors of `path` whose names start with tensorPrefix (one member of an ensemble), the prefix removed.
    // Messages name `description` (the file and which member) instead of the bare path.
    void loadWeights(const QString &path, const std::string &tensorPrefix, const QString &description);
    // A pretrained backbone (torchvision or timm names); the file's classifier head is left out.
    void loadBackbone(const QString &path);
    // torchvision's names and order, so Python's load_state_dict reads it. Atomic.
    void saveWeights(const QString &path, const std::map<std::string, std::string> &metadata = {}) const;

    // Logits for a batch [N, 3, H, W] in eval mode.
    HostTensor logits(const HostTensor &input) const;
    // Makes the network faster for inference (batch norm folded into convolutions). Afterwards it can
    // still classify but no longer be trained or saved.
    void prepareForInference();
    bool isInferenceOnly() const;

    struct Impl;
    Impl *impl() const { return m_impl.get(); }

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace accession
