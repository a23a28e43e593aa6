#include "trainedmodel.h"

#include "errormessage.h"
#include "weightserror.h"

#include <QFileInfo>

#include <algorithm>
#include <cmath>

namespace accession {

namespace {

QString shapeText(const std::vector<int64_t> &shape)
{
    QStringList sizes;
    for (int64_t size : shape)
        sizes << QString::number(size);
    return sizes.join(QStringLiteral(" x "));
}

// The knn_energy score's bank, checked: a missing, mis-shaped or unnormalised bank would flag photographs at random.
HostTensor readFeatureBank(const QString &path, int featureSize)
{
    const QString name = QString::fromLatin1(kFeatureBankTensor);
    QMap<QString, HostTensor> tensors = readTensorFile(path);
    if (!tensors.contains(name))
        throw WeightsError(QStringLiteral("%1: the model card's out-of-scope score is knn_energy, but the file holds no feature bank "
                                          "(tensor %2); train it again with --out-of-scope-score knn_energy, which keeps one")
                                   .arg(path, name));
    HostTensor bank = tensors.take(name);
    if (bank.shape.size() != 2 || bank.shape[0] < 1 || bank.shape[1] != featureSize)
        throw WeightsError(QStringLiteral("%1: the feature bank (tensor %2) must be [rows x %3], the network's feature size, not [%4]")
                               .arg(path, name).arg(featureSize).arg(shapeText(bank.shape)));
    for (int64_t row = 0; row < bank.shape[0]; ++row) {
        double norm = 0;
        for (int64_t d = 0; d < bank.shape[1]; ++d)
            norm += double(bank.values[size_t(row * bank.shape[1] + d)]) * double(bank.values[size_t(row * bank.shape[1] + d)]);
        if (std::abs(std::sqrt(norm) - 1.0) > 1e-3)
            throw WeightsError(QStringLiteral("%1: row %2 of the feature bank (tensor %3) is not L2-normalised (length %4)")
                                   .arg(path).arg(row).arg(name).arg(std::sqrt(norm)));
    }
    return bank;
}

} // namespace

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
    if (usesFeatures(card.outOfScopeScore) && card.hasOutOfScopeThreshold())
        model->m_featureBank = readFeatureBank(path, model->network().featureSize());
    return model;
}

} // namespace accession
