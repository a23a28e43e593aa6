#pragma once

#include "metrics.h"
#include "preprocessing.h"
#include "testtimeaugmentation.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QStringList>

#include <cmath>

namespace accession {

// The out-of-scope threshold a card may hold: energies are logits' size, far inside this.
constexpr double kMaximumOutOfScopeThreshold = 1e6;
// The tensor of a model file holding the training photographs' L2-normalised pooled features [rows x feature size]
// for the knn_energy score; no network weight, so loading the network leaves it out.
inline constexpr char kFeatureBankTensor[] = "accession.out_of_scope.feature_bank";

// Limits on what a model card may list. A museum has tens of departments; a card listing more than this many
// classes, or names longer than the catalog accepts for a department, is not one Accession wrote.
constexpr int kMaximumClasses = 1000;
constexpr int kMaximumClassNameLength = 200;
// A card holds the validation report with one coverage point per distinct confidence: a few MB at most.
constexpr qint64 kMaximumCardBytes = qint64(64) << 20;
// An ensemble averages a handful of networks; each one costs a full pass over every photograph.
constexpr int kMaximumEnsembleMembers = 8;

// One network of an ensemble: its tensors are stored in the ensemble's file as "members.<index>.<name>".
struct EnsembleMember
{
    QString architecture;
    Preprocessing preprocessing;
    double temperature = 1.0; // the member's own calibration, applied before averaging
    QString source;           // the model file it was taken from, for the record

    QJsonObject toJson() const;
    static std::string tensorPrefix(int index); // "members.1."
};

// What a trained model is and how far to trust it; saved as JSON beside the model's .safetensors.
struct ModelCard
{
    // 2: ensembles (a reader of version 1 refuses them as written by a newer Accession); single models stay 1.
    static constexpr int kFormatVersion = 2;
    static inline const QString kEnsembleArchitecture = QStringLiteral("ensemble");

    QString architecture;
    QStringList classes;
    // "department", or "group": trained with each item's label mapped to its department group (classes are groups).
    QString level = QStringLiteral("department");
    Preprocessing preprocessing;
    double temperature = 1.0;
    double threshold = 1.0; // calibrated confidence at or above which predictions are auto-filed
    double targetAccuracy = 0.95;
    // The out-of-scope score (of this kind) above which a photograph is unlike any department's, fitted on
    // validation; NaN on cards written before it existed, which flag nothing as out of scope.
    OutOfScopeScore outOfScopeScore = kDefaultOutOfScopeScore;
    double outOfScopeThreshold = std::nan("");
    bool hasOutOfScopeThreshold() const { return std::isfinite(outOfScopeThreshold); }
    // knn_energy only: k and the validation photographs' sorted scores ("out_of_scope_knn_k",
    // "out_of_scope_reference_knn_distances", "out_of_scope_reference_energies"); the training photographs'
    // features are in the model file (kFeatureBankTensor).
    FeatureSpaceReference outOfScopeReference;
    EvaluationReport validation;
    QDateTime trainedAt;
    QMap<QString, int> trainingImagesPerClass;
    QMap<QString, int> validationImagesPerClass;
    QJsonObject training; // options, phases, per-epoch history, timings
    QString pretrainedFrom;
    QString catalogPath;
    qint64 splitId = 0;
    TestTimeAugmentation testTimeAugmentation = TestTimeAugmentation::None; // "tta"; cards without it: none
    // Empty for a single network. Otherwise architecture is "ensemble", the card's temperature and threshold apply
    // to the mean of the members' calibrated probabilities, and preprocessing is the first member's.
    QVector<EnsembleMember> members;

    bool isEnsemble() const { return !members.isEmpty(); }
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
