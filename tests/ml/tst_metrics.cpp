#include "ml/metrics.h"
#include "catalog/ranking.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

using namespace accession;

namespace {

// Logits whose softmax puts exactly probability p on class 0 of two.
void addBinary(LogitSet &set, double p, int label)
{
    set.logits.push_back(float(std::log(p)));
    set.logits.push_back(float(std::log(1.0 - p)));
    set.labels.push_back(label);
}

} // namespace

class TestMetrics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rankedClassesPutNaNLastAndKeepTiesInOrder();
    void countsAccuracyTop3AndConfusion();
    void perClassPrecisionRecallF1();
    void expectedCalibrationErrorByHand();
    void temperatureUndoesOverconfidence();
    void thresholdKeepsTargetAccuracy();
    void tiedConfidencesAreAcceptedTogether();
    void unreachableTargetAcceptsNothing();
    void reportRoundTripsThroughJson();
    void softmaxIsFiniteWhateverTheScores();
    void nonFiniteScoresNeverBreakTheMetrics();
    void nonFiniteConfidencesNeverBreakTheThreshold();
};

void TestMetrics::countsAccuracyTop3AndConfusion()
{
    // Four classes, five items. Rows are logits; the true class of each follows.
    LogitSet set;
    set.classes = 4;
    set.logits = {4, 3, 2, 1,   // predicts 0, true 0
                  1, 4, 3, 2,   // predicts 1, true 2 (second choice)
                  1, 2, 3, 4,   // predicts 3, true 0 (last choice: not in top 3)
                  0, 0, 5, 1,   // predicts 2, true 2
                  3, 4, 1, 2};  // predicts 1, true 3 (third choice)
    set.labels = {0, 2, 0, 2, 3};
    const EvaluationReport report = evaluate(set, {QStringLiteral("A"), QStringLiteral("B"), QStringLiteral("C"), QStringLiteral("D")}, 1.0);
    QCOMPARE(report.count, 5);
    QCOMPARE(report.accuracy, 2.0 / 5.0);
    QCOMPARE(report.top3Accuracy, 4.0 / 5.0);
    QCOMPARE(report.confusion[0], (QVector<int>{1, 0, 0, 1}));
    QCOMPARE(report.confusion[2], (QVector<int>{0, 1, 1, 0}));
    QCOMPARE(report.confusion[3], (QVector<int>{0, 1, 0, 0}));
    QCOMPARE(report.confusion[1], (QVector<int>{0, 0, 0, 0}));
}

void TestMetrics::perClassPrecisionRecallF1()
{
    LogitSet set;
    set.classes = 2;
    // True A predicted A (x3), true A predicted B (x1), true B predicted B (x1), true B predicted A (x1).
    for (int i = 0; i < 3; ++i) {
        set.logits.insert(set.logits.end(), {2, 0});
        set.labels.push_back(0);
    }
    set.logits.insert(set.logits.end(), {0, 2});
    set.labels.push_back(0);
    set.logits.insert(set.logits.end(), {0, 2});
    set.labels.push_back(1);
    set.logits.insert(set.logits.end(), {2, 0});
    set.labels.push_back(1);
    const EvaluationReport report = evaluate(set, {QStringLiteral("A"), QStringLiteral("B")}, 1.0);
    const ClassMetrics a = report.perClass[0];
    QCOMPARE(a.support, 4);
    QCOMPARE(a.recall, 0.75);
    QCOMPARE(a.accuracy, 0.75);
    QCOMPARE(a.precision, 0.75); // 3 of the 4 predicted A
    QCOMPARE(a.f1, 0.75);
    const ClassMetrics b = report.perClass[1];
    QCOMPARE(b.support, 2);
    QCOMPARE(b.recall, 0.5);
    QCOMPARE(b.precision, 0.5);
    QVERIFY(std::abs(b.f1 - 0.5) < 1e-12);
}

void TestMetrics::expectedCalibrationErrorByHand()
{
    LogitSet set;
    set.classes = 2;
    // Bin [0.9, 0.933): two items at 0.92, one right -> |0.5 - 0.92| = 0.42, weight 2/4.
    addBinary(set, 0.92, 0);
    addBinary(set, 0.92, 1);
    // Bin [0.6, 0.667): two items at 0.62, both right -> |1 - 0.62| = 0.38, weight 2/4.
    addBinary(set, 0.62, 0);
    addBinary(set, 0.62, 0);
    const double ece = expectedCalibrationError(set, 1.0, 15);
    QVERIFY2(std::abs(ece - (0.5 * 0.42 + 0.5 * 0.38)) < 1e-6, qPrintable(QString::number(ece)));
}

void TestMetrics::temperatureUndoesOverconfidence()
{
    // Calibrated data: at logit gap a, class 0 is right sigmoid(a) of the time. Then sharpen by 3.
    LogitSet set;
    set.classes = 2;
    for (double a = -3.0; a <= 3.0; a += 0.25) {
        const double p = 1.0 / (1.0 + std::exp(-a));
        const int right = int(std::lround(p * 200));
        for (int i = 0; i < 200; ++i) {
            set.logits.push_back(float(3.0 * a));
            set.logits.push_back(0.0f);
            set.labels.push_back(i < right ? 0 : 1);
        }
    }
    const double temperature = fitTemperature(set);
    QVERIFY2(std::abs(temperature - 3.0) < 0.1, qPrintable(QString::number(temperature)));
    QVERIFY(expectedCalibrationError(set, temperature) < expectedCalibrationError(set, 1.0) / 3);
    QVERIFY(negativeLogLikelihood(set, temperature) < negativeLogLikelihood(set, 1.0));
}

void TestMetrics::thresholdKeepsTargetAccuracy()
{
    std::vector<std::pair<double, bool>> items = {{0.99, true}, {0.95, true}, {0.90, false}, {0.80, true}, {0.70, true}};
    QVector<CoveragePoint> curve;
    double threshold = 0;
    double coverage = 0;
    coverageAnalysis(items, 0.95, &curve, &threshold, &coverage);
    QCOMPARE(threshold, 0.95);
    QCOMPARE(coverage, 0.4);
    QCOMPARE(curve.size(), 5);
    QCOMPARE(curve[2].accuracy, 2.0 / 3.0);
    QCOMPARE(curve[4].coverage, 1.0);
    QCOMPARE(curve[4].accuracy, 0.8);
    // A looser target reaches further down the list.
    coverageAnalysis(items, 0.75, &curve, &threshold, &coverage);
    QCOMPARE(threshold, 0.70);
    QCOMPARE(coverage, 1.0);
}

void TestMetrics::tiedConfidencesAreAcceptedTogether()
{
    std::vector<std::pair<double, bool>> items = {{0.9, true}, {0.8, true}, {0.8, false}, {0.5, true}};
    QVector<CoveragePoint> curve;
    double threshold = 0;
    double coverage = 0;
    coverageAnalysis(items, 0.9, &curve, &threshold, &coverage);
    // Accepting at 0.8 takes both tied items (2 of 3 right), so only 0.9 qualifies.
    QCOMPARE(threshold, 0.9);
    QCOMPARE(coverage, 0.25);
    QCOMPARE(curve.size(), 3);
}

void TestMetrics::unreachableTargetAcceptsNothing()
{
    QVector<CoveragePoint> curve;
    double threshold = 0;
    double coverage = 0;
    coverageAnalysis({{0.9, false}, {0.6, true}}, 0.95, &curve, &threshold, &coverage);
    QCOMPARE(threshold, 1.0);
    QCOMPARE(coverage, 0.0);
}

void TestMetrics::reportRoundTripsThroughJson()
{
    LogitSet set;
    set.classes = 2;
    addBinary(set, 0.9, 0);
    addBinary(set, 0.3, 1);
    addBinary(set, 0.7, 1);
    const EvaluationReport report = evaluate(set, {QStringLiteral("A"), QStringLiteral("B")});
    const EvaluationReport back = EvaluationReport::fromJson(report.toJson());
    QCOMPARE(back.accuracy, report.accuracy);
    QCOMPARE(back.confusion, report.confusion);
    QCOMPARE(back.perClass.size(), 2);
    QCOMPARE(back.perClass[1].name, QStringLiteral("B"));
    QCOMPARE(back.temperature, report.temperature);
    QCOMPARE(back.coverageCurve.size(), report.coverageCurve.size());
    QCOMPARE(back.reliability.size(), 15);
}

void TestMetrics::softmaxIsFiniteWhateverTheScores()
{
    const float nan = std::nanf("");
    const float inf = INFINITY;
    const std::vector<std::vector<float>> rows = {{nan, nan, nan}, {nan, 1, 2}, {inf, 0, inf}, {-inf, -inf, -inf},
                                                  {-inf, 3, nan}, {3e38f, -3e38f, 0}, {inf, nan, -inf}};
    for (const double temperature : {1.0, 1e-300, 0.0, -2.0, double(nan), 1e300}) {
        for (const std::vector<float> &row : rows) {
            const std::vector<double> p = softmax(row.data(), 3, temperature);
            double sum = 0;
            for (const double value : p) {
                QVERIFY2(std::isfinite(value) && value >= 0 && value <= 1, qPrintable(QString::number(value)));
                sum += value;
            }
            QVERIFY(std::abs(sum - 1.0) < 1e-9);
        }
    }
    // The usable scores decide: NaN gets nothing, +infinity everything, nothing usable spreads evenly.
    const float mixed[] = {nan, 0, 0};
    QCOMPARE(softmax(mixed, 3)[0], 0.0);
    QCOMPARE(softmax(mixed, 3)[1], 0.5);
    const float infinite[] = {inf, 0, inf};
    QCOMPARE(softmax(infinite, 3)[2], 0.5);
    const float broken[] = {nan, nan, nan, nan};
    QCOMPARE(softmax(broken, 4)[3], 0.25);
}

void TestMetrics::nonFiniteScoresNeverBreakTheMetrics()
{
    // A network with NaN or overflowing weights gives such scores: every metric must still be a finite number
    // and every confidence land in a reliability bin (an index from NaN once crashed here).
    const float nan = std::nanf("");
    const float inf = INFINITY;
    LogitSet set;
    set.classes = 3;
    set.logits = {nan, nan, nan,   // true 0
                  nan, 1, 2,       // true 2
                  inf, 0, 0,       // true 0
                  -inf, -inf, -inf, // true 1
                  1, nan, 5,       // true 2
                  4, 1, 0};        // true 0
    set.labels = {0, 2, 0, 1, 2, 0};
    const QStringList classes = {QStringLiteral("A"), QStringLiteral("B"), QStringLiteral("C")};
    for (const double temperature : {1.0, 0.0, 1e-300, double(nan)}) {
        const EvaluationReport report = evaluate(set, classes, temperature);
        QCOMPARE(report.count, 6);
        QVERIFY(std::isfinite(report.temperature) && report.temperature > 0);
        for (const double value : {report.accuracy, report.top3Accuracy, report.ece, report.eceCalibrated, report.nll,
                                   report.nllCalibrated, report.thresholdForTarget, report.coverageAtTarget})
            QVERIFY2(std::isfinite(value), qPrintable(QString::number(value)));
        QVERIFY(report.thresholdForTarget >= 0 && report.thresholdForTarget <= 1);
        for (const QVector<ReliabilityBin> &bins : {report.reliability, report.reliabilityUncalibrated}) {
            int counted = 0;
            for (const ReliabilityBin &bin : bins)
                counted += bin.count;
            QCOMPARE(counted, 6);
        }
        int confused = 0;
        for (const QVector<int> &row : report.confusion)
            confused += std::accumulate(row.begin(), row.end(), 0);
        QCOMPARE(confused, 6);
        // NaN never wins the ranking: the second row predicts C (2 beats 1), the fifth C (5 beats 1).
        QCOMPARE(report.confusion[2][2], 2);
    }
    QVERIFY(std::isfinite(fitTemperature(set)));
    QVERIFY(std::isfinite(expectedCalibrationError(set, 1e-300)));
    QVERIFY(std::isfinite(negativeLogLikelihood(set, 1.0)));

    // Labels outside the classes are left out rather than read past the scores.
    set.labels.back() = 7;
    QCOMPARE(evaluate(set, classes, 1.0).count, 5);
}

void TestMetrics::nonFiniteConfidencesNeverBreakTheThreshold()
{
    const double nan = std::nan("");
    std::vector<std::pair<double, bool>> items = {{nan, true}, {0.99, true}, {INFINITY, false}, {nan, false}, {0.9, true}, {-1.0, true}};
    QVector<CoveragePoint> curve;
    double threshold = -1;
    double coverage = -1;
    coverageAnalysis(items, 0.95, &curve, &threshold, &coverage);
    // What is not a confidence in [0, 1] counts as 0: the two right items at 0.99 and 0.9 are all that is accepted.
    QCOMPARE(threshold, 0.9);
    QCOMPARE(coverage, 2.0 / 6.0);
    for (const CoveragePoint &point : curve)
        QVERIFY(point.threshold >= 0 && point.threshold <= 1 && std::isfinite(point.accuracy));
    coverageAnalysis(items, 0.5, &curve, &threshold, &coverage);
    QCOMPARE(threshold, 0.0);
    QCOMPARE(coverage, 1.0);
}

void TestMetrics::rankedClassesPutNaNLastAndKeepTiesInOrder()
{
    const float nan = std::numeric_limits<float>::quiet_NaN();
    QCOMPARE(rankedClasses(std::vector<float>{0.1f, 0.6f, 0.3f}), (std::vector<int>{1, 2, 0}));
    QCOMPARE(rankedClasses(std::vector<float>{nan, 0.2f, nan, 0.7f}), (std::vector<int>{3, 1, 0, 2}));
    QCOMPARE(rankedClasses(std::vector<double>{0.5, 0.25, 0.25, 0.5}), (std::vector<int>{0, 3, 1, 2}));
    const float logits[] = {-2.0f, 3.5f, -INFINITY, 3.5f};
    QCOMPARE(rankedClasses(logits, 4), (std::vector<int>{1, 3, 0, 2}));
    QVERIFY(rankedClasses(std::vector<float>{}).empty());
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
