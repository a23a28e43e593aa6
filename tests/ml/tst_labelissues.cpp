#include "catalog/catalog.h"
#include "ml/labelissues.h"
#include "testcatalogs.h"
#include "testimages.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace accession;
using namespace accession::test;

namespace {

const QStringList kDepartments = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art"),
                                  QStringLiteral("Drawings and Prints"), QStringLiteral("Musical Instruments")};
constexpr int kPerDepartment = 20;

} // namespace

// Likely mislabelled items: confident learning on hand-written probabilities, then the engine and the command line
// on a catalog of clearly separable departments with a few labels flipped on purpose.
class TestLabelIssues : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void thresholdsAreMeanSelfConfidence();
    void confidentJointCountsOnlyConfidentItems();
    void issuesRankBySelfConfidenceWithTiesBroken();
    void errorRateUsesTheCalibratedJoint();
    void flippedLabelsRankFirst();
    void sameSeedSameRanking();
    void refusesDepartmentsSmallerThanFolds();
    void cliPrintsJson();
    void cliRefusesOneDepartment();
    void cliNeedsAModel();

private:
    QTemporaryDir m_dir;
    QString m_catalog;
    QString m_model;
    QHash<qint64, QString> m_flipped; // item id -> its true department
    LabelIssueReport m_report;
};

void TestLabelIssues::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_catalog = m_dir.filePath(QStringLiteral("catalog.db"));
    m_model = m_dir.filePath(QStringLiteral("model.safetensors"));
    writeColourFolders(m_dir.filePath(QStringLiteral("labelled")), kDepartments, kPerDepartment, 7);
    importFolders(m_catalog, m_dir.filePath(QStringLiteral("labelled")));

    // One item of each department relabelled with the next department, as a mistaken import would: 4 of 80. (Labels
    // a curator gave are left out of the report by default; see tst_checklabels.)
    m_flipped = plantWrongLabels(m_catalog, kDepartments);
    QCOMPARE(m_flipped.size(), kDepartments.size());

    // The backbone learns from the noisy labels, as a museum's model would.
    QVERIFY(trainSmallBaseline(m_catalog, m_model));

    LabelIssueRequest request;
    request.catalogPath = m_catalog;
    request.modelPath = m_model;
    request.threads = 2;
    m_report = findLabelIssues(request);
}

void TestLabelIssues::thresholdsAreMeanSelfConfidence()
{
    // Two classes; rows labelled 0 give class 0 probabilities 0.9 and 0.5, the row labelled 1 gives class 1 0.8.
    const ConfidentLearning learned = confidentLearning({0.9, 0.1, 0.5, 0.5, 0.2, 0.8}, {0, 0, 1}, 2);
    QCOMPARE(learned.thresholds.size(), 2);
    QCOMPARE(learned.thresholds[0], 0.7);
    QCOMPARE(learned.thresholds[1], 0.8);
    // A class nobody is labelled with can only be suggested with certainty.
    const ConfidentLearning unused = confidentLearning({0.6, 0.4, 0.0, 0.7, 0.3, 0.0}, {0, 1}, 3);
    QCOMPARE(unused.thresholds[2], 1.0);
}

void TestLabelIssues::confidentJointCountsOnlyConfidentItems()
{
    // Thresholds: class 0 (rows 0, 1, 2) (0.9 + 0.8 + 0.1) / 3 = 0.6; class 1 (rows 3, 4) (0.7 + 0.5) / 2 = 0.6.
    const std::vector<double> p = {0.9, 0.1,  // labelled 0, confident of 0
                                   0.8, 0.2,  // labelled 0, confident of 0
                                   0.1, 0.9,  // labelled 0, confident of 1: an issue
                                   0.3, 0.7,  // labelled 1, confident of 1
                                   0.5, 0.5}; // labelled 1, above neither threshold: counted nowhere
    const ConfidentLearning learned = confidentLearning(p, {0, 0, 0, 1, 1}, 2);
    QCOMPARE(learned.thresholds[0], 0.6);
    QCOMPARE(learned.thresholds[1], 0.6);
    QCOMPARE(learned.confidentJoint, (QVector<QVector<qint64>>{{2, 1}, {0, 1}}));
    QCOMPARE(learned.issues.size(), 1);
    QCOMPARE(learned.issues[0].row, 2);
    QCOMPARE(learned.issues[0].given, 0);
    QCOMPARE(learned.issues[0].suggested, 1);
    QVERIFY(qFuzzyCompare(learned.issues[0].score, 0.9));
}

void TestLabelIssues::issuesRankBySelfConfidenceWithTiesBroken()
{
    // Three classes (binary fractions, so equal scores are equal). Thresholds: 0.53125, 0.6875, 0.7083.
    const std::vector<double> p = {
        1.0, 0.0, 0.0,          // 0: labelled 0
        1.0, 0.0, 0.0,          // 1: labelled 0
        0.0, 1.0, 0.0,          // 2: labelled 1
        0.0, 1.0, 0.0,          // 3: labelled 1
        0.0, 0.0, 1.0,          // 4: labelled 2
        0.0, 0.0, 1.0,          // 5: labelled 2
        0.0, 0.875, 0.125,      // 6: labelled 0, suggests 1: score 1
        0.125, 0.0625, 0.8125,  // 7: labelled 1, suggests 2: score 0.9375
        0.125, 0.0625, 0.8125,  // 8: labelled 0, suggests 2: score 0.875 with p(suggested) 0.8125
        0.0, 0.875, 0.125,      // 9: labelled 2, suggests 1: score 0.875 with p(suggested) 0.875: before row 8
        0.0, 0.875, 0.125,      // 10: labelled 2, suggests 1: all as row 9: rows in order
    };
    const ConfidentLearning learned = confidentLearning(p, {0, 0, 1, 1, 2, 2, 0, 1, 0, 2, 2}, 3);
    QVector<int> rows;
    QVector<int> suggested;
    for (const ConfidentLearning::Issue &issue : learned.issues) {
        rows << issue.row;
        suggested << issue.suggested;
    }
    QCOMPARE(rows, (QVector<int>{6, 7, 9, 10, 8}));
    QCOMPARE(suggested, (QVector<int>{1, 2, 1, 1, 2}));
    QCOMPARE(learned.issues[0].score, 1.0);
    QCOMPARE(learned.issues[1].score, 0.9375);
    QCOMPARE(learned.issues[2].score, 0.875);
    QCOMPARE(learned.issues[4].score, 0.875);
    QCOMPARE(learned.confidentJoint, (QVector<QVector<qint64>>{{2, 1, 1}, {0, 2, 1}, {0, 2, 2}}));

    // An exact tie with the given label: the label keeps it, no issue. A tie between two other classes: the first.
    const ConfidentLearning tied = confidentLearning({0.5, 0.5, 0.0, 0.5, 0.5, 0.0, 0.0, 0.0, 1.0, 0.5, 0.5, 0.0}, {0, 1, 2, 2}, 3);
    QCOMPARE(tied.confidentJoint, (QVector<QVector<qint64>>{{1, 0, 0}, {0, 1, 0}, {1, 0, 1}}));
    QCOMPARE(tied.issues.size(), 1);
    QCOMPARE(tied.issues[0].row, 3);
    QCOMPARE(tied.issues[0].suggested, 0);
}

void TestLabelIssues::errorRateUsesTheCalibratedJoint()
{
    // Class 0: four items, two confident (one of 0, one of 1), two confident of nothing; class 1: two items, both
    // confident of 1. Calibrated: row 0 is (1, 1) / 2 * 4 = (2, 2), row 1 is (0, 2): off-diagonal 2 of 6, where the
    // raw joint would say 1 of 4.
    const std::vector<double> p = {0.9, 0.1, 0.05, 0.95, 0.45, 0.55, 0.45, 0.55, 0.1, 0.9, 0.1, 0.9};
    const ConfidentLearning learned = confidentLearning(p, {0, 0, 0, 0, 1, 1}, 2);
    QCOMPARE(learned.thresholds[0], 0.4625);
    QCOMPARE(learned.confidentJoint, (QVector<QVector<qint64>>{{1, 1}, {0, 2}}));
    QCOMPARE(learned.estimatedErrorRate, 2.0 / 6.0);
    // Nothing off the diagonal: no errors estimated.
    QCOMPARE(confidentLearning({0.9, 0.1, 0.1, 0.9}, {0, 1}, 2).estimatedErrorRate, 0.0);
    // The probabilities must match the labels.
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, confidentLearning({0.5, 0.5}, {0, 1}, 2));
}

void TestLabelIssues::flippedLabelsRankFirst()
{
    QCOMPARE(m_report.folds, 5);
    QCOMPARE(m_report.itemsChecked, qint64(kDepartments.size() * kPerDepartment));
    QCOMPARE(m_report.classes, kDepartments);
    QCOMPARE(m_report.thresholds.size(), kDepartments.size());
    QVERIFY(m_report.failures.isEmpty());
    QVERIFY2(m_report.items.size() >= m_flipped.size(), qPrintable(QString::number(m_report.items.size())));
    // Every flipped item among the first 2 x flipped, each with its true department suggested.
    const int top = std::min(int(m_report.items.size()), 2 * int(m_flipped.size()));
    QHash<qint64, QString> suggestedInTop;
    for (int i = 0; i < top; ++i)
        suggestedInTop.insert(m_report.items[i].itemId, m_report.items[i].suggested);
    for (auto it = m_flipped.cbegin(); it != m_flipped.cend(); ++it) {
        QVERIFY2(suggestedInTop.contains(it.key()), qPrintable(QStringLiteral("flipped item %1 is not in the top %2").arg(it.key()).arg(top)));
        QCOMPARE(suggestedInTop.value(it.key()), it.value());
    }
    for (int i = 1; i < m_report.items.size(); ++i)
        QVERIFY(m_report.items[i - 1].score >= m_report.items[i].score);
    const double flippedShare = double(m_flipped.size()) / double(m_report.itemsChecked);
    QVERIFY2(m_report.estimatedErrorRate > flippedShare / 2 && m_report.estimatedErrorRate < flippedShare * 2.5,
             qPrintable(QStringLiteral("estimated error rate %1, flipped share %2").arg(m_report.estimatedErrorRate).arg(flippedShare)));
}

void TestLabelIssues::sameSeedSameRanking()
{
    LabelIssueRequest request;
    request.catalogPath = m_catalog;
    request.modelPath = m_model;
    request.threads = 2;
    const LabelIssueReport again = findLabelIssues(request);
    QCOMPARE(again.items.size(), m_report.items.size());
    for (int i = 0; i < again.items.size(); ++i) {
        QCOMPARE(again.items[i].itemId, m_report.items[i].itemId);
        QCOMPARE(again.items[i].score, m_report.items[i].score);
    }
    QCOMPARE(again.estimatedErrorRate, m_report.estimatedErrorRate);
}

void TestLabelIssues::refusesDepartmentsSmallerThanFolds()
{
    LabelIssueRequest request;
    request.catalogPath = m_catalog;
    request.modelPath = m_model;
    request.folds = 30;
    try {
        findLabelIssues(request);
        QFAIL("30 folds of departments with about 20 items each were accepted");
    } catch (const std::runtime_error &error) {
        const QString message = QString::fromUtf8(error.what());
        QVERIFY2(message.contains(m_catalog) && message.contains(QStringLiteral("fewer than the 30 folds")), qPrintable(message));
    }
}

void TestLabelIssues::cliPrintsJson()
{
    QByteArray out, err;
    QCOMPARE(runCli({QStringLiteral("label-issues"), QStringLiteral("--catalog"), m_catalog, QStringLiteral("--model"), m_model,
                     QStringLiteral("--limit"), QStringLiteral("3"), QStringLiteral("--threads"), QStringLiteral("2"),
                     QStringLiteral("--json")},
                    &out, &err),
             0);
    const QJsonObject json = parseJsonObject(out);
    QCOMPARE(json.value(QStringLiteral("folds")).toInt(), 5);
    QCOMPARE(json.value(QStringLiteral("items_checked")).toInt(), kDepartments.size() * kPerDepartment);
    QCOMPARE(json.value(QStringLiteral("issues_found")).toInt(), m_report.items.size());
    QVERIFY(json.value(QStringLiteral("estimated_error_rate")).isDouble());
    QCOMPARE(json.value(QStringLiteral("estimated_error_rate")).toDouble(), m_report.estimatedErrorRate);
    QCOMPARE(json.value(QStringLiteral("thresholds")).toObject().keys().size(), kDepartments.size());
    const QJsonArray items = json.value(QStringLiteral("items")).toArray();
    QCOMPARE(items.size(), 3);
    for (int i = 0; i < items.size(); ++i) {
        const QJsonObject item = items[i].toObject();
        QCOMPARE(item.value(QStringLiteral("item_id")).toInteger(), m_report.items[i].itemId);
        QVERIFY(QFileInfo::exists(item.value(QStringLiteral("path")).toString()));
        QVERIFY(kDepartments.contains(item.value(QStringLiteral("given")).toString()));
        QVERIFY(kDepartments.contains(item.value(QStringLiteral("suggested")).toString()));
        QVERIFY(item.value(QStringLiteral("given")) != item.value(QStringLiteral("suggested")));
        QVERIFY(item.value(QStringLiteral("score")).isDouble());
    }
}

void TestLabelIssues::cliRefusesOneDepartment()
{
    const QString catalog = m_dir.filePath(QStringLiteral("one.db"));
    writeDepartmentFolders(m_dir.filePath(QStringLiteral("one")), {kDepartments[0]}, 6, 40, 9);
    importFolders(catalog, m_dir.filePath(QStringLiteral("one")));
    QByteArray out, err;
    QCOMPARE(runCli({QStringLiteral("label-issues"), QStringLiteral("--catalog"), catalog, QStringLiteral("--model"), m_model,
                     QStringLiteral("--json")},
                    &out, &err),
             1);
    QVERIFY(out.isEmpty());
    const QString message = QString::fromUtf8(err);
    QVERIFY2(message.contains(QStringLiteral("label-issues: error:")) && message.contains(catalog)
                 && message.contains(QStringLiteral("1 department")) && message.contains(QStringLiteral("at least two")),
             qPrintable(message));
}

void TestLabelIssues::cliNeedsAModel()
{
    // Trained but never registered: no active model, and none given.
    QByteArray out, err;
    QCOMPARE(runCli({QStringLiteral("label-issues"), QStringLiteral("--catalog"), m_catalog}, &out, &err), 1);
    QVERIFY2(QString::fromUtf8(err).contains(QStringLiteral("has no active model")), err.constData());
    QCOMPARE(runCli({QStringLiteral("label-issues"), QStringLiteral("--catalog"), m_dir.filePath(QStringLiteral("none.db"))}, &out, &err), 1);
    QVERIFY2(QString::fromUtf8(err).contains(QStringLiteral("no catalog at")), err.constData());
}

QTEST_GUILESS_MAIN(TestLabelIssues)
#include "tst_labelissues.moc"
