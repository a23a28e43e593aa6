#pragma once

#include <QJsonObject>
#include <QStringList>
#include <QVector>

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

namespace accession {

// Share of validation photographs kept in scope by the out-of-scope threshold fitted on them.
constexpr double kInScopeFraction = 0.95;

// Which score says how unlike every department's photographs a photograph is; higher is further out of scope.
// Max softmax (1 - the calibrated confidence) told non-museum images from MET photographs better than energy
// (AUROC 0.87 against 0.77, bench/README.md). KnnEnergy joins a feature-space score with energy
// (FeatureSpaceReference): it also catches photographs the network classifies confidently but whose backbone
// features are far from every training photograph's (AUROC 0.91 against 0.87, and every confidently classified
// outlier flagged where max softmax filed them all), so training fits it by default.
enum class OutOfScopeScore { MaxSoftmax, Energy, KnnEnergy };
// What a card or report that names no score used: cards written before the score was recorded fitted max softmax.
constexpr OutOfScopeScore kDefaultOutOfScopeScore = OutOfScopeScore::MaxSoftmax;
// What training fits unless told otherwise. An ensemble, or a split without validation photographs, falls back to
// max softmax (the card says which it got).
constexpr OutOfScopeScore kDefaultTrainingOutOfScopeScore = OutOfScopeScore::KnnEnergy;
QString outOfScopeScoreName(OutOfScopeScore score); // "max_softmax", "energy", "knn_energy"
std::optional<OutOfScopeScore> outOfScopeScoreFromName(const QString &name);
// Whether the score needs the model's feature bank and the validation references (not the logits alone).
constexpr bool usesFeatures(OutOfScopeScore score) { return score == OutOfScopeScore::KnnEnergy; }

// Neighbours counted by the kNN distance: the distance to the k-th nearest training photograph.
constexpr int kDefaultNearestNeighbours = 5;
constexpr int kMaximumNearestNeighbours = 100;
// Training photographs whose features a model file keeps for the kNN distance, drawn evenly per department.
constexpr int kMaximumFeatureBankRows = 4096;

// What the knn_energy score ranks a photograph against: the validation photographs' kNN distances and energies,
// each sorted ascending. A photograph's joined score is the larger of the shares of validation photographs
// scoring below it on either (bench/python/ood_feature_space.py measured it).
struct FeatureSpaceReference
{
    int k = kDefaultNearestNeighbours;
    std::vector<double> knnDistances;
    std::vector<double> energies;

    bool isEmpty() const { return knnDistances.empty() || energies.empty(); }
    double joinedScore(double knnDistance, double energy) const;
};

// 1 - the cosine similarity between the L2-normalised feature and its k-th nearest row of the bank (rows
// L2-normalised, row-major [rows x dims]); with fewer than k rows, the farthest. 0..2; NaN with an empty bank.
double kthNearestDistance(const float *feature, const float *bank, int64_t rows, int64_t dims, int k);
// A photograph's knn_energy score from its features (dims long, L2-normalised), the bank's rows and its raw scores.
double knnEnergyScore(const FeatureSpaceReference &reference, const float *bank, int64_t rows, int64_t dims,
                      const float *feature, const float *logits, int classes, double temperature);
// Scores closer than this (relative, at least absolute) are the same score computed twice.
constexpr double kScoreTolerance = 1e-6;
// The share of the sorted values below value by more than kScoreTolerance: the empirical CDF the joined score compares.
double shareBelow(const std::vector<double> &sorted, double value);
// The interpolated quantile of the values (unsorted is fine); NaN when there are none.
double quantile(std::vector<double> values, double fraction);

struct ClassMetrics
{
    QString name;
    double accuracy = 0; // share of this class's items predicted correctly (its recall)
    double precision = 0;
    double recall = 0;
    double f1 = 0;
    int support = 0;
};

// One point of the accuracy-versus-coverage curve: accept the most confident predictions first.
struct CoveragePoint
{
    double threshold = 0; // calibrated confidence of the last accepted item
    double coverage = 0;  // share of items accepted
    double accuracy = 0;  // accuracy among them
};

struct ReliabilityBin
{
    double lower = 0;
    double upper = 0;
    int count = 0;
    double meanConfidence = 0;
    double accuracy = 0;
};

// How good a model is on labelled items, and how far its confidence can be trusted.
struct EvaluationReport
{
    QStringList classes;
    int count = 0;
    double accuracy = 0;
    double top3Accuracy = 0;
    QVector<ClassMetrics> perClass;
    QVector<QVector<int>> confusion; // rows: true class; columns: predicted, in class order
    double temperature = 1.0;
    double ece = 0;           // before temperature scaling
    double eceCalibrated = 0; // after
    double nll = 0;
    double nllCalibrated = 0;
    double targetAccuracy = 0.95;
    double thresholdForTarget = 1.0; // calibrated confidence from which predictions may be auto-filed
    double coverageAtTarget = 0;     // share of items at or above it
    QVector<CoveragePoint> coverageCurve;
    QVector<ReliabilityBin> reliability; // calibrated
    QVector<ReliabilityBin> reliabilityUncalibrated;
    // The out-of-scope score above which a photograph is unlike the validation set: the one that keeps
    // inScopeFraction of validation photographs in scope. NaN when not fitted (reports of older cards).
    OutOfScopeScore outOfScopeScore = kDefaultOutOfScopeScore;
    double outOfScopeThreshold = std::nan("");
    double inScopeFraction = kInScopeFraction;

    QJsonObject toJson() const;
    static EvaluationReport fromJson(const QJsonObject &json);
};

// Row-major logits [count x classes] with true labels in 0..classes-1.
struct LogitSet
{
    int classes = 0;
    std::vector<float> logits;
    std::vector<int> labels;
    int count() const { return int(labels.size()); }
};

// Always finite probabilities summing to 1, whatever the scores: +infinity shares all the mass, NaN and
// -infinity get none, and with no usable score every class is equally likely. A temperature that is not a
// positive finite number counts as 1.
std::vector<double> softmax(const float *logits, int classes, double temperature = 1.0);

// How unlike every department a photograph is, from its raw scores: the energy -T * log(sum(exp(logit / T))) at the
// model's calibrated temperature T. Higher is further out of scope. Non-finite scores are left out; with no finite
// score the result is +infinity (nothing to recognise it by).
double energyScore(const float *logits, int classes, double temperature = 1.0);
// The score of that kind for one photograph's raw scores at the model's temperature: energyScore, or 1 - the
// largest calibrated probability.
double outOfScopeScore(const float *logits, int classes, double temperature, OutOfScopeScore kind);
// The score at or below which `inScopeFraction` of these photographs lie (an interpolated quantile of their
// scores): above it, a photograph is taken to be out of scope. NaN for an empty set.
double fitOutOfScopeThreshold(const LogitSet &set, double temperature, double inScopeFraction = kInScopeFraction,
                              OutOfScopeScore kind = kDefaultOutOfScopeScore);

// The temperature minimising validation negative log-likelihood (T in 0.05..20).
double fitTemperature(const LogitSet &set);
double negativeLogLikelihood(const LogitSet &set, double temperature);
double expectedCalibrationError(const LogitSet &set, double temperature, int bins = 15);

// temperature <= 0 fits it on this set; otherwise the given one (a model's own) is used. Items whose label is not
// one of the classes are left out; NaN scores rank below all others. Throws std::invalid_argument when the
// logits are fewer than count() x classes.
EvaluationReport evaluate(const LogitSet &set, const QStringList &classes, double temperature = 0.0,
                          double targetAccuracy = 0.95);

// From calibrated confidences and whether each prediction was right: the curve, and the lowest threshold
// whose accepted items (confidence >= threshold) reach the target accuracy. No such threshold: 1.0 and 0.
void coverageAnalysis(std::vector<std::pair<double, bool>> confidenceAndCorrect, double targetAccuracy,
                      QVector<CoveragePoint> *curve, double *threshold, double *coverage);

} // namespace accession
