#include "ensemble.h"

#include "tensorio_torch.h"
#include "trainedmodel.h"
#include "weightserror.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>

#include <algorithm>

namespace accession {

EnsembleResult buildEnsemble(const EnsembleRequest &request, const WorkControl &control)
{
    if (request.memberPaths.size() < 2)
        throw std::invalid_argument("an ensemble needs at least two models");
    if (request.memberPaths.size() > kMaximumEnsembleMembers)
        throw std::invalid_argument(QStringLiteral("an ensemble holds at most %1 models").arg(kMaximumEnsembleMembers).toStdString());
    if (request.outPath.isEmpty())
        throw std::invalid_argument("no output file for the ensemble");

    ModelCard card;
    ml::NamedTensors joined;
    QJsonArray sources;
    for (int index = 0; index < request.memberPaths.size(); ++index) {
        const QString &path = request.memberPaths[index];
        if (QFileInfo(path).absoluteFilePath() == QFileInfo(request.outPath).absoluteFilePath())
            throw WeightsError(QStringLiteral("%1: the ensemble cannot be written over one of its members").arg(path));
        // Loaded whole, as registration does: a member that cannot classify must not hide inside an ensemble.
        const std::unique_ptr<TrainedModel> member = TrainedModel::load(path);
        const ModelCard &memberCard = member->card();
        if (memberCard.isEnsemble())
            throw WeightsError(QStringLiteral("%1: is itself an ensemble; give its members instead").arg(path));
        if (index == 0) {
            card.classes = memberCard.classes;
            card.preprocessing = memberCard.preprocessing;
            card.targetAccuracy = memberCard.targetAccuracy;
            card.catalogPath = memberCard.catalogPath;
            card.splitId = memberCard.splitId;
            card.trainingImagesPerClass = memberCard.trainingImagesPerClass;
            card.validationImagesPerClass = memberCard.validationImagesPerClass;
            card.threshold = 0.0;
        } else if (memberCard.classes != card.classes) {
            throw WeightsError(QStringLiteral("%1: its classes (%2) are not those of %3 in the same order (%4); an ensemble's "
                                              "members must predict the same departments")
                                   .arg(path, memberCard.classes.join(QStringLiteral(", ")), request.memberPaths.front(),
                                        card.classes.join(QStringLiteral(", "))));
        }
        if (!request.catalogPath.isEmpty() && memberCard.splitId != card.splitId)
            throw WeightsError(QStringLiteral("%1: trained on another validation split (%2) than %3 (%4): the ensemble cannot be "
                                              "calibrated on photographs one of its members trained on; leave out the catalog")
                                   .arg(path).arg(memberCard.splitId).arg(request.memberPaths.front()).arg(card.splitId));
        card.threshold = std::max(card.threshold, memberCard.threshold);
        card.members.push_back({memberCard.architecture, memberCard.preprocessing, memberCard.temperature,
                                QFileInfo(path).absoluteFilePath()});
        sources.append(QFileInfo(path).absoluteFilePath());
        // Without a member's knn_energy bank: an ensemble scores on its logits alone.
        const ml::NamedTensors tensors = ml::readNetworkTensors(path);
        for (const std::string &name : tensors.names)
            joined.add(EnsembleMember::tensorPrefix(index) + name, tensors.tensors.at(name));
        control.report(index + 1, request.memberPaths.size() + (request.catalogPath.isEmpty() ? 0 : 1),
                       QStringLiteral("Read member %1 of %2").arg(index + 1).arg(request.memberPaths.size()));
        control.throwIfCancelled();
    }
    card.architecture = ModelCard::kEnsembleArchitecture;
    card.temperature = 1.0;
    card.testTimeAugmentation = request.testTimeAugmentation;
    card.trainedAt = QDateTime::currentDateTimeUtc();
    const QJsonObject firstTraining = ModelCard::readBeside(request.memberPaths.front()).training;
    card.training = QJsonObject{{QStringLiteral("ensemble_of"), sources},
                                // The members' split, so that evaluate and the Train dialog find it on their catalog.
                                {QStringLiteral("seed"), firstTraining.value(QStringLiteral("seed"))},
                                {QStringLiteral("validation_fraction"), firstTraining.value(QStringLiteral("validation_fraction"))}};
    joined.metadata = {{"format", "pt"}, {"accession_ensemble_members", std::to_string(request.memberPaths.size())}};
    ml::writeSafetensors(request.outPath, joined);
    card.writeBeside(request.outPath);

    EnsembleResult result;
    if (!request.catalogPath.isEmpty()) {
        EvaluationRequest evaluation;
        evaluation.source = EvaluationRequest::Source::Catalog;
        evaluation.catalogPath = request.catalogPath;
        evaluation.modelPath = request.outPath;
        if (card.splitId <= 0)
            throw WeightsError(QStringLiteral("%1: was not trained on a saved split of a catalog, so the ensemble has no validation "
                                              "photographs to be calibrated on; leave out the catalog").arg(request.memberPaths.front()));
        evaluation.splitId = card.splitId;
        evaluation.threads = request.threads;
        evaluation.fitTemperature = true;
        result.validation = evaluateModel(evaluation, control);
        card.temperature = result.validation->report.temperature;
        card.threshold = result.validation->report.thresholdForTarget;
        card.validation = result.validation->report;
        card.writeBeside(request.outPath);
    }
    result.card = card;
    return result;
}

} // namespace accession
