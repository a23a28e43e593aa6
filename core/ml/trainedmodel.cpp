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
    const auto architecture = architectureFromName(model->m_card.architecture);
    if (!architecture)
        throw WeightsError(QStringLiteral("%1: unknown architecture '%2' in the model card").arg(path, model->m_card.architecture));
    model->m_network = std::make_unique<Network>(*architecture, int(model->m_card.classes.size()));
    try {
        model->m_network->loadWeights(path);
    } catch (const WeightsError &) {
        throw;
    } catch (...) {
        throw WeightsError(QStringLiteral("%1: cannot load the weights: %2").arg(path, oneLineErrorMessage(std::current_exception())));
    }
    // Cheap insurance that the file can classify at all: weights that load but overflow to infinities or NaN
    // would otherwise reach every stored prediction.
    const int size = model->m_card.preprocessing.inputSize;
    HostTensor blank;
    blank.shape = {1, 3, size, size};
    blank.values.assign(size_t(3) * size_t(size) * size_t(size), 0.0f);
    HostTensor scores;
    try {
        scores = model->m_network->logits(blank);
    } catch (const std::exception &) {
        throw WeightsError(QStringLiteral("%1: the network cannot run: %2").arg(path, oneLineErrorMessage(std::current_exception())));
    }
    const int classes = int(model->m_card.classes.size());
    if (scores.shape != std::vector<int64_t>{1, classes})
        throw WeightsError(QStringLiteral("%1: the network gives %2 scores, not one per class of the card (%3)")
                               .arg(path).arg(scores.numel()).arg(classes));
    if (!std::all_of(scores.values.begin(), scores.values.end(), [](float x) { return std::isfinite(x); }))
        throw WeightsError(QStringLiteral("%1: the network gives scores that are not finite numbers (NaN or infinity): "
                                          "its weights are broken").arg(path));
    return model;
}

} // namespace accession
