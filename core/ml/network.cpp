#include "network_torch.h"

#include "device.h"
#include "modelcard.h"
#include "weightserror.h"

#include <QRegularExpression>
#include <QThread>

#include <opencv2/core.hpp>

#include <algorithm>
#include <malloc.h>
#include <mutex>
#include <set>

namespace accession {

int configureComputeThreads(int threads)
{
    // A batch's activations run to hundreds of MB, above glibc's mmap threshold: every forward pass mapped
    // fresh pages and faulted them in, and trimming gave them back (MobileNetV2's forward at 224 px: 43 ->
    // 68 images/s on two cores when freed blocks are kept for reuse). The heap then stays at its peak.
    static std::once_flag heap;
    std::call_once(heap, [] {
        mallopt(M_MMAP_THRESHOLD, 1 << 30);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
    });
    const int count = threads > 0 ? threads : std::max(1, QThread::idealThreadCount());
    torch::set_num_threads(count);
    static std::once_flag interOp;
    std::call_once(interOp, [count] {
        try {
            at::set_num_interop_threads(count);
        } catch (const c10::Error &) {
            // Already fixed by earlier parallel work; intra-op threads are what matter here.
        }
    });
    cv::setNumThreads(0); // images are decoded and resized one per loader thread; no nested parallelism
    return count;
}

QString computeDeviceName()
{
    return QString::fromStdString(ml::selectDevice().str());
}

namespace ml {

torch::Device selectDevice()
{
    const QByteArray forced = qgetenv("ACCESSION_DEVICE");
    if (forced == "cpu")
        return torch::kCPU;
    if (torch::cuda::is_available())
        return torch::Device(torch::kCUDA, 0);
    return torch::kCPU;
}

torch::Tensor toTorch(const HostTensor &host)
{
    return torch::from_blob(const_cast<float *>(host.values.data()), host.shape, torch::kFloat32).clone();
}

HostTensor toHost(const torch::Tensor &tensor)
{
    const torch::Tensor cpu = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    HostTensor host;
    host.shape.assign(cpu.sizes().begin(), cpu.sizes().end());
    host.values.assign(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
    return host;
}

namespace {

bool allStartWith(const NamedTensors &tensors, const std::string &prefix)
{
    return !tensors.names.empty()
        && std::all_of(tensors.names.begin(), tensors.names.end(), [&](const std::string &n) { return n.rfind(prefix, 0) == 0; });
}

NamedTensors renamed(const NamedTensors &tensors, const std::function<std::string(const std::string &)> &rename)
{
    NamedTensors out;
    out.metadata = tensors.metadata;
    for (const std::string &name : tensors.names)
        out.add(rename(name), tensors.tensors.at(name));
    return out;
}

// timm's mobilenetv2_100 names to torchvision's mobilenet_v2 names.
std::string timmMobileNetV2Name(const std::string &name)
{
    static const QRegularExpression block(QStringLiteral("^blocks\\.(\\d+)\\.(\\d+)\\.(\\w+)\\.(.+)$"));
    static const int stageStart[] = {1, 2, 4, 7, 11, 14, 17};
    const QString qname = QString::fromStdString(name);
    const auto replacePrefix = [&](const char *from, const char *to) {
        return std::string(to) + name.substr(std::strlen(from));
    };
    if (name.rfind("conv_stem.", 0) == 0)
        return replacePrefix("conv_stem.", "features.0.0.");
    if (name.rfind("bn1.", 0) == 0)
        return replacePrefix("bn1.", "features.0.1.");
    if (name.rfind("conv_head.", 0) == 0)
        return replacePrefix("conv_head.", "features.18.0.");
    if (name.rfind("bn2.", 0) == 0)
        return replacePrefix("bn2.", "features.18.1.");
    if (name.rfind("classifier.", 0) == 0)
        return replacePrefix("classifier.", "classifier.1.");
    const QRegularExpressionMatch match = block.match(qname);
    if (!match.hasMatch())
        return name;
    const int stage = match.captured(1).toInt();
    if (stage < 0 || stage > 6)
        return name;
    const int index = stageStart[stage] + match.captured(2).toInt();
    const QString part = match.captured(3);
    const std::string rest = match.captured(4).toStdString();
    const std::string base = "features." + std::to_string(index) + ".conv.";
    if (stage == 0) { // depthwise-separable first block: dw, bn, pw, bn
        if (part == QLatin1String("conv_dw")) return base + "0.0." + rest;
        if (part == QLatin1String("bn1")) return base + "0.1." + rest;
        if (part == QLatin1String("conv_pw")) return base + "1." + rest;
        if (part == QLatin1String("bn2")) return base + "2." + rest;
        return name;
    }
    if (part == QLatin1String("conv_pw")) return base + "0.0." + rest;
    if (part == QLatin1String("bn1")) return base + "0.1." + rest;
    if (part == QLatin1String("conv_dw")) return base + "1.0." + rest;
    if (part == QLatin1String("bn2")) return base + "1.1." + rest;
    if (part == QLatin1String("conv_pwl")) return base + "2." + rest;
    if (part == QLatin1String("bn3")) return base + "3." + rest;
    return name;
}

QString shapeText(at::IntArrayRef sizes)
{
    QStringList parts;
    for (int64_t size : sizes)
        parts << QString::number(size);
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

QString listSome(const std::vector<std::string> &names)
{
    QStringList shown;
    for (size_t i = 0; i < names.size() && i < 8; ++i)
        shown << QString::fromStdString(names[i]);
    QString text = shown.join(QStringLiteral(", "));
    if (names.size() > 8)
        text += QStringLiteral(" and %1 more").arg(names.size() - 8);
    return text;
}

// Integers where the network has floats (or the reverse) are not weights: float data labelled I32 would
// otherwise be converted value by value into nonsense. Float precisions convert freely, and a float batch
// count (some converters write one) is harmless.
bool typeFits(torch::ScalarType stored, torch::ScalarType wanted, const std::string &name)
{
    if (c10::isFloatingType(stored) == c10::isFloatingType(wanted))
        return true;
    const std::string batches = "num_batches_tracked";
    return name.size() >= batches.size() && name.compare(name.size() - batches.size(), batches.size(), batches) == 0;
}

} // namespace

NamedTensors toTorchvisionNames(NamedTensors tensors, Architecture architecture)
{
    for (const char *wrapper : {"module.", "model.", "_orig_mod."}) {
        if (allStartWith(tensors, wrapper)) {
            const size_t length = std::strlen(wrapper);
            tensors = renamed(tensors, [length](const std::string &n) { return n.substr(length); });
        }
    }
    if (architecture == Architecture::MobileNetV2 && tensors.tensors.count("conv_stem.weight"))
        tensors = renamed(tensors, timmMobileNetV2Name);
    return tensors;
}

NamedTensors stateDict(ClassifierNetImpl &net)
{
    NamedTensors state;
    for (const auto &item : net.named_modules("", /*include_self=*/true)) {
        const std::string prefix = item.key().empty() ? std::string() : item.key() + ".";
        for (const auto &parameter : item.value()->named_parameters(/*recurse=*/false))
            state.add(prefix + parameter.key(), parameter.value());
        for (const auto &buffer : item.value()->named_buffers(/*recurse=*/false))
            state.add(prefix + buffer.key(), buffer.value());
    }
    return state;
}

NamedTensors copyOfWeights(const NamedTensors &state)
{
    NamedTensors copy;
    for (const std::string &name : state.names)
        copy.add(name, state.tensors.at(name).detach().clone());
    return copy;
}

bool allFinite(const NamedTensors &state)
{
    for (const std::string &name : state.names) {
        const torch::Tensor &tensor = state.tensors.at(name);
        if (tensor.is_floating_point() && !torch::isfinite(tensor).all().item<bool>())
            return false;
    }
    return true;
}

void assignTensors(ClassifierNetImpl &net, const NamedTensors &tensors, const QString &path, const std::string &skipPrefix)
{
    const NamedTensors expected = stateDict(net);
    const auto skipped = [&](const std::string &name) { return !skipPrefix.empty() && name.rfind(skipPrefix, 0) == 0; };
    std::vector<std::string> missing;
    std::vector<std::string> misShaped;
    std::vector<std::string> misTyped;
    for (const std::string &name : expected.names) {
        if (skipped(name))
            continue;
        const auto found = tensors.tensors.find(name);
        if (found == tensors.tensors.end())
            missing.push_back(name);
        else if (found->second.sizes() != expected.tensors.at(name).sizes())
            misShaped.push_back(name + " " + shapeText(found->second.sizes()).toStdString() + " where the network has "
                                + shapeText(expected.tensors.at(name).sizes()).toStdString());
        else if (!typeFits(found->second.scalar_type(), expected.tensors.at(name).scalar_type(), name))
            misTyped.push_back(name + " " + c10::toString(found->second.scalar_type()) + " where the network has "
                               + c10::toString(expected.tensors.at(name).scalar_type()));
    }
    std::vector<std::string> unexpected;
    for (const std::string &name : tensors.names) {
        if (!skipped(name) && !expected.tensors.count(name))
            unexpected.push_back(name);
    }
    QStringList problems;
    if (!missing.empty())
        problems << QStringLiteral("missing tensors: %1").arg(listSome(missing));
    if (!unexpected.empty())
        problems << QStringLiteral("unexpected tensors: %1").arg(listSome(unexpected));
    if (!misShaped.empty())
        problems << QStringLiteral("mis-shaped tensors: %1").arg(listSome(misShaped));
    if (!misTyped.empty())
        problems << QStringLiteral("mis-typed tensors: %1").arg(listSome(misTyped));
    if (!problems.isEmpty())
        throw WeightsError(QStringLiteral("%1 does not fit this network: %2").arg(path, problems.join(QStringLiteral("; "))));

    torch::NoGradGuard noGrad;
    for (const std::string &name : expected.names) {
        if (skipped(name))
            continue;
        torch::Tensor target = expected.tensors.at(name);
        target.copy_(tensors.tensors.at(name).to(target.scalar_type()));
    }
}

} // namespace ml

Network::Network(Architecture architecture, int numClasses, quint64 seed)
    : m_impl(std::make_unique<Impl>())
{
    if (numClasses < 1)
        throw WeightsError(QStringLiteral("a network needs at least one class"));
    torch::manual_seed(seed);
    m_impl->architecture = architecture;
    m_impl->numClasses = numClasses;
    m_impl->net = ml::createNetwork(architecture, numClasses, defaultInputSize(architecture));
    m_impl->device = ml::selectDevice();
    m_impl->net->to(m_impl->device);
    ml::useChannelsLast(*m_impl->net);
}

Network::~Network() = default;

Architecture Network::architecture() const
{
    return m_impl->architecture;
}

int Network::numClasses() const
{
    return m_impl->numClasses;
}

int Network::featureSize() const
{
    return m_impl->net->featureSize();
}

void Network::loadWeights(const QString &path)
{
    if (m_impl->inferenceOnly)
        throw WeightsError(QStringLiteral("%1: cannot load into a network prepared for inference").arg(path));
    const ml::NamedTensors tensors = ml::toTorchvisionNames(ml::readNetworkTensors(path), m_impl->architecture);
    ml::assignTensors(*m_impl->net, tensors, path, std::string());
}

void Network::loadWeights(const QString &path, const std::string &tensorPrefix, const QString &description)
{
    if (m_impl->inferenceOnly)
        throw WeightsError(QStringLiteral("%1: cannot load into a network prepared for inference").arg(description));
    const ml::NamedTensors file = ml::readWeightsFile(path);
    ml::NamedTensors member;
    for (const std::string &name : file.names) {
        if (name.rfind(tensorPrefix, 0) == 0)
            member.add(name.substr(tensorPrefix.size()), file.tensors.at(name));
    }
    if (member.names.empty())
        throw WeightsError(QStringLiteral("%1 holds no tensors named %2*").arg(description, QString::fromStdString(tensorPrefix)));
    ml::assignTensors(*m_impl->net, member, description, std::string());
}

void Network::loadBackbone(const QString &path)
{
    const ml::NamedTensors tensors = ml::toTorchvisionNames(ml::readNetworkTensors(path), m_impl->architecture);
    ml::assignTensors(*m_impl->net, tensors, path, m_impl->net->headName() + ".");
}

void Network::prepareForInference()
{
    if (m_impl->inferenceOnly)
        return;
    m_impl->net->eval();
    m_impl->net->foldBatchNorm();
    ml::useChannelsLast(*m_impl->net); // folded biases are new parameters; weights keep their layout
    m_impl->inferenceOnly = true;
}

bool Network::isInferenceOnly() const
{
    return m_impl->inferenceOnly;
}

void Network::saveWeights(const QString &path, const std::map<std::string, std::string> &metadata) const
{
    if (m_impl->inferenceOnly)
        throw WeightsError(QStringLiteral("%1: a network prepared for inference cannot be saved").arg(path));
    ml::NamedTensors state = ml::stateDict(*m_impl->net);
    state.metadata = metadata;
    ml::writeSafetensors(path, state);
}

HostTensor Network::logits(const HostTensor &input) const
{
    torch::NoGradGuard noGrad;
    m_impl->net->eval();
    return ml::toHost(m_impl->net->forward(ml::channelsLastInput(ml::toTorch(input).to(m_impl->device))));
}

QMap<QString, HostTensor> readTensorFile(const QString &path)
{
    const ml::NamedTensors tensors = ml::readWeightsFile(path);
    QMap<QString, HostTensor> result;
    for (const std::string &name : tensors.names)
        result.insert(QString::fromStdString(name), ml::toHost(tensors.tensors.at(name)));
    return result;
}

} // namespace accession
