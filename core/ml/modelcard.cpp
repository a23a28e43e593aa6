#include "modelcard.h"

#include "weightserror.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace accession {

QJsonObject ModelCard::toJson() const
{
    QJsonObject perClassTrain;
    for (auto it = trainingImagesPerClass.cbegin(); it != trainingImagesPerClass.cend(); ++it)
        perClassTrain.insert(it.key(), it.value());
    QJsonObject perClassValidation;
    for (auto it = validationImagesPerClass.cbegin(); it != validationImagesPerClass.cend(); ++it)
        perClassValidation.insert(it.key(), it.value());
    return QJsonObject{{QStringLiteral("format"), QStringLiteral("accession-model")},
                       {QStringLiteral("format_version"), kFormatVersion},
                       {QStringLiteral("architecture"), architecture},
                       {QStringLiteral("classes"), QJsonArray::fromStringList(classes)},
                       {QStringLiteral("preprocessing"), preprocessing.toJson()},
                       {QStringLiteral("temperature"), temperature},
                       {QStringLiteral("threshold"), threshold},
                       {QStringLiteral("target_accuracy"), targetAccuracy},
                       {QStringLiteral("validation"), validation.toJson()},
                       {QStringLiteral("trained_at"), trainedAt.toUTC().toString(Qt::ISODate)},
                       {QStringLiteral("training_images_per_class"), perClassTrain},
                       {QStringLiteral("validation_images_per_class"), perClassValidation},
                       {QStringLiteral("training"), training},
                       {QStringLiteral("pretrained_from"), pretrainedFrom},
                       {QStringLiteral("catalog"), catalogPath},
                       {QStringLiteral("split_id"), splitId}};
}

ModelCard ModelCard::fromJson(const QJsonObject &json, const QString &source)
{
    if (json.value(QStringLiteral("format")).toString() != QLatin1String("accession-model"))
        throw WeightsError(QStringLiteral("%1: not an Accession model card").arg(source));
    if (json.value(QStringLiteral("format_version")).toInt() > kFormatVersion)
        throw WeightsError(QStringLiteral("%1: written by a newer version of Accession").arg(source));
    ModelCard card;
    card.architecture = json.value(QStringLiteral("architecture")).toString();
    for (const QJsonValue &name : json.value(QStringLiteral("classes")).toArray())
        card.classes << name.toString();
    if (card.classes.isEmpty())
        throw WeightsError(QStringLiteral("%1: the model card lists no classes").arg(source));
    Preprocessing legacy = Preprocessing::imagenet();
    legacy.centerCropFraction = legacyCenterCropFraction; // cards without the field were calibrated on such crops
    card.preprocessing = Preprocessing::fromJson(json.value(QStringLiteral("preprocessing")).toObject(), legacy);
    card.temperature = json.value(QStringLiteral("temperature")).toDouble(1.0);
    card.threshold = json.value(QStringLiteral("threshold")).toDouble(1.0);
    card.targetAccuracy = json.value(QStringLiteral("target_accuracy")).toDouble(0.95);
    card.validation = EvaluationReport::fromJson(json.value(QStringLiteral("validation")).toObject());
    card.trainedAt = QDateTime::fromString(json.value(QStringLiteral("trained_at")).toString(), Qt::ISODate);
    const QJsonObject perClassTrain = json.value(QStringLiteral("training_images_per_class")).toObject();
    for (auto it = perClassTrain.begin(); it != perClassTrain.end(); ++it)
        card.trainingImagesPerClass.insert(it.key(), it.value().toInt());
    const QJsonObject perClassValidation = json.value(QStringLiteral("validation_images_per_class")).toObject();
    for (auto it = perClassValidation.begin(); it != perClassValidation.end(); ++it)
        card.validationImagesPerClass.insert(it.key(), it.value().toInt());
    card.training = json.value(QStringLiteral("training")).toObject();
    card.pretrainedFrom = json.value(QStringLiteral("pretrained_from")).toString();
    card.catalogPath = json.value(QStringLiteral("catalog")).toString();
    card.splitId = json.value(QStringLiteral("split_id")).toInteger();
    return card;
}

QString ModelCard::pathBeside(const QString &modelPath)
{
    const QFileInfo info(modelPath);
    return info.absolutePath() + QLatin1Char('/') + info.completeBaseName() + QStringLiteral(".json");
}

ModelCard ModelCard::readBeside(const QString &modelPath)
{
    const QString path = pathBeside(modelPath);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw WeightsError(QStringLiteral("%1: cannot read the model card beside %2: %3").arg(path, modelPath, file.errorString()));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        throw WeightsError(QStringLiteral("%1: not valid JSON: %2").arg(path, error.errorString()));
    return fromJson(document.object(), path);
}

void ModelCard::writeBeside(const QString &modelPath) const
{
    const QString path = pathBeside(modelPath);
    QSaveFile file(path);
    const QByteArray text = QJsonDocument(toJson()).toJson(QJsonDocument::Indented);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit())
        throw WeightsError(QStringLiteral("%1: cannot write the model card: %2").arg(path, file.errorString()));
}

} // namespace accession
