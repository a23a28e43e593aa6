#include "pretrainedweights.h"

#include "network_torch.h"
#include "weightserror.h"

#include "catalog/catalog.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

namespace accession {

namespace {

// The tensor that only this network's backbone has, in torchvision's names.
std::optional<Architecture> architectureFromNames(const ml::NamedTensors &file)
{
    for (const Architecture architecture : {Architecture::MobileNetV2, Architecture::ResNet50, Architecture::ResNet18}) {
        const ml::NamedTensors tensors = ml::toTorchvisionNames(file, architecture);
        const auto has = [&](const char *name) { return tensors.tensors.count(name) > 0; };
        switch (architecture) {
        case Architecture::MobileNetV2:
            if (has("features.18.0.weight") && has("features.1.conv.0.0.weight"))
                return architecture;
            break;
        case Architecture::ResNet50:
            if (has("layer4.2.conv3.weight"))
                return architecture;
            break;
        case Architecture::ResNet18:
            if (has("layer4.1.conv2.weight") && !has("layer4.1.conv3.weight") && !has("layer4.2.conv1.weight"))
                return architecture;
            break;
        case Architecture::Baseline:
            break;
        }
    }
    return std::nullopt;
}


} // namespace

Architecture checkPretrainedWeights(const QString &path)
{
    if (!QFileInfo(path).isFile())
        throw WeightsError(QStringLiteral("%1: no such file").arg(path));
    const ml::NamedTensors file = ml::readNetworkTensors(path);
    const std::optional<Architecture> architecture = architectureFromNames(file);
    if (!architecture)
        throw WeightsError(QStringLiteral("%1: its tensor names are not those of a MobileNetV2, ResNet-18 or ResNet-50 backbone "
                                          "(torchvision or timm names)").arg(path));
    // The backbone must load whole, with the right shapes and types; the file's own head is left out.
    ml::NamedTensors tensors = ml::toTorchvisionNames(file, *architecture);
    ml::ClassifierNet net = ml::createNetwork(*architecture, 2, defaultInputSize(*architecture));
    ml::assignTensors(*net, tensors, path, net->headName() + ".");
    return *architecture;
}

AddedWeights addPretrainedWeights(const QString &catalogPath, const QString &path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    const Architecture architecture = checkPretrainedWeights(absolute);
    const QString hash = sha256OfWeightsFile(absolute);
    Catalog catalog(catalogPath);
    WeightsRegistry registry(catalog);
    const qint64 id = registry.add(absolute, architectureName(architecture), hash);
    for (const AddedWeights &entry : registry.weights()) {
        if (entry.id == id)
            return entry;
    }
    throw std::runtime_error(QStringLiteral("%1: recorded, but not found again in %2").arg(absolute, catalogPath).toStdString());
}

QString sha256OfWeightsFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw WeightsError(QStringLiteral("%1: cannot read: %2").arg(path, file.errorString()));
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return QString::fromLatin1(hash.result().toHex());
}

} // namespace accession
