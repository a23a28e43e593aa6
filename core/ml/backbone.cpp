#include "backbone_torch.h"

#include "modelcard.h"
#include "networks_torch.h"
#include "tensorio_torch.h"
#include "weightserror.h"

#include "catalog/catalog.h"
#include "catalog/catalogfolders.h"
#include "catalog/modelregistry.h"

#include <QFileInfo>
#include <QSet>

#include <memory>

#include <stdexcept>

namespace accession::ml {

std::optional<Backbone> loadBackbone(const BackboneSource &source, Catalog &catalog, int classes)
{
    Backbone backbone;
    if (!source.weightsPath.isEmpty()) {
        const auto architecture = architectureFromName(source.architecture);
        if (!architecture)
            throw std::runtime_error(QStringLiteral("unknown architecture '%1' for the weights %2 (give --arch)")
                                         .arg(source.architecture, source.weightsPath).toStdString());
        if (!QFileInfo(source.weightsPath).isFile())
            throw WeightsError(QStringLiteral("%1: no such weights file").arg(source.weightsPath));
        backbone.path = QFileInfo(source.weightsPath).absoluteFilePath();
        backbone.architecture = *architecture;
        const Preprocessing base = Preprocessing::imagenet(defaultInputSize(*architecture));
        backbone.preprocessing = preprocessingBeside(backbone.path, base).value_or(base);
        for (int channel = 0; channel < 3; ++channel) {
            if (source.mean.size() == 3)
                backbone.preprocessing.mean[size_t(channel)] = float(source.mean[channel]);
            if (source.std.size() == 3)
                backbone.preprocessing.std[size_t(channel)] = float(source.std[channel]);
        }
    } else {
        QString path = source.modelPath;
        if (path.isEmpty()) {
            const std::optional<RegisteredModel> active = ModelRegistry(catalog).activeModel();
            if (!active)
                return std::nullopt;
            path = active->weightsPath;
        }
        if (!QFileInfo(path).isFile())
            throw WeightsError(QStringLiteral("%1: no such model file").arg(path));
        backbone.path = QFileInfo(path).absoluteFilePath();
        const ModelCard card = ModelCard::readBeside(path);
        if (card.isEnsemble())
            throw WeightsError(QStringLiteral("%1: is an ensemble of %2 networks; %3 needs one network's backbone features: "
                                              "give one of its members with --model, or --weights")
                                   .arg(path)
                                   .arg(card.members.size())
                                   .arg(source.purpose));
        const auto architecture = architectureFromName(card.architecture);
        if (!architecture)
            throw WeightsError(QStringLiteral("%1: unknown architecture '%2' in the model card").arg(path, card.architecture));
        backbone.architecture = *architecture;
        backbone.preprocessing = card.preprocessing;
    }
    if (const auto problem = backbone.preprocessing.problem())
        throw WeightsError(QStringLiteral("%1: %2").arg(backbone.path, *problem));
    backbone.net = createNetwork(backbone.architecture, classes, backbone.preprocessing.inputSize);
    const NamedTensors tensors = toTorchvisionNames(readNetworkTensors(backbone.path), backbone.architecture);
    assignTensors(*backbone.net, tensors, backbone.path, backbone.net->headName() + ".");
    return backbone;
}

TrainingHooks featureHooks(const WorkControl &control, QVector<Problem> &failures)
{
    auto reported = std::make_shared<QSet<QString>>();
    for (const Problem &failure : std::as_const(failures))
        reported->insert(failure.path);
    TrainingHooks hooks;
    hooks.progress = [&control](qint64 done, qint64 total, const QString &message) { control.report(done, total, message); };
    hooks.failures = [&failures, reported](const std::vector<std::pair<QString, QString>> &found) {
        for (const auto &failure : found) {
            if (!reported->contains(failure.first)) {
                reported->insert(failure.first);
                failures.push_back({failure.first, failure.second});
            }
        }
    };
    hooks.throwIfCancelled = [&control] { control.throwIfCancelled(); };
    return hooks;
}

QString featureCacheDirOf(const QString &catalogPath)
{
    return catalogSideFolder(CatalogLocation::parse(catalogPath), QStringLiteral(".cache"));
}

} // namespace accession::ml
