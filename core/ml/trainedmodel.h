#pragma once

#include "modelcard.h"
#include "network.h"

#include <memory>

namespace accession {

// A trained model as saved: weights (.safetensors) plus the model card beside them.
class TrainedModel
{
public:
    // Reads the card (checked field by field), loads the weights into the network and runs it once on a blank
    // input, which must give one finite score per class. Throws WeightsError naming the file and what is wrong.
    static std::unique_ptr<TrainedModel> load(const QString &path);

    const QString &path() const { return m_path; }
    const ModelCard &card() const { return m_card; }
    Network &network() { return *m_network; }

private:
    TrainedModel() = default;
    QString m_path;
    ModelCard m_card;
    std::unique_ptr<Network> m_network;
};

} // namespace accession
