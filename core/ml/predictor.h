#pragma once

#include "datasplit.h"
#include "testtimeaugmentation.h"

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace accession {

class TrainedModel;

// Runs a trained model over images in batches, decoding on worker threads while the network computes. With
// test-time views or an ensemble, it averages the calibrated probabilities of every view of every network.
class Predictor
{
public:
    // views: the model card's test-time augmentation unless given (evaluate --tta measures without the card).
    Predictor(TrainedModel &model, int threads = 0, int batchSize = 32,
              std::optional<TestTimeAugmentation> views = std::nullopt);
    ~Predictor();

    using BatchHandler = std::function<void(const std::vector<int> &exampleIndices, const std::vector<float> &logits)>;
    using FailureHandler = std::function<void(int exampleIndex, const QString &reason)>;
    // Logits rows are [indices.size() x classes], row-major: scores whose softmax at the card's temperature is the
    // model's calibrated prediction. One network without views: its logits. Otherwise T * log(mean of the views'
    // calibrated probabilities) for one network of temperature T, and log(mean of the members' calibrated
    // probabilities) for an ensemble, whose card's temperature calibrates the mean. Returns false if stopped.
    bool run(const QVector<Example> &examples, const BatchHandler &onBatch, const FailureHandler &onFailure,
             const std::function<bool()> &shouldStop = {});

    using FeatureBatchHandler = std::function<void(const std::vector<int> &exampleIndices, const std::vector<float> &logits,
                                                   const std::vector<float> &features)>;
    // The same, with each image's pooled backbone features, L2-normalised, as rows [indices.size() x feature size]:
    // with test-time views, those of the first (plain) view. A single network only (throws std::logic_error for an
    // ensemble, whose members' features are not comparable).
    bool runWithFeatures(const QVector<Example> &examples, const FeatureBatchHandler &onBatch, const FailureHandler &onFailure,
                         const std::function<bool()> &shouldStop = {});

private:
    bool pass(const QVector<Example> &examples, bool withFeatures, const FeatureBatchHandler &onBatch,
              const FailureHandler &onFailure, const std::function<bool()> &shouldStop);
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace accession
