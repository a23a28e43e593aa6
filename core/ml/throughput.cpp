#include "throughput.h"

#include "device.h"
#include "networks_torch.h"
#include "network_torch.h"

#include <chrono>

namespace accession {

namespace {

double timed(int warmup, int batches, int batchSize, const std::function<void()> &step)
{
    for (int i = 0; i < warmup; ++i)
        step();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < batches; ++i)
        step();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return double(batches) * batchSize / seconds;
}

} // namespace

double trainingCeiling(const CeilingRequest &request)
{
    configureComputeThreads(request.threads);
    const torch::Device device = ml::selectDevice();
    torch::manual_seed(1);
    ml::ClassifierNet net = ml::createNetwork(request.architecture, request.classes, request.imageSize);
    net->to(device);
    if (request.channelsLast)
        ml::useChannelsLast(*net);
    net->train();
    torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(1e-3));
    torch::Tensor input = torch::randn({request.batchSize, 3, request.imageSize, request.imageSize}).to(device);
    if (request.channelsLast)
        input = ml::channelsLastInput(input);
    const torch::Tensor labels = torch::randint(request.classes, {request.batchSize}, torch::kInt64).to(device);
    return timed(1, request.batches, request.batchSize, [&] {
        const torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(input), labels);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
    });
}

double inferenceCeiling(const CeilingRequest &request)
{
    configureComputeThreads(request.threads);
    const torch::Device device = ml::selectDevice();
    ml::ClassifierNet net = ml::createNetwork(request.architecture, request.classes, request.imageSize);
    net->to(device);
    net->eval();
    if (request.foldBatchNorm)
        net->foldBatchNorm();
    if (request.channelsLast)
        ml::useChannelsLast(*net);
    torch::NoGradGuard noGrad;
    torch::Tensor input = torch::randn({request.batchSize, 3, request.imageSize, request.imageSize}).to(device);
    if (request.channelsLast)
        input = ml::channelsLastInput(input);
    return timed(1, request.batches, request.batchSize, [&] { net->forward(input); });
}

} // namespace accession
