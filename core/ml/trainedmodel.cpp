#include "trainedmodel.h"

#include "weightserror.h"

#include <QFileInfo>

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
    model->m_network->loadWeights(path);
    return model;
}

} // namespace accession
