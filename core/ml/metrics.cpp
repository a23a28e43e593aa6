#include "metrics.h"

#include "catalog/ranking.h"

#include <QJsonArray>

#include <algorithm>
#include <functional>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace accession {

namespace {

// A temperature that is not a positive finite number scales nothing.
double usableTemperature(double temperature)
{
    return std::isfinite(temperature) && temperature > 0 ? temperature : 1.0;
}

bool rowIsFinite(const float *logits, int classes)
{
    return std::all_of(logits, logits + classes, [](float x) { return std::isfinite(x); });
}

bool labelInRange(const LogitSet &set, int i)
{
    const int label = set.labels[size_t(i)];
    return label >= 0 && label < set.classes;
}

// The smallest probability a log is taken of: an item whose true class got 0 (an infinite score elsewhere) costs
// a large but finite amount, and the temperature search stays well-defined.
constexpr double kSmallestProbability = 1e-300;

} // namespace

std::vector<double> softmax(const float *logits, int classes, double temperature)
{
    std::vector<double> probabilities(static_cast<size_t>(std::max(0, classes)), 0.0);
    if (classes <= 0)
        return probabilities;
    temperature = usableTemperature(temperature);
    // Scores of +infinity share all the mass; NaN and -infinity get none; with no usable score at all, every class
    // is equally likely. So whatever the network gave, the result is finite and sums to 1.
    int infinite = 0;
    double largest = -INFINITY;
    for (int c = 0; c < classes; ++c) {
        const double x = double(logits[c]) / temperature;
        if (x == INFINITY)
            ++infinite;
        else if (std::isfinite(x))
            largest = std::max(largest, x);
    }
    if (infinite > 0) {
        for (int c = 0; c < classes; ++c)
            probabilities[size_t(c)] = double(logits[c]) / temperature == INFINITY ? 1.0 / infinite : 0.0;
        return probabilities;
    }
    if (largest == -INFINITY) {
        std::fill(probabilities.begin(), probabilities.end(), 1.0 / classes);
        return probabilities;
    }
    double sum = 0;
    for (int c = 0; c < classes; ++c) {
        const double x = double(logits[c]) / temperature;
        probabilities[size_t(c)] = std::isfinite(x) ? std::exp(x - largest) : 0.0;
        sum += probabilities[size_t(c)];
    }
    for (double &p : probabilities)
        p /= sum; // sum >= 1: the largest term is exp(0)
    return probabilities;
}

double negativeLogLikelihood(const LogitSet &set, double temperature)
{
    temperature = usableTemperature(temperature);
    double total = 0;
    int counted = 0;
    for (int i = 0; i < set.count(); ++i) {
        if (!labelInRange(set, i))
            continue;
        const float *row = set.logits.data() + size_t(i) * size_t(set.classes);
        const int label = set.labels[size_t(i)];
        ++counted;
        if (!rowIsFinite(row, set.classes)) {
            total += -std::log(std::max(kSmallestProbability, softmax(row, set.classes, temperature)[size_t(label)]));
            continue;
        }
        double largest = -INFINITY;
        for (int c = 0; c < set.classes; ++c)
            largest = std::max(largest, double(row[c]) / temperature);
        double sum = 0;
        for (int c = 0; c < set.classes; ++c)
            sum += std::exp(double(row[c]) / temperature - largest);
        total += std::min(-std::log(kSmallestProbability), -(double(row[label]) / temperature - largest - std::log(sum)));
    }
    return counted > 0 ? total / counted : 0.0;
}

double fitTemperature(const LogitSet &set)
{
    if (set.count() == 0)
        return 1.0;
    // NLL is unimodal in log T: golden-section search over [log 0.05, log 20].
    double low = std::log(0.05);
    double high = std::log(20.0);
    const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
    double a = high - ratio * (high - low);
    double b = low + ratio * (high - low);
    double fa = negativeLogLikelihood(set, std::exp(a));
    double fb = negativeLogLikelihood(set, std::exp(b));
    for (int i = 0; i < 80; ++i) {
        if (fa < fb) {
            high = b;
            b = a;
            fb = fa;
            a = high - ratio * (high - low);
            fa = negativeLogLikelihood(set, std::exp(a));
        } else {
            low = a;
            a = b;
            fa = fb;
            b = low + ratio * (high - low);
            fb = negativeLogLikelihood(set, std::exp(b));
        }
    }
    return std::exp((low + high) / 2.0);
}

namespace {

QVector<ReliabilityBin> reliabilityBins(const LogitSet &set, double temperature, int bins)
{
    bins = std::max(1, bins);
    QVector<ReliabilityBin> result(bins);
    for (int b = 0; b < bins; ++b) {
        result[b].lower = double(b) / bins;
        result[b].upper = double(b + 1) / bins;
    }
    for (int i = 0; i < set.count(); ++i) {
        if (!labelInRange(set, i))
            continue;
        const std::vector<double> p = softmax(set.logits.data() + size_t(i) * size_t(set.classes), set.classes, temperature);
        const auto best = std::max_element(p.begin(), p.end());
        const int predicted = int(best - p.begin());
        // softmax() is finite in [0, 1]; the clamp keeps the index in range whatever a future change lets through.
        const int bin = std::isfinite(*best) ? std::clamp(int(*best * bins), 0, bins - 1) : 0;
        result[bin].count += 1;
        result[bin].meanConfidence += *best;
        result[bin].accuracy += predicted == set.labels[size_t(i)] ? 1.0 : 0.0;
    }
    for (ReliabilityBin &bin : result) {
        if (bin.count > 0) {
            bin.meanConfidence /= bin.count;
            bin.accuracy /= bin.count;
        }
    }
    return result;
}

double eceFromBins(const QVector<ReliabilityBin> &bins)
{
    int count = 0;
    for (const ReliabilityBin &bin : bins)
        count += bin.count;
    double ece = 0;
    for (const ReliabilityBin &bin : bins)
        ece += count > 0 ? double(bin.count) / count * std::abs(bin.accuracy - bin.meanConfidence) : 0.0;
    return ece;
}

QJsonArray binsToJson(const QVector<ReliabilityBin> &bins)
{
    QJsonArray array;
    for (const ReliabilityBin &bin : bins) {
        array.append(QJsonObject{{QStringLiteral("lower"), bin.lower}, {QStringLiteral("upper"), bin.upper},
                                 {QStringLiteral("count"), bin.count}, {QStringLiteral("confidence"), bin.meanConfidence},
                                 {QStringLiteral("accuracy"), bin.accuracy}});
    }
    return array;
}

QVector<ReliabilityBin> binsFromJson(const QJsonArray &array)
{
    QVector<ReliabilityBin> bins;
    for (const QJsonValue &value : array) {
        const QJsonObject o = value.toObject();
        bins.push_back({o.value(QStringLiteral("lower")).toDouble(), o.value(QStringLiteral("upper")).toDouble(),
                        o.value(QStringLiteral("count")).toInt(), o.value(QStringLiteral("confidence")).toDouble(),
                        o.value(QStringLiteral("accuracy")).toDouble()});
    }
    return bins;
}

} // namespace

double expectedCalibrationError(const LogitSet &set, double temperature, int bins)
{
    return eceFromBins(reliabilityBins(set, temperature, bins));
}

void coverageAnalysis(std::vector<std::pair<double, bool>> items, double targetAccuracy, QVector<CoveragePoint> *curve,
                      double *threshold, double *coverage)
{
    // A confidence that is not a number in [0, 1] would break the ordering (NaN) or the threshold: it counts as 0.
    for (auto &item : items)
        item.first = std::isfinite(item.first) ? std::clamp(item.first, 0.0, 1.0) : 0.0;
    std::sort(items.begin(), items.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    const int n = int(items.size());
    *threshold = 1.0;
    *coverage = 0.0;
    curve->clear();
    int correct = 0;
    for (int k = 0; k < n; ++k) {
        correct += items[size_t(k)].second ? 1 : 0;
        // Items tied on confidence are accepted or refused together.
        if (k + 1 < n && items[size_t(k + 1)].first == items[size_t(k)].first)
            continue;
        const double accuracy = double(correct) / (k + 1);
        curve->push_back({items[size_t(k)].first, double(k + 1) / n, accuracy});
        if (accuracy >= targetAccuracy) {
            *threshold = items[size_t(k)].first;
            *coverage = double(k + 1) / n;
        }
    }
}

double energyScore(const float *logits, int classes, double temperature)
{
    const double t = usableTemperature(temperature);
    double largest = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < classes; ++c) {
        if (std::isfinite(logits[c]))
            largest = std::max(largest, double(logits[c]) / t);
    }
    if (!std::isfinite(largest))
        return std::numeric_limits<double>::infinity();
    double sum = 0;
    for (int c = 0; c < classes; ++c) {
        if (std::isfinite(logits[c]))
            sum += std::exp(double(logits[c]) / t - largest);
    }
    return -t * (largest + std::log(sum));
}

QString outOfScopeScoreName(OutOfScopeScore score)
{
    switch (score) {
    case OutOfScopeScore::Energy:
        return QStringLiteral("energy");
    case OutOfScopeScore::KnnEnergy:
        return QStringLiteral("knn_energy");
    case OutOfScopeScore::MaxSoftmax:
        break;
    }
    return QStringLiteral("max_softmax");
}

std::optional<OutOfScopeScore> outOfScopeScoreFromName(const QString &name)
{
    if (name == QLatin1String("energy"))
        return OutOfScopeScore::Energy;
    if (name == QLatin1String("knn_energy"))
        return OutOfScopeScore::KnnEnergy;
    if (name == QLatin1String("max_softmax"))
        return OutOfScopeScore::MaxSoftmax;
    return std::nullopt;
}

double outOfScopeScore(const float *logits, int classes, double temperature, OutOfScopeScore kind)
{
    if (kind != OutOfScopeScore::MaxSoftmax) // knn_energy's logit half: its joined score needs the features too
        return energyScore(logits, classes, temperature);
    const std::vector<double> p = softmax(logits, classes, temperature);
    return p.empty() ? 1.0 : 1.0 - *std::max_element(p.begin(), p.end());
}

double fitOutOfScopeThreshold(const LogitSet &set, double temperature, double inScopeFraction, OutOfScopeScore kind)
{
    std::vector<double> energies;
    energies.reserve(size_t(set.count()));
    for (int i = 0; i < set.count(); ++i) {
        const double energy = outOfScopeScore(set.logits.data() + size_t(i) * size_t(set.classes), set.classes, temperature, kind);
        if (std::isfinite(energy))
            energies.push_back(energy);
    }
    return quantile(std::move(energies), inScopeFraction);
}

double quantile(std::vector<double> values, double fraction)
{
    if (values.empty())
        return std::nan("");
    std::sort(values.begin(), values.end());
    const double position = std::clamp(fraction, 0.0, 1.0) * double(values.size() - 1);
    const size_t below = size_t(std::floor(position));
    const size_t above = std::min(below + 1, values.size() - 1);
    return values[below] + (position - double(below)) * (values[above] - values[below]);
}

double kthNearestDistance(const float *feature, const float *bank, int64_t rows, int64_t dims, int k)
{
    if (rows <= 0)
        return std::nan("");
    const size_t kept = size_t(std::clamp<int64_t>(k, 1, rows));
    std::vector<double> similarities(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
        const float *row = bank + r * dims;
        double dot = 0;
        for (int64_t d = 0; d < dims; ++d)
            dot += double(feature[d]) * double(row[d]);
        similarities[size_t(r)] = dot;
    }
    // The k-th largest similarity is the k-th nearest row.
    std::nth_element(similarities.begin(), similarities.begin() + std::ptrdiff_t(kept - 1), similarities.end(), std::greater<double>());
    return 1.0 - similarities[kept - 1];
}

double shareBelow(const std::vector<double> &sorted, double value)
{
    if (sorted.empty())
        return std::nan("");
    if (std::isnan(value))
        return 1.0; // nothing to rank it by: as far out as any
    // Lower by more than float noise: a validation photograph scored again (training's network, then the one folded
    // for inference) must not count its own reference as lower, or its rank would turn on the last bit.
    const double below = value - kScoreTolerance * std::max(1.0, std::abs(value));
    return double(std::lower_bound(sorted.begin(), sorted.end(), below) - sorted.begin()) / double(sorted.size());
}

double FeatureSpaceReference::joinedScore(double knnDistance, double energy) const
{
    return std::max(shareBelow(knnDistances, knnDistance), shareBelow(energies, energy));
}

double knnEnergyScore(const FeatureSpaceReference &reference, const float *bank, int64_t rows, int64_t dims,
                      const float *feature, const float *logits, int classes, double temperature)
{
    return reference.joinedScore(kthNearestDistance(feature, bank, rows, dims, reference.k), energyScore(logits, classes, temperature));
}

EvaluationReport evaluate(const LogitSet &set, const QStringList &classes, double temperature, double targetAccuracy)
{
    EvaluationReport report;
    report.classes = classes;
    report.targetAccuracy = targetAccuracy;
    const int k = set.classes;
    report.confusion = QVector<QVector<int>>(k, QVector<int>(k, 0));
    if (k <= 0 || set.logits.size() < size_t(set.count()) * size_t(k))
        throw std::invalid_argument("evaluate: the logits do not hold one row of scores per item");
    report.temperature = std::isfinite(temperature) && temperature > 0 ? temperature : fitTemperature(set);

    int correct = 0;
    int top3 = 0;
    int counted = 0;
    std::vector<std::pair<double, bool>> calibrated;
    for (int i = 0; i < set.count(); ++i) {
        if (!labelInRange(set, i))
            continue; // not an item of these classes: nothing to measure it against
        ++counted;
        const float *row = set.logits.data() + size_t(i) * size_t(k);
        const int label = set.labels[size_t(i)];
        const std::vector<int> order = rankedClasses(row, size_t(k));
        const int predicted = order[0];
        correct += predicted == label ? 1 : 0;
        top3 += std::find(order.begin(), order.begin() + std::min(3, k), label) != order.begin() + std::min(3, k) ? 1 : 0;
        report.confusion[label][predicted] += 1;
        const std::vector<double> p = softmax(row, k, report.temperature);
        calibrated.emplace_back(p[size_t(predicted)], predicted == label);
    }
    report.count = counted;
    const int n = std::max(1, counted);
    report.accuracy = double(correct) / n;
    report.top3Accuracy = double(top3) / n;
    for (int c = 0; c < k; ++c) {
        ClassMetrics metrics;
        metrics.name = classes.value(c);
        int predictedAsC = 0;
        for (int r = 0; r < k; ++r)
            predictedAsC += report.confusion[r][c];
        metrics.support = std::accumulate(report.confusion[c].begin(), report.confusion[c].end(), 0);
        const int truePositives = report.confusion[c][c];
        metrics.recall = metrics.support > 0 ? double(truePositives) / metrics.support : 0.0;
        metrics.accuracy = metrics.recall;
        metrics.precision = predictedAsC > 0 ? double(truePositives) / predictedAsC : 0.0;
        metrics.f1 = metrics.precision + metrics.recall > 0
                         ? 2 * metrics.precision * metrics.recall / (metrics.precision + metrics.recall)
                         : 0.0;
        report.perClass.push_back(metrics);
    }
    report.reliabilityUncalibrated = reliabilityBins(set, 1.0, 15);
    report.reliability = reliabilityBins(set, report.temperature, 15);
    report.ece = eceFromBins(report.reliabilityUncalibrated);
    report.eceCalibrated = eceFromBins(report.reliability);
    report.nll = negativeLogLikelihood(set, 1.0);
    report.nllCalibrated = negativeLogLikelihood(set, report.temperature);
    coverageAnalysis(calibrated, targetAccuracy, &report.coverageCurve, &report.thresholdForTarget, &report.coverageAtTarget);
    report.outOfScopeThreshold = fitOutOfScopeThreshold(set, report.temperature, report.inScopeFraction, report.outOfScopeScore);
    return report;
}

QJsonObject EvaluationReport::toJson() const
{
    QJsonArray perClassJson;
    for (const ClassMetrics &m : perClass) {
        perClassJson.append(QJsonObject{{QStringLiteral("class"), m.name}, {QStringLiteral("accuracy"), m.accuracy},
                                        {QStringLiteral("precision"), m.precision}, {QStringLiteral("recall"), m.recall},
                                        {QStringLiteral("f1"), m.f1}, {QStringLiteral("support"), m.support}});
    }
    QJsonArray confusionJson;
    for (const QVector<int> &row : confusion) {
        QJsonArray rowJson;
        for (int value : row)
            rowJson.append(value);
        confusionJson.append(rowJson);
    }
    QJsonArray curve;
    for (const CoveragePoint &point : coverageCurve) {
        curve.append(QJsonObject{{QStringLiteral("threshold"), point.threshold}, {QStringLiteral("coverage"), point.coverage},
                                 {QStringLiteral("accuracy"), point.accuracy}});
    }
    return QJsonObject{{QStringLiteral("count"), count},
                       {QStringLiteral("accuracy"), accuracy},
                       {QStringLiteral("top3_accuracy"), top3Accuracy},
                       {QStringLiteral("classes"), QJsonArray::fromStringList(classes)},
                       {QStringLiteral("per_class"), perClassJson},
                       {QStringLiteral("confusion"), confusionJson},
                       {QStringLiteral("temperature"), temperature},
                       {QStringLiteral("ece"), ece},
                       {QStringLiteral("ece_calibrated"), eceCalibrated},
                       {QStringLiteral("nll"), nll},
                       {QStringLiteral("nll_calibrated"), nllCalibrated},
                       {QStringLiteral("target_accuracy"), targetAccuracy},
                       {QStringLiteral("threshold_for_target"), thresholdForTarget},
                       {QStringLiteral("coverage_at_target"), coverageAtTarget},
                       {QStringLiteral("coverage_curve"), curve},
                       {QStringLiteral("reliability"), binsToJson(reliability)},
                       {QStringLiteral("reliability_uncalibrated"), binsToJson(reliabilityUncalibrated)},
                       {QStringLiteral("out_of_scope_score"), outOfScopeScoreName(outOfScopeScore)},
                       {QStringLiteral("out_of_scope_threshold"), std::isfinite(outOfScopeThreshold) ? QJsonValue(outOfScopeThreshold) : QJsonValue()},
                       {QStringLiteral("in_scope_fraction"), inScopeFraction}};
}

EvaluationReport EvaluationReport::fromJson(const QJsonObject &json)
{
    EvaluationReport report;
    report.count = json.value(QStringLiteral("count")).toInt();
    report.accuracy = json.value(QStringLiteral("accuracy")).toDouble();
    report.top3Accuracy = json.value(QStringLiteral("top3_accuracy")).toDouble();
    for (const QJsonValue &name : json.value(QStringLiteral("classes")).toArray())
        report.classes << name.toString();
    for (const QJsonValue &value : json.value(QStringLiteral("per_class")).toArray()) {
        const QJsonObject o = value.toObject();
        report.perClass.push_back({o.value(QStringLiteral("class")).toString(), o.value(QStringLiteral("accuracy")).toDouble(),
                                   o.value(QStringLiteral("precision")).toDouble(), o.value(QStringLiteral("recall")).toDouble(),
                                   o.value(QStringLiteral("f1")).toDouble(), o.value(QStringLiteral("support")).toInt()});
    }
    for (const QJsonValue &row : json.value(QStringLiteral("confusion")).toArray()) {
        QVector<int> values;
        for (const QJsonValue &value : row.toArray())
            values.push_back(value.toInt());
        report.confusion.push_back(values);
    }
    report.temperature = json.value(QStringLiteral("temperature")).toDouble(1.0);
    report.ece = json.value(QStringLiteral("ece")).toDouble();
    report.eceCalibrated = json.value(QStringLiteral("ece_calibrated")).toDouble();
    report.nll = json.value(QStringLiteral("nll")).toDouble();
    report.nllCalibrated = json.value(QStringLiteral("nll_calibrated")).toDouble();
    report.targetAccuracy = json.value(QStringLiteral("target_accuracy")).toDouble(0.95);
    report.thresholdForTarget = json.value(QStringLiteral("threshold_for_target")).toDouble(1.0);
    report.coverageAtTarget = json.value(QStringLiteral("coverage_at_target")).toDouble();
    for (const QJsonValue &value : json.value(QStringLiteral("coverage_curve")).toArray()) {
        const QJsonObject o = value.toObject();
        report.coverageCurve.push_back({o.value(QStringLiteral("threshold")).toDouble(), o.value(QStringLiteral("coverage")).toDouble(),
                                        o.value(QStringLiteral("accuracy")).toDouble()});
    }
    report.reliability = binsFromJson(json.value(QStringLiteral("reliability")).toArray());
    report.reliabilityUncalibrated = binsFromJson(json.value(QStringLiteral("reliability_uncalibrated")).toArray());
    report.outOfScopeThreshold = json.value(QStringLiteral("out_of_scope_threshold")).toDouble(std::nan(""));
    // Reports from before the score had a name were fitted on energy.
    report.outOfScopeScore = outOfScopeScoreFromName(json.value(QStringLiteral("out_of_scope_score")).toString()).value_or(OutOfScopeScore::Energy);
    report.inScopeFraction = json.value(QStringLiteral("in_scope_fraction")).toDouble(kInScopeFraction);
    return report;
}

} // namespace accession
