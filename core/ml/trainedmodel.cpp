#include "trainedmodel.h"

#include "errormessage.h"
#include "weightserror.h"

#include <QFileInfo>

#include <algorithm>
#include <cmath>

namespace accession {

std::unique_ptr<TrainedModel> TrainedModel::load(const QString &path)
{
    if (!QFileInfo(path).isFile())
        throw WeightsError(QStringLiteral("%1: no such model file").arg(path));
    std::unique_ptr<TrainedModel> model(new TrainedModel);
    model->m_path = QFileInfo(path).absoluteFilePath();
    model->m_card = ModelCard::readBeside(path);
    const ModelCard &card = model->m_card;
    const int classes = int(card.classes.size());
    QVector<EnsembleMember> members = card.members;
    if (!card.isEnsemble())
        members.push_back({card.architecture, card.preprocessing, card.temperature, path});
    for (int index = 0; index < members.size(); ++index) {
        const EnsembleMember &described = members[index];
        const QString description = card.isEnsemble()
            ? QStringLiteral("%1 (member %2 of %3, %4)").arg(path).arg(index + 1).arg(members.size()).arg(described.architecture)
            : path;
        const auto architecture = architectureFromName(described.architecture);
        if (!architecture)
            throw WeightsError(QStringLiteral("%1: unknown architecture '%2' in the model card").arg(description, described.architecture));
        Member member;
        member.network = std::make_unique<Network>(*architecture, classes);
        member.preprocessing = described.preprocessing;
        member.temperature = described.temperature;
        try {
            if (card.isEnsemble())
                member.network->loadWeights(path, EnsembleMember::tensorPrefix(index), description);
            else
                member.network->loadWeights(path);
        } catch (const WeightsError &) {
            throw;
        } catch (...) {
            throw WeightsError(QStringLiteral("%1: cannot load the weights: %2").arg(description, oneLineErrorMessage(std::current_exception())));
        }
        // Cheap insurance that the file can classify at all: weights that load but overflow to infinities or NaN
        // would otherwise reach every stored prediction.
        const int size = member.preprocessing.inputSize;
        HostTensor blank;
        blank.shape = {1, 3, size, size};
        blank.values.assign(size_t(3) * size_t(size) * size_t(size), 0.0f);
        HostTensor scores;
        try {
            scores = member.network->logits(blank);
        } catch (const std::exception &) {
            throw WeightsError(QStringLiteral("%1: the network cannot run: %2").arg(description, oneLineErrorMessage(std::current_exception())));
        }
        if (scores.shape != std::vector<int64_t>{1, classes})
            throw WeightsError(QStringLiteral("%1: the network gives %2 scores, not one per class of the card (%3)")
                                   .arg(description).arg(scores.numel()).arg(classes));
        if (!std::all_of(scores.values.begin(), scores.values.end(), [](float x) { return std::isfinite(x); }))
            throw WeightsError(QStringLiteral("%1: the network gives scores that are not finite numbers (NaN or infinity): "
                                              "its weights are broken").arg(description));
        model->m_members.push_back(std::move(member));
    }
    return model;
}

} // namespace accession
