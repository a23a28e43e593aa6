#include "modelcard.h"

#include "architecture.h"
#include "weightserror.h"

#include "catalog/modelregistry.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <algorithm>
#include <cmath>
#include <limits>

namespace accession {

QJsonObject EnsembleMember::toJson() const
{
    return QJsonObject{{QStringLiteral("architecture"), architecture},
                       {QStringLiteral("preprocessing"), preprocessing.toJson()},
                       {QStringLiteral("temperature"), temperature},
                       {QStringLiteral("source"), source}};
}

std::string EnsembleMember::tensorPrefix(int index)
{
    return "members." + std::to_string(index) + ".";
}

QJsonObject ModelCard::toJson() const
{
    QJsonObject perClassTrain;
    for (auto it = trainingImagesPerClass.cbegin(); it != trainingImagesPerClass.cend(); ++it)
        perClassTrain.insert(it.key(), it.value());
    QJsonObject perClassValidation;
    for (auto it = validationImagesPerClass.cbegin(); it != validationImagesPerClass.cend(); ++it)
        perClassValidation.insert(it.key(), it.value());
    QJsonObject json{{QStringLiteral("format"), QStringLiteral("accession-model")},
                     {QStringLiteral("format_version"), isEnsemble() ? kFormatVersion : 1},
                     {QStringLiteral("architecture"), architecture},
                     {QStringLiteral("classes"), QJsonArray::fromStringList(classes)},
                     {QStringLiteral("level"), level},
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
                     {QStringLiteral("split_id"), splitId},
                     {QStringLiteral("tta"), testTimeAugmentationName(testTimeAugmentation)}};
    if (isEnsemble()) {
        QJsonArray list;
        for (const EnsembleMember &member : members)
            list.append(member.toJson());
        json.insert(QStringLiteral("members"), list);
    }
    if (hasOutOfScopeThreshold()) {
        json.insert(QStringLiteral("out_of_scope_score"), outOfScopeScoreName(outOfScopeScore));
        json.insert(QStringLiteral("out_of_scope_threshold"), outOfScopeThreshold);
        if (usesFeatures(outOfScopeScore)) {
            const auto array = [](const std::vector<double> &values) {
                QJsonArray list;
                for (double value : values)
                    list.append(value);
                return list;
            };
            json.insert(QStringLiteral("out_of_scope_knn_k"), outOfScopeReference.k);
            json.insert(QStringLiteral("out_of_scope_reference_knn_distances"), array(outOfScopeReference.knnDistances));
            json.insert(QStringLiteral("out_of_scope_reference_energies"), array(outOfScopeReference.energies));
        }
    }
    return json;
}

ModelCard ModelCard::fromJson(const QJsonObject &json, const QString &source)
{
    const auto refuse = [&source](const QString &field, const QString &reason) {
        return WeightsError(QStringLiteral("%1: %2 %3").arg(source, field, reason));
    };
    // A number in [low, high] when present (NaN and infinities cannot come from JSON, but the comparisons
    // refuse them anyway); `fallback` when absent.
    const auto number = [&](const char *key, double fallback, double low, double high, const QString &range) {
        const QJsonValue value = json.value(QLatin1String(key));
        if (value.isUndefined())
            return fallback;
        const double x = value.toDouble(std::nan(""));
        if (!value.isDouble() || !(x >= low && x <= high))
            throw refuse(QLatin1String(key), QStringLiteral("must be a number in %1").arg(range));
        return x;
    };
    const auto text = [&](const char *key) {
        const QJsonValue value = json.value(QLatin1String(key));
        if (!value.isUndefined() && !value.isString())
            throw refuse(QLatin1String(key), QStringLiteral("must be text"));
        return value.toString();
    };
    const auto object = [&](const char *key) {
        const QJsonValue value = json.value(QLatin1String(key));
        if (!value.isUndefined() && !value.isObject())
            throw refuse(QLatin1String(key), QStringLiteral("must be a JSON object"));
        return value.toObject();
    };
    const auto countsPerClass = [&](const char *key) {
        QMap<QString, int> counts;
        const QJsonObject perClass = object(key);
        for (auto it = perClass.begin(); it != perClass.end(); ++it) {
            if (!it.value().isDouble() || it.value().toDouble() < 0 || it.value().toDouble() > std::numeric_limits<int>::max())
                throw refuse(QLatin1String(key), QStringLiteral("must hold counts of images"));
            counts.insert(it.key(), it.value().toInt());
        }
        return counts;
    };

    if (json.value(QStringLiteral("format")).toString() != QLatin1String("accession-model"))
        throw WeightsError(QStringLiteral("%1: not an Accession model card").arg(source));
    if (number("format_version", 1, 0, std::numeric_limits<int>::max(), QStringLiteral("1..")) > kFormatVersion)
        throw WeightsError(QStringLiteral("%1: written by a newer version of Accession").arg(source));
    ModelCard card;
    card.architecture = text("architecture");
    const QJsonValue members = json.value(QStringLiteral("members"));
    if (card.architecture == kEnsembleArchitecture) {
        if (!members.isArray() || members.toArray().isEmpty())
            throw refuse(QStringLiteral("members"), QStringLiteral("must list the ensemble's networks"));
        if (members.toArray().size() > kMaximumEnsembleMembers)
            throw refuse(QStringLiteral("members"), QStringLiteral("lists %1 networks, more than %2").arg(members.toArray().size()).arg(kMaximumEnsembleMembers));
        for (const QJsonValue &value : members.toArray()) {
            const QString field = QStringLiteral("members[%1]").arg(card.members.size());
            if (!value.isObject())
                throw refuse(field, QStringLiteral("must be a JSON object"));
            const QJsonObject entry = value.toObject();
            EnsembleMember member;
            member.architecture = entry.value(QStringLiteral("architecture")).toString();
            if (!architectureFromName(member.architecture))
                throw refuse(field + QStringLiteral(".architecture"), QStringLiteral("'%1' is not one of %2")
                                 .arg(member.architecture.left(kMaximumClassNameLength), architectureNames().join(QStringLiteral(", "))));
            if (!entry.value(QStringLiteral("preprocessing")).isObject())
                throw refuse(field + QStringLiteral(".preprocessing"), QStringLiteral("must be a JSON object"));
            member.preprocessing = Preprocessing::fromCardJson(entry.value(QStringLiteral("preprocessing")).toObject(),
                                                               Preprocessing::imagenet(), source);
            const double temperature = entry.value(QStringLiteral("temperature")).toDouble(std::nan(""));
            if (!(temperature >= kMinimumTemperature && temperature <= kMaximumTemperature))
                throw refuse(field + QStringLiteral(".temperature"), QStringLiteral("must be a number in [%1, %2]").arg(kMinimumTemperature).arg(kMaximumTemperature));
            member.temperature = temperature;
            member.source = entry.value(QStringLiteral("source")).toString();
            card.members.push_back(member);
        }
    } else if (!members.isUndefined()) {
        throw refuse(QStringLiteral("members"), QStringLiteral("belongs only to a card whose architecture is 'ensemble'"));
    } else if (!architectureFromName(card.architecture))
        throw refuse(QStringLiteral("architecture"), QStringLiteral("'%1' is not one of %2")
                         .arg(card.architecture.left(kMaximumClassNameLength), architectureNames().join(QStringLiteral(", "))));

    const QJsonValue classes = json.value(QStringLiteral("classes"));
    if (!classes.isArray() || classes.toArray().isEmpty())
        throw WeightsError(QStringLiteral("%1: the model card lists no classes").arg(source));
    if (classes.toArray().size() > kMaximumClasses)
        throw refuse(QStringLiteral("classes"), QStringLiteral("lists %1 classes, more than %2").arg(classes.toArray().size()).arg(kMaximumClasses));
    for (const QJsonValue &name : classes.toArray()) {
        const QString value = name.toString();
        if (!name.isString() || value.trimmed().isEmpty())
            throw refuse(QStringLiteral("classes"), QStringLiteral("must be department names, not %1").arg(name.isString() ? QStringLiteral("an empty one") : QStringLiteral("other values")));
        if (value.size() > kMaximumClassNameLength)
            throw refuse(QStringLiteral("classes"), QStringLiteral("holds a name of %1 characters, more than %2").arg(value.size()).arg(kMaximumClassNameLength));
        if (std::any_of(value.begin(), value.end(), [](QChar c) { return c.category() == QChar::Other_Control; }))
            throw refuse(QStringLiteral("classes"), QStringLiteral("holds a name with control characters"));
        if (card.classes.contains(value))
            throw refuse(QStringLiteral("classes"), QStringLiteral("lists '%1' twice").arg(value));
        card.classes << value;
    }

    const QString level = text("level");
    if (!level.isEmpty() && level != QLatin1String("department") && level != QLatin1String("group"))
        throw refuse(QStringLiteral("level"), QStringLiteral("must be department or group"));
    card.level = level.isEmpty() ? QStringLiteral("department") : level;

    Preprocessing legacy = Preprocessing::imagenet();
    legacy.centerCropFraction = legacyCenterCropFraction; // cards without the field were calibrated on such crops
    card.preprocessing = Preprocessing::fromCardJson(object("preprocessing"), legacy, source);
    card.temperature = number("temperature", 1.0, kMinimumTemperature, kMaximumTemperature,
                              QStringLiteral("[%1, %2]").arg(kMinimumTemperature).arg(kMaximumTemperature));
    card.threshold = number("threshold", 1.0, 0.0, 1.0, QStringLiteral("[0, 1]"));
    card.targetAccuracy = number("target_accuracy", 0.95, 0.0, 1.0, QStringLiteral("[0, 1]"));
    card.outOfScopeThreshold = number("out_of_scope_threshold", std::nan(""), -kMaximumOutOfScopeThreshold,
                                      kMaximumOutOfScopeThreshold, QStringLiteral("[-1e6, 1e6]"));
    // A threshold without a named score was fitted on energy, the first score Accession used.
    const QString scoreName = text("out_of_scope_score");
    const std::optional<OutOfScopeScore> score = scoreName.isEmpty() ? OutOfScopeScore::Energy : outOfScopeScoreFromName(scoreName);
    if (!score)
        throw refuse(QStringLiteral("out_of_scope_score"), QStringLiteral("must be max_softmax, energy or knn_energy"));
    card.outOfScopeScore = *score;
    if (usesFeatures(card.outOfScopeScore) && card.hasOutOfScopeThreshold()) {
        if (card.isEnsemble())
            throw refuse(QStringLiteral("out_of_scope_score"), QStringLiteral("knn_energy belongs only to a single network's card: "
                                                                           "an ensemble keeps no feature bank"));
        card.outOfScopeReference.k = int(number("out_of_scope_knn_k", kDefaultNearestNeighbours, 1, kMaximumNearestNeighbours,
                                                QStringLiteral("[1, %1]").arg(kMaximumNearestNeighbours)));
        // Sorted finite numbers, as training wrote them: the joined score ranks photographs against them.
        const auto sortedScores = [&](const char *key) {
            const QJsonValue value = json.value(QLatin1String(key));
            if (!value.isArray() || value.toArray().isEmpty())
                throw refuse(QLatin1String(key), QStringLiteral("must list the validation photographs' scores (knn_energy needs them)"));
            std::vector<double> scores;
            for (const QJsonValue &entry : value.toArray()) {
                if (!entry.isDouble() || !std::isfinite(entry.toDouble()))
                    throw refuse(QLatin1String(key), QStringLiteral("must hold only numbers"));
                scores.push_back(entry.toDouble());
            }
            if (!std::is_sorted(scores.begin(), scores.end()))
                throw refuse(QLatin1String(key), QStringLiteral("must be sorted in ascending order"));
            return scores;
        };
        card.outOfScopeReference.knnDistances = sortedScores("out_of_scope_reference_knn_distances");
        card.outOfScopeReference.energies = sortedScores("out_of_scope_reference_energies");
    }

    card.validation = EvaluationReport::fromJson(object("validation"));
    // The dashboard reads the report by class index: its shape must be the card's.
    const int k = int(card.classes.size());
    if (!card.validation.classes.isEmpty() && card.validation.classes != card.classes)
        throw refuse(QStringLiteral("validation"), QStringLiteral("names other classes than the card"));
    if (!card.validation.confusion.isEmpty()
        && (card.validation.confusion.size() != k
            || std::any_of(card.validation.confusion.begin(), card.validation.confusion.end(),
                           [k](const QVector<int> &row) { return row.size() != k; })))
        throw refuse(QStringLiteral("validation"), QStringLiteral("has a confusion matrix that is not %1 x %1").arg(k));
    if (!card.validation.perClass.isEmpty() && card.validation.perClass.size() != k)
        throw refuse(QStringLiteral("validation"), QStringLiteral("has per-class figures for %1 classes, not %2").arg(card.validation.perClass.size()).arg(k));

    card.trainedAt = QDateTime::fromString(text("trained_at"), Qt::ISODate);
    card.trainingImagesPerClass = countsPerClass("training_images_per_class");
    card.validationImagesPerClass = countsPerClass("validation_images_per_class");
    card.training = object("training");
    card.pretrainedFrom = text("pretrained_from");
    card.catalogPath = text("catalog");
    card.splitId = qint64(number("split_id", 0, 0, 9007199254740992.0, QStringLiteral("0..2^53")));
    const QJsonValue tta = json.value(QStringLiteral("tta"));
    if (!tta.isUndefined()) {
        const auto views = testTimeAugmentationFromName(tta.toString());
        if (!tta.isString() || !views)
            throw refuse(QStringLiteral("tta"), QStringLiteral("must be one of %1").arg(testTimeAugmentationNames().join(QStringLiteral(", "))));
        card.testTimeAugmentation = *views;
    }
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
    if (file.size() > kMaximumCardBytes)
        throw WeightsError(QStringLiteral("%1: %2 bytes is too large for a model card (at most %3)").arg(path).arg(file.size()).arg(kMaximumCardBytes));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.read(kMaximumCardBytes), &error);
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
