#include "networks_torch.h"

namespace accession {

QString architectureName(Architecture architecture)
{
    switch (architecture) {
    case Architecture::Baseline: return QStringLiteral("baseline");
    case Architecture::ResNet18: return QStringLiteral("resnet18");
    case Architecture::ResNet50: return QStringLiteral("resnet50");
    case Architecture::MobileNetV2: return QStringLiteral("mobilenet_v2");
    }
    return QString();
}

std::optional<Architecture> architectureFromName(const QString &name)
{
    for (Architecture architecture :
         {Architecture::Baseline, Architecture::ResNet18, Architecture::ResNet50, Architecture::MobileNetV2}) {
        if (architectureName(architecture) == name.trimmed().toLower())
            return architecture;
    }
    return std::nullopt;
}

QStringList architectureNames()
{
    return {QStringLiteral("baseline"), QStringLiteral("resnet18"), QStringLiteral("resnet50"), QStringLiteral("mobilenet_v2")};
}

int defaultInputSize(Architecture architecture)
{
    return architecture == Architecture::Baseline ? 64 : 224;
}

namespace ml {

namespace nn = torch::nn;

namespace {

nn::Conv2d conv(int in, int out, int kernel, int stride = 1, int groups = 1, bool bias = false)
{
    return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding((kernel - 1) / 2).groups(groups).bias(bias));
}

// The original study's network: three convolutions, two max-pools, four fully connected layers.
// The adaptive pool keeps the head's size fixed for any input size (a no-op at the study's 32 px).
struct BaselineNetImpl : ClassifierNetImpl
{
    BaselineNetImpl(int numClasses)
    {
        conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(3, 32, 3).padding(1)));
        conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1)));
        conv3 = register_module("conv3", nn::Conv2d(nn::Conv2dOptions(64, 128, 3).padding(1)));
        fc1 = register_module("fc1", nn::Linear(128 * 8 * 8, 256));
        fc2 = register_module("fc2", nn::Linear(256, 128));
        fc3 = register_module("fc3", nn::Linear(128, 64));
        fc4 = register_module("fc4", nn::Linear(64, numClasses));
        dropout = register_module("dropout", nn::Dropout(0.3));
    }
    torch::Tensor features(torch::Tensor x) override
    {
        x = torch::max_pool2d(torch::relu(conv1(x)), 2);
        x = torch::max_pool2d(torch::relu(conv2(x)), 2);
        x = torch::adaptive_avg_pool2d(torch::relu(conv3(x)), {8, 8}).flatten(1);
        x = dropout(torch::relu(fc1(x)));
        x = torch::relu(fc2(x));
        return torch::relu(fc3(x));
    }
    nn::Linear &head() override { return fc4; }
    std::string headName() const override { return "fc4"; }
    int featureSize() const override { return 64; }

    nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr}, fc4{nullptr};
    nn::Dropout dropout{nullptr};
};

// Folds an eval-mode BatchNorm into the convolution before it: w' = w * g / sqrt(v + e), b' = b - m * g / sqrt(v + e).
void foldInto(nn::Conv2dImpl &conv, nn::BatchNorm2dImpl &bn)
{
    torch::NoGradGuard noGrad;
    const torch::Tensor scale = bn.weight / torch::sqrt(bn.running_var + bn.options.eps());
    conv.weight.mul_(scale.reshape({-1, 1, 1, 1}));
    torch::Tensor bias = bn.bias - bn.running_mean * scale;
    if (conv.bias.defined())
        bias = bias + conv.bias * scale;
    if (conv.bias.defined())
        conv.bias.copy_(bias);
    else
        conv.bias = bias; // forward() reads the member; the undefined "bias" stays registered, unused
}

void foldInto(nn::Conv2d &conv, nn::BatchNorm2d &bn)
{
    foldInto(*conv, *bn);
}

struct BasicBlockImpl : nn::Module
{
    static constexpr int kExpansion = 1;
    BasicBlockImpl(int inplanes, int planes, int stride)
    {
        conv1 = register_module("conv1", conv(inplanes, planes, 3, stride));
        bn1 = register_module("bn1", nn::BatchNorm2d(planes));
        conv2 = register_module("conv2", conv(planes, planes, 3));
        bn2 = register_module("bn2", nn::BatchNorm2d(planes));
        if (stride != 1 || inplanes != planes * kExpansion) {
            downsample = register_module("downsample", nn::Sequential(conv(inplanes, planes * kExpansion, 1, stride),
                                                                      nn::BatchNorm2d(planes * kExpansion)));
        }
    }
    torch::Tensor forward(torch::Tensor x)
    {
        torch::Tensor out = torch::relu(normed(bn1, conv1(x)));
        out = normed(bn2, conv2(out));
        out += downsample ? shortcut(x) : x;
        return torch::relu(out);
    }
    torch::Tensor normed(nn::BatchNorm2d &bn, torch::Tensor x) { return folded ? x : bn(x); }
    torch::Tensor shortcut(const torch::Tensor &x)
    {
        torch::Tensor y = downsample[0]->as<nn::Conv2d>()->forward(x);
        return folded ? y : downsample[1]->as<nn::BatchNorm2d>()->forward(y);
    }
    void fold()
    {
        foldInto(conv1, bn1);
        foldInto(conv2, bn2);
        if (downsample)
            foldInto(*downsample[0]->as<nn::Conv2d>(), *downsample[1]->as<nn::BatchNorm2d>());
        folded = true;
    }
    nn::Conv2d conv1{nullptr}, conv2{nullptr};
    nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
    nn::Sequential downsample{nullptr};
    bool folded = false;
};
TORCH_MODULE(BasicBlock);

struct BottleneckImpl : nn::Module
{
    static constexpr int kExpansion = 4;
    BottleneckImpl(int inplanes, int planes, int stride)
    {
        conv1 = register_module("conv1", conv(inplanes, planes, 1));
        bn1 = register_module("bn1", nn::BatchNorm2d(planes));
        conv2 = register_module("conv2", conv(planes, planes, 3, stride));
        bn2 = register_module("bn2", nn::BatchNorm2d(planes));
        conv3 = register_module("conv3", conv(planes, planes * kExpansion, 1));
        bn3 = register_module("bn3", nn::BatchNorm2d(planes * kExpansion));
        if (stride != 1 || inplanes != planes * kExpansion) {
            downsample = register_module("downsample", nn::Sequential(conv(inplanes, planes * kExpansion, 1, stride),
                                                                      nn::BatchNorm2d(planes * kExpansion)));
        }
    }
    torch::Tensor forward(torch::Tensor x)
    {
        torch::Tensor out = torch::relu(normed(bn1, conv1(x)));
        out = torch::relu(normed(bn2, conv2(out)));
        out = normed(bn3, conv3(out));
        out += downsample ? shortcut(x) : x;
        return torch::relu(out);
    }
    torch::Tensor normed(nn::BatchNorm2d &bn, torch::Tensor x) { return folded ? x : bn(x); }
    torch::Tensor shortcut(const torch::Tensor &x)
    {
        torch::Tensor y = downsample[0]->as<nn::Conv2d>()->forward(x);
        return folded ? y : downsample[1]->as<nn::BatchNorm2d>()->forward(y);
    }
    void fold()
    {
        foldInto(conv1, bn1);
        foldInto(conv2, bn2);
        foldInto(conv3, bn3);
        if (downsample)
            foldInto(*downsample[0]->as<nn::Conv2d>(), *downsample[1]->as<nn::BatchNorm2d>());
        folded = true;
    }
    nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
    nn::Sequential downsample{nullptr};
    bool folded = false;
};
TORCH_MODULE(Bottleneck);

// torchvision.models.resnet18 / resnet50 (v1.5: the stride sits on the 3 x 3 convolution).
template<typename Block>
struct ResNetImpl : ClassifierNetImpl
{
    ResNetImpl(const std::array<int, 4> &layers, int numClasses)
    {
        conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
        bn1 = register_module("bn1", nn::BatchNorm2d(64));
        const std::array<int, 4> planes = {64, 128, 256, 512};
        for (int i = 0; i < 4; ++i) {
            nn::Sequential layer;
            for (int b = 0; b < layers[i]; ++b) {
                layer->push_back(Block(m_inplanes, planes[i], b == 0 && i > 0 ? 2 : 1));
                m_inplanes = planes[i] * Block::Impl::kExpansion;
            }
            stages[i] = register_module("layer" + std::to_string(i + 1), layer);
        }
        fc = register_module("fc", nn::Linear(512 * Block::Impl::kExpansion, numClasses));
        // torchvision's initialisation, so training from scratch starts where Python's would.
        for (auto &module : modules(/*include_self=*/false)) {
            if (auto *c = module->template as<nn::Conv2d>())
                nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
            else if (auto *bn = module->template as<nn::BatchNorm2d>()) {
                nn::init::ones_(bn->weight);
                nn::init::zeros_(bn->bias);
            }
        }
    }
    torch::Tensor features(torch::Tensor x) override
    {
        x = conv1(x);
        x = torch::max_pool2d(torch::relu(folded ? x : bn1(x)), 3, 2, 1);
        for (auto &stage : stages)
            x = stage->forward(x);
        return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
    }
    nn::Linear &head() override { return fc; }
    std::string headName() const override { return "fc"; }
    int featureSize() const override { return 512 * Block::Impl::kExpansion; }
    void foldBatchNorm() override
    {
        foldInto(conv1, bn1);
        for (auto &stage : stages) {
            for (auto &block : stage->children())
                block->template as<typename Block::Impl>()->fold();
        }
        folded = true;
    }

    bool folded = false;
    int m_inplanes = 64;
    nn::Conv2d conv1{nullptr};
    nn::BatchNorm2d bn1{nullptr};
    std::array<nn::Sequential, 4> stages;
    nn::Linear fc{nullptr};
};

// Conv, BatchNorm, ReLU6: torchvision's Conv2dNormActivation, children named "0" and "1" as there.
struct ConvBnRelu6Impl : nn::Module
{
    ConvBnRelu6Impl(int in, int out, int kernel, int stride = 1, int groups = 1)
    {
        convolution = register_module("0", conv(in, out, kernel, stride, groups));
        norm = register_module("1", nn::BatchNorm2d(out));
    }
    torch::Tensor forward(torch::Tensor x)
    {
        x = convolution(x);
        return torch::hardtanh(folded ? x : norm(x), 0.0, 6.0);
    }
    void fold()
    {
        foldInto(convolution, norm);
        folded = true;
    }
    nn::Conv2d convolution{nullptr};
    nn::BatchNorm2d norm{nullptr};
    bool folded = false;
};
TORCH_MODULE(ConvBnRelu6);

// The inverted residual's "conv" sequence: [expand,] depthwise, project, norm (torchvision's indices).
struct InvertedResidualLayersImpl : nn::Module
{
    InvertedResidualLayersImpl(int in, int out, int stride, int expandRatio)
    {
        const int hidden = in * expandRatio;
        int index = 0;
        if (expandRatio != 1)
            expand = register_module(std::to_string(index++), ConvBnRelu6(in, hidden, 1));
        depthwise = register_module(std::to_string(index++), ConvBnRelu6(hidden, hidden, 3, stride, hidden));
        project = register_module(std::to_string(index++), conv(hidden, out, 1));
        norm = register_module(std::to_string(index++), nn::BatchNorm2d(out));
    }
    torch::Tensor forward(torch::Tensor x)
    {
        if (expand)
            x = expand(x);
        x = project(depthwise(x));
        return folded ? x : norm(x);
    }
    void fold()
    {
        if (expand)
            expand->fold();
        depthwise->fold();
        foldInto(project, norm);
        folded = true;
    }
    ConvBnRelu6 expand{nullptr};
    ConvBnRelu6 depthwise{nullptr};
    nn::Conv2d project{nullptr};
    nn::BatchNorm2d norm{nullptr};
    bool folded = false;
};
TORCH_MODULE(InvertedResidualLayers);

struct InvertedResidualImpl : nn::Module
{
    InvertedResidualImpl(int in, int out, int stride, int expandRatio)
        : useResidual(stride == 1 && in == out)
    {
        layers = register_module("conv", InvertedResidualLayers(in, out, stride, expandRatio));
    }
    torch::Tensor forward(torch::Tensor x) { return useResidual ? x + layers(x) : layers(x); }
    bool useResidual;
    InvertedResidualLayers layers{nullptr};
};
TORCH_MODULE(InvertedResidual);

// torchvision.models.mobilenet_v2 (width 1.0).
struct MobileNetV2Impl : ClassifierNetImpl
{
    explicit MobileNetV2Impl(int numClasses)
    {
        const int settings[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                                    {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
        nn::Sequential layers;
        int channels = 32;
        layers->push_back(ConvBnRelu6(3, channels, 3, 2));
        for (const auto &setting : settings) {
            for (int i = 0; i < setting[2]; ++i) {
                layers->push_back(InvertedResidual(channels, setting[1], i == 0 ? setting[3] : 1, setting[0]));
                channels = setting[1];
            }
        }
        layers->push_back(ConvBnRelu6(channels, kLastChannels, 1));
        featureLayers = register_module("features", layers);
        classifier = register_module("classifier", nn::Sequential(nn::Dropout(0.2), nn::Linear(kLastChannels, numClasses)));
        linear = nn::Linear(std::dynamic_pointer_cast<nn::LinearImpl>(classifier->ptr(1)));
        for (auto &module : modules(false)) {
            if (auto *c = module->as<nn::Conv2d>()) {
                nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut);
            } else if (auto *bn = module->as<nn::BatchNorm2d>()) {
                nn::init::ones_(bn->weight);
                nn::init::zeros_(bn->bias);
            } else if (auto *l = module->as<nn::Linear>()) {
                nn::init::normal_(l->weight, 0, 0.01);
                nn::init::zeros_(l->bias);
            }
        }
    }
    torch::Tensor features(torch::Tensor x) override
    {
        x = featureLayers->forward(x);
        return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
    }
    nn::Linear &head() override { return linear; }
    std::string headName() const override { return "classifier.1"; }
    int featureSize() const override { return kLastChannels; }
    void foldBatchNorm() override
    {
        for (auto &layer : featureLayers->children()) {
            if (auto *block = layer->as<ConvBnRelu6Impl>())
                block->fold();
            else if (auto *residual = layer->as<InvertedResidualImpl>())
                residual->layers->fold();
        }
    }
    void replaceHead(int numClasses)
    {
        classifier = replace_module("classifier", nn::Sequential(nn::Dropout(0.2), nn::Linear(kLastChannels, numClasses)));
        linear = nn::Linear(std::dynamic_pointer_cast<nn::LinearImpl>(classifier->ptr(1)));
    }
    torch::Tensor classify(torch::Tensor pooled) override { return classifier->forward(pooled); }

    static constexpr int kLastChannels = 1280;
    nn::Sequential featureLayers{nullptr};
    nn::Sequential classifier{nullptr};
    nn::Linear linear{nullptr};
};

} // namespace

void ClassifierNetImpl::resetHead(int numClasses)
{
    if (auto *mobileNet = dynamic_cast<MobileNetV2Impl *>(this)) {
        mobileNet->replaceHead(numClasses);
        return;
    }
    const std::string name = headName();
    nn::Linear fresh(featureSize(), numClasses);
    head() = replace_module(name, fresh);
}

ClassifierNet createNetwork(Architecture architecture, int numClasses, int inputSize)
{
    Q_UNUSED(inputSize);
    switch (architecture) {
    case Architecture::Baseline: return std::make_shared<BaselineNetImpl>(numClasses);
    case Architecture::ResNet18: return std::make_shared<ResNetImpl<BasicBlock>>(std::array<int, 4>{2, 2, 2, 2}, numClasses);
    case Architecture::ResNet50: return std::make_shared<ResNetImpl<Bottleneck>>(std::array<int, 4>{3, 4, 6, 3}, numClasses);
    case Architecture::MobileNetV2: return std::make_shared<MobileNetV2Impl>(numClasses);
    }
    throw std::invalid_argument("unknown architecture");
}

void useChannelsLast(torch::nn::Module &module)
{
    torch::NoGradGuard noGrad;
    for (auto &parameter : module.parameters()) {
        if (parameter.dim() == 4)
            parameter.set_data(parameter.contiguous(torch::MemoryFormat::ChannelsLast));
    }
}

torch::Tensor channelsLastInput(const torch::Tensor &images)
{
    return images.dim() == 4 ? images.contiguous(torch::MemoryFormat::ChannelsLast) : images;
}

void setBatchNormFrozen(torch::nn::Module &module, bool frozen)
{
    for (auto &child : module.modules(/*include_self=*/false)) {
        if (child->as<nn::BatchNorm2d>())
            child->train(frozen ? false : module.is_training());
    }
}

} // namespace ml
} // namespace accession
