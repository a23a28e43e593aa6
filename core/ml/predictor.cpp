#include "predictor.h"

#include "device.h"
#include "imagepipeline_torch.h"
#include "network_torch.h"
#include "trainedmodel.h"

#include <QHash>
#include <QSet>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <tuple>

namespace accession {

namespace {

// log of the mean over the views of softmax(logits / temperature), one row per image: averaged probabilities,
// kept as logarithms so that nothing underflows to log(0).
// features: when given, set to the first (plain) view's L2-normalised pooled features.
torch::Tensor meanLogProbabilities(ml::ClassifierNetImpl &net, torch::Device device, const torch::Tensor &images,
                                   TestTimeAugmentation views, double temperature, torch::Tensor *features = nullptr)
{
    std::vector<torch::Tensor> inputs{images};
    if (views != TestTimeAugmentation::None)
        inputs.push_back(images.flip({3}));
    if (views == TestTimeAugmentation::FlipScales) {
        const int64_t larger = testTimeLargerSize(int(images.size(3)));
        namespace F = torch::nn::functional;
        const torch::Tensor enlarged = F::interpolate(images, F::InterpolateFuncOptions()
                                                                  .size(std::vector<int64_t>{larger, larger})
                                                                  .mode(torch::kBilinear)
                                                                  .align_corners(false));
        inputs.push_back(enlarged);
        inputs.push_back(enlarged.flip({3}));
    }
    std::vector<torch::Tensor> logProbabilities;
    for (const torch::Tensor &input : inputs) {
        torch::Tensor logits;
        if (features && logProbabilities.empty())
            std::tie(logits, *features) = ml::logitsAndNormalisedFeatures(net, device, input.contiguous());
        else
            logits = net.forward(ml::channelsLastInput(input.contiguous().to(device))).to(torch::kCPU).to(torch::kFloat32);
        logProbabilities.push_back(torch::log_softmax(logits / temperature, 1));
    }
    if (logProbabilities.size() == 1)
        return logProbabilities.front();
    return torch::logsumexp(torch::stack(logProbabilities), 0) - std::log(double(logProbabilities.size()));
}

} // namespace

struct Predictor::Impl
{
    TrainedModel &model;
    int threads;
    int batchSize;
    std::optional<TestTimeAugmentation> views;
};

Predictor::Predictor(TrainedModel &model, int threads, int batchSize, std::optional<TestTimeAugmentation> views)
    : m_impl(std::make_unique<Impl>(Impl{model, threads, batchSize, views}))
{
}

Predictor::~Predictor() = default;

bool Predictor::run(const QVector<Example> &examples, const BatchHandler &onBatch, const FailureHandler &onFailure,
                    const std::function<bool()> &shouldStop)
{
    return pass(examples, false, [&](const std::vector<int> &indices, const std::vector<float> &logits, const std::vector<float> &) {
        onBatch(indices, logits);
    }, onFailure, shouldStop);
}

bool Predictor::runWithFeatures(const QVector<Example> &examples, const FeatureBatchHandler &onBatch, const FailureHandler &onFailure,
                                const std::function<bool()> &shouldStop)
{
    if (m_impl->model.card().isEnsemble())
        throw std::logic_error("an ensemble's members have no common features to compare");
    return pass(examples, true, onBatch, onFailure, shouldStop);
}

bool Predictor::pass(const QVector<Example> &examples, bool withFeatures, const FeatureBatchHandler &onBatch,
                     const FailureHandler &onFailure, const std::function<bool()> &shouldStop)
{
    const auto values = [](const torch::Tensor &tensor) {
        return tensor.defined() ? std::vector<float>(tensor.data_ptr<float>(), tensor.data_ptr<float>() + tensor.numel()) : std::vector<float>();
    };
    const int threads = configureComputeThreads(m_impl->threads);
    const int workers = std::max(1, std::min(4, threads));
    TrainedModel &model = m_impl->model;
    const ModelCard &card = model.card();
    const TestTimeAugmentation views = m_impl->views.value_or(card.testTimeAugmentation);
    QHash<QString, int> indexByPath;
    for (int i = 0; i < examples.size(); ++i)
        indexByPath.insert(examples[i].path, i);

    if (!card.isEnsemble() && views == TestTimeAugmentation::None) {
        // One network, one view: its logits, through the path training's validation also takes.
        model.network().prepareForInference();
        Network::Impl &network = *model.network().impl();
        const Preprocessing preprocessing = card.preprocessing;
        ml::DecodedImageCache cache(preprocessing.resizeSize(), 0);
        ml::BatchLoader loader(examples, cache, preprocessing, ml::Augmentation::CenterCrop, m_impl->batchSize, workers);
        const auto handle = [&](const ml::Batch &batch, const torch::Tensor &logits, const torch::Tensor &features) {
            for (const auto &[path, reason] : batch.failures)
                onFailure(indexByPath.value(path, -1), reason);
            if (logits.defined())
                onBatch(batch.examples, values(logits), values(features));
        };
        if (withFeatures)
            return ml::forEachCentreCropBatchWithFeatures(*network.net, network.device, loader, handle, shouldStop);
        return ml::forEachCentreCropBatch(*network.net, network.device, loader, [&](const ml::Batch &batch, const torch::Tensor &logits) {
            handle(batch, logits, torch::Tensor());
        }, shouldStop);
    }

    // Each network reads the photographs at its own size, in the same order and batches, so that batch i of every
    // member holds the same images (less those one of them could not read).
    struct Pass
    {
        Network::Impl *network = nullptr;
        double temperature = 1.0;
        std::unique_ptr<ml::DecodedImageCache> cache;
        std::unique_ptr<ml::BatchLoader> loader;
    };
    std::vector<Pass> passes;
    std::vector<int> order(size_t(examples.size()));
    std::iota(order.begin(), order.end(), 0);
    for (TrainedModel::Member &member : model.members()) {
        member.network->prepareForInference();
        Pass pass;
        pass.network = member.network->impl();
        pass.network->net->eval();
        pass.temperature = member.temperature;
        pass.cache = std::make_unique<ml::DecodedImageCache>(member.preprocessing.resizeSize(), 0);
        pass.loader = std::make_unique<ml::BatchLoader>(examples, *pass.cache, member.preprocessing, ml::Augmentation::CenterCrop,
                                                         m_impl->batchSize, workers);
        pass.loader->start(order, 0);
        passes.push_back(std::move(pass));
    }
    torch::NoGradGuard noGrad;
    std::vector<ml::Batch> batches(passes.size());
    for (;;) {
        bool more = false;
        for (size_t m = 0; m < passes.size(); ++m)
            more = passes[m].loader->next(batches[m]) || more;
        if (!more)
            break;
        QSet<int> failed;
        for (const ml::Batch &batch : batches) {
            for (const auto &[path, reason] : batch.failures) {
                const int index = indexByPath.value(path, -1);
                if (!failed.contains(index))
                    onFailure(index, reason);
                failed.insert(index);
            }
        }
        std::vector<int> kept;
        for (int index : batches.front().examples) {
            if (!failed.contains(index))
                kept.push_back(index);
        }
        if (!kept.empty()) {
            std::vector<torch::Tensor> memberLogProbabilities;
            torch::Tensor features; // the first network's (a single network's), when asked for
            for (size_t m = 0; m < passes.size(); ++m) {
                QHash<int, int64_t> rowOf;
                for (size_t row = 0; row < batches[m].examples.size(); ++row)
                    rowOf.insert(batches[m].examples[row], int64_t(row));
                std::vector<int64_t> rows;
                for (int index : kept)
                    rows.push_back(rowOf.value(index, -1));
                if (std::find(rows.begin(), rows.end(), -1) != rows.end())
                    throw std::runtime_error("the ensemble's members read different batches of images"); // never: same order, same batches
                const torch::Tensor images = batches[m].images.index_select(0, torch::tensor(rows, torch::kInt64));
                memberLogProbabilities.push_back(meanLogProbabilities(*passes[m].network->net, passes[m].network->device, images,
                                                                      views, passes[m].temperature,
                                                                      withFeatures && m == 0 ? &features : nullptr));
            }
            torch::Tensor scores = memberLogProbabilities.size() == 1
                ? memberLogProbabilities.front()
                : torch::logsumexp(torch::stack(memberLogProbabilities), 0) - std::log(double(memberLogProbabilities.size()));
            if (!card.isEnsemble())
                scores = scores * card.temperature; // softmax at the card's temperature gives back the mean
            scores = scores.contiguous();
            onBatch(kept, values(scores), values(features));
        }
        if (shouldStop && shouldStop())
            return false;
    }
    return true;
}

} // namespace accession
