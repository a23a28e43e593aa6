#include "checkpoint_torch.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <mutex>
#include <sstream>

namespace accession::ml {

void BestWeights::consider(ClassifierNetImpl &net, double validationAccuracy, double validationLoss,
                           const QString &validatedPhase, int validatedEpoch)
{
    if (validationAccuracy > accuracy || (validationAccuracy == accuracy && validationLoss < loss)) {
        accuracy = validationAccuracy;
        loss = validationLoss;
        phase = validatedPhase;
        epoch = validatedEpoch;
        epochsSinceBest = 0;
        weights = copyOfWeights(stateDict(net));
    } else {
        ++epochsSinceBest;
    }
}

std::string optimizerState(const torch::optim::Optimizer &optimizer)
{
    std::ostringstream bytes;
    torch::serialize::OutputArchive archive;
    optimizer.save(archive);
    archive.save_to(bytes);
    return bytes.str();
}

void restoreOptimizerState(torch::optim::Optimizer &optimizer, const std::string &state)
{
    std::istringstream stream(state);
    torch::serialize::InputArchive archive;
    archive.load_from(stream);
    optimizer.load(archive);
}

torch::Tensor cpuGeneratorState()
{
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    return generator.get_state();
}

void restoreCpuGeneratorState(const torch::Tensor &state)
{
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(state);
}

void writeCheckpoint(const QString &path, const TrainingCheckpoint &c)
{
    NamedTensors file;
    for (const std::string &name : c.model.names)
        file.add("model/" + name, c.model.tensors.at(name));
    for (const std::string &name : c.best.weights.names)
        file.add("best/" + name, c.best.weights.tensors.at(name));
    for (const std::string &name : c.average.weights.names)
        file.add("average/" + name, c.average.weights.tensors.at(name));
    file.add("optimizer", torch::from_blob(const_cast<char *>(c.optimizer.data()), {int64_t(c.optimizer.size())}, torch::kUInt8).clone());
    file.add("rng", c.rng);
    QJsonArray history;
    for (const EpochReport &report : c.history)
        history.append(epochReportToJson(report));
    const QJsonObject state{{QStringLiteral("phase"), c.phase},
                            {QStringLiteral("epochs_done"), c.epochsDone},
                            {QStringLiteral("best_accuracy"), c.best.accuracy},
                            {QStringLiteral("best_loss"), c.best.loss},
                            {QStringLiteral("best_phase"), c.best.phase},
                            {QStringLiteral("best_epoch"), c.best.epoch},
                            {QStringLiteral("epochs_since_best"), c.best.epochsSinceBest},
                            {QStringLiteral("average_updates"), c.average.updates},
                            {QStringLiteral("classes"), QJsonArray::fromStringList(c.classes)},
                            {QStringLiteral("architecture"), c.architecture},
                            {QStringLiteral("split_id"), c.splitId},
                            {QStringLiteral("history"), history},
                            {QStringLiteral("phases"), c.phases}};
    file.metadata["state"] = QJsonDocument(state).toJson(QJsonDocument::Compact).toStdString();
    writeSafetensors(path, file);
}

TrainingCheckpoint readCheckpoint(const QString &path, torch::Device device)
{
    const NamedTensors file = readSafetensors(path);
    const QJsonObject state = QJsonDocument::fromJson(QByteArray::fromStdString(file.metadata.at("state"))).object();
    TrainingCheckpoint c;
    for (const QJsonValue &name : state.value(QStringLiteral("classes")).toArray())
        c.classes << name.toString();
    c.architecture = state.value(QStringLiteral("architecture")).toString();
    c.splitId = state.value(QStringLiteral("split_id")).toInteger();
    for (const std::string &name : file.names) {
        if (name.rfind("model/", 0) == 0)
            c.model.add(name.substr(6), file.tensors.at(name));
        else if (name.rfind("best/", 0) == 0)
            c.best.weights.add(name.substr(5), file.tensors.at(name).clone());
        else if (name.rfind("average/", 0) == 0)
            c.average.weights.add(name.substr(8), file.tensors.at(name).clone().to(device));
    }
    c.rng = file.tensors.at("rng");
    const torch::Tensor optimizer = file.tensors.at("optimizer");
    c.optimizer = std::string(static_cast<const char *>(optimizer.data_ptr()), size_t(optimizer.numel()));
    c.phase = state.value(QStringLiteral("phase")).toInt();
    c.epochsDone = state.value(QStringLiteral("epochs_done")).toInt();
    c.best.accuracy = state.value(QStringLiteral("best_accuracy")).toDouble();
    c.best.loss = state.value(QStringLiteral("best_loss")).toDouble();
    c.best.phase = state.value(QStringLiteral("best_phase")).toString();
    c.best.epoch = state.value(QStringLiteral("best_epoch")).toInt();
    c.best.epochsSinceBest = state.value(QStringLiteral("epochs_since_best")).toInt();
    c.average.updates = state.value(QStringLiteral("average_updates")).toInteger();
    c.phases = state.value(QStringLiteral("phases")).toArray();
    for (const QJsonValue &entry : state.value(QStringLiteral("history")).toArray())
        c.history.push_back(epochReportFromJson(entry.toObject()));
    return c;
}

} // namespace accession::ml
