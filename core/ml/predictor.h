#pragma once

#include "datasplit.h"

#include <functional>
#include <memory>
#include <vector>

namespace accession {

class TrainedModel;

// Runs a trained model over images in batches, decoding on worker threads while the network computes.
class Predictor
{
public:
    Predictor(TrainedModel &model, int threads = 0, int batchSize = 32);
    ~Predictor();

    using BatchHandler = std::function<void(const std::vector<int> &exampleIndices, const std::vector<float> &logits)>;
    using FailureHandler = std::function<void(int exampleIndex, const QString &reason)>;
    // Logits rows are [indices.size() x classes], row-major. Returns false if stopped by shouldStop.
    bool run(const QVector<Example> &examples, const BatchHandler &onBatch, const FailureHandler &onFailure,
             const std::function<bool()> &shouldStop = {});

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace accession
