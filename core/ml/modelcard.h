#pragma once

#include "metrics.h"
#include "preprocessing.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QStringList>

#include <cmath>

namespace accession {

// The out-of-scope threshold a card may hold: energies are logits' size, far inside this.
constexpr double kMaximumOutOfScopeThreshold = 1e6;

// Limits on what a model card may list. A museum has tens of departments; a card listing more than this many
// classes, or names longer than the catalog accepts for a department, is not one Accession wrote.
constexpr int kMaximumClasses = 1000;
constexpr int kMaximumClassNameLength = 200;
// A card holds the validation report with one coverage point per distinct confidence: a few MB at most.
constexpr qint64 kMaximumCardBytes = qint64(64) << 20;

// What a trained model is and how far to trust it; saved as JSON beside the model's .safetensors.
struct ModelCard
{
    static constexpr int kFormatVersion = 1;

    QString architecture;
    QStringList classes;
    Preprocessing preprocessing;
    double temperature = 1.0;
    double threshold = 1.0; // calibrated confidence at or above which predictions are auto-filed
    double targetAccuracy = 0.95;
    // The out-of-scope score (of this kind) above which a photograph is unlike any department's, fitted on
    // validation; NaN on cards written before it existed, which flag nothing as out of scope.
    OutOfScopeScore outOfScopeScore = kDefaultOutOfScopeScore;
    double outOfScopeThreshold = std::nan("");
    bool hasOutOfScopeThreshold() const { return std::isfinite(outOfScopeThreshold); }
    EvaluationReport validation;
    QDateTime trainedAt;
    QMap<QString, int> trainingImagesPerClass;
    QMap<QString, int> validationImagesPerClass;
    QJsonObject training; // options, phases, per-epoch history, timings
    QString pretrainedFrom;
    QString catalogPath;
    qint64 splitId = 0;

    QJsonObject toJson() const;
    // Throws WeightsError naming `source` and the field when the JSON is not a usable model card: every field
    // present must have its type and range (architecture known, classes unique non-empty names, threshold in
    // [0, 1], temperature in [kMinimumTemperature, kMaximumTemperature], preprocessing as
    // Preprocessing::fromCardJson). Absent optional fields take the defaults older cards implied.
    static ModelCard fromJson(const QJsonObject &json, const QString &source);

    static QString pathBeside(const QString &modelPath); // MODEL.json for MODEL.safetensors
    static ModelCard readBeside(const QString &modelPath);
    void writeBeside(const QString &modelPath) const;
};

} // namespace accession
