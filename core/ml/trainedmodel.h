#pragma once

#include "modelcard.h"
#include "network.h"

#include <memory>
#include <vector>

namespace accession {

// A trained model as saved: weights (.safetensors) plus the model card beside them. An ensemble's file holds
// several networks, each with its own input and calibration; a single model is an ensemble of one.
class TrainedModel
{
public:
    struct Member
    {
        std::unique_ptr<Network> network;
        Preprocessing preprocessing;
        double temperature = 1.0; // applied to this network's logits before averaging
    };

    // Reads the card (checked field by field), loads the weights into the network(s) and runs each once on a blank
    // input, which must give one finite score per class. A card scoring knn_energy needs the file's feature bank
    // (kFeatureBankTensor). Throws WeightsError naming the file and what is wrong.
    static std::unique_ptr<TrainedModel> load(const QString &path);

    const QString &path() const { return m_path; }
    const ModelCard &card() const { return m_card; }
    Network &network() { return *m_members.front().network; } // the first (a single model's only) network
    std::vector<Member> &members() { return m_members; }
    // The training photographs' L2-normalised features [rows x feature size] for the knn_energy score; empty
    // unless the card asks for it (then load() has checked its shape and rows).
    const HostTensor &featureBank() const { return m_featureBank; }

private:
    TrainedModel() = default;
    QString m_path;
    ModelCard m_card;
    std::vector<Member> m_members;
    HostTensor m_featureBank;
};

} // namespace accession
