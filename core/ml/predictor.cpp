#include "predictor.h"

#include "device.h"
#include "imagepipeline_torch.h"
#include "network_torch.h"
#include "trainedmodel.h"

#include <QHash>

namespace accession {

struct Predictor::Impl
{
    TrainedModel &model;
    int threads;
    int batchSize;
};

Predictor::Predictor(TrainedModel &model, int threads, int batchSize)
    : m_impl(std::make_unique<Impl>(Impl{model, threads, batchSize}))
{
}

Predictor::~Predictor() = default;

bool Predictor::run(const QVector<Example> &examples, const BatchHandler &onBatch, const FailureHandler &onFailure,
                    const std::function<bool()> &shouldStop)
{
    const int threads = configureComputeThreads(m_impl->threads);
    m_impl->model.network().prepareForInference();
    Network::Impl &network = *m_impl->model.network().impl();
    const Preprocessing preprocessing = m_impl->model.card().preprocessing;
    ml::DecodedImageCache cache(preprocessing.resizeSize(), 0);
    ml::BatchLoader loader(examples, cache, preprocessing, ml::Augmentation::CenterCrop, m_impl->batchSize,
                           std::max(1, std::min(4, threads)));
    QHash<QString, int> indexByPath;
    for (int i = 0; i < examples.size(); ++i)
        indexByPath.insert(examples[i].path, i);
    return ml::forEachCentreCropBatch(*network.net, network.device, loader, [&](const ml::Batch &batch, const torch::Tensor &logits) {
        for (const auto &[path, reason] : batch.failures)
            onFailure(indexByPath.value(path, -1), reason);
        if (logits.defined())
            onBatch(batch.examples, std::vector<float>(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel()));
    }, shouldStop);
}

} // namespace accession
