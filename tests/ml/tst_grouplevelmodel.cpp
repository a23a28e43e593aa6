#include "catalog/catalog.h"
#include "catalog/classificationlevel.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "jobs/classifyjob.h"
#include "jobs/trainingjob.h"
#include "ml/datasplit.h"
#include "ml/evaluation.h"
#include "ml/modelcard.h"

#include "testcatalogs.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace accession;
using namespace accession::test;

namespace {

const QString kPaper = QStringLiteral("Works on paper");
const QStringList kDepartments = {QStringLiteral("Paintings"), QStringLiteral("Drawings"), QStringLiteral("Prints"),
                                  QStringLiteral("Arms")};

QString groupOf(const QString &department)
{
    return department == QLatin1String("Drawings") || department == QLatin1String("Prints") ? kPaper : department;
}

} // namespace

// Classifying by department group with real networks: a department model measured at group level (its
// probabilities summed per group), and a model trained on the groups themselves. Four departments of clearly
// separable colours; Drawings and Prints form the group "Works on paper".
class TestGroupLevelModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void departmentModelMeasuredAtGroupLevel();
    void groupModelTrainsOnGroups();
    void groupModelClassifiesIntoGroups();
    void commandLineSwitchesLevelAndThresholds();

private:
    QTemporaryDir m_dir;
    QString m_catalog;
    QString m_departmentModel;
    QString m_groupModel;
    QStringList m_departments;  // in the catalog's order (the import's: by folder name)
    QStringList m_groupClasses; // the groups, in the order of their first department
};

void TestGroupLevelModel::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_catalog = m_dir.filePath(QStringLiteral("catalog.db"));
    m_departmentModel = m_dir.filePath(QStringLiteral("departments.safetensors"));
    m_groupModel = m_dir.filePath(QStringLiteral("groups.safetensors"));
    writeColourFolders(m_dir.filePath(QStringLiteral("labelled")), kDepartments, 16, 5);
    importFolders(m_catalog, m_dir.filePath(QStringLiteral("labelled")));
    {
        Catalog catalog(m_catalog);
        const qint64 paper = catalog.addDepartmentGroup(kPaper);
        catalog.setDepartmentGroup(*catalog.departmentIdByName(QStringLiteral("Drawings")), paper);
        catalog.setDepartmentGroup(*catalog.departmentIdByName(QStringLiteral("Prints")), paper);
        for (const Department &department : catalog.departments()) {
            m_departments << department.name;
            if (!m_groupClasses.contains(groupOf(department.name)))
                m_groupClasses << groupOf(department.name);
        }
    }
    QCOMPARE(m_departments.size(), kDepartments.size());
    QCOMPARE(m_groupClasses.size(), 3);
    QVERIFY(trainSmallBaseline(m_catalog, m_departmentModel, 4));
}

void TestGroupLevelModel::departmentModelMeasuredAtGroupLevel()
{
    EvaluationRequest request;
    request.catalogPath = m_catalog;
    request.modelPath = m_departmentModel;
    request.threads = 2;
    const EvaluationResult byDepartment = evaluateModel(request);
    request.groupLevel = true;
    const EvaluationResult byGroup = evaluateModel(request);
    QCOMPARE(byDepartment.report.classes, m_departments);
    QCOMPARE(byGroup.report.classes, m_groupClasses);
    QCOMPARE(byGroup.report.count, byDepartment.report.count);
    QCOMPARE(byGroup.report.confusion.size(), 3);
    QCOMPARE(byGroup.report.perClass.size(), 3);
    QVERIFY2(byGroup.report.accuracy > 0.6, qPrintable(QString::number(byGroup.report.accuracy)));

    // The same measurement by hand: classify the catalog with the department model, sum each validation item's
    // stored probabilities per group, and count the items whose top group is their department's.
    classifyWithModel(m_catalog, m_departmentModel);
    Catalog catalog(m_catalog);
    const ModelCard card = ModelCard::readBeside(m_departmentModel);
    const auto model = ModelRegistry(catalog).activeModel();
    QVERIFY(model);
    ReviewStore store(catalog);
    int correct = 0;
    int counted = 0;
    for (const Example &example : savedValidationExamples(catalog, card.splitId, card.classes)) {
        const auto prediction = store.prediction(example.itemId, model->id);
        QVERIFY(prediction);
        QMap<QString, double> sums;
        for (int c = 0; c < prediction->classes.size(); ++c)
            sums[groupOf(prediction->classes[c])] += prediction->probabilities[size_t(c)];
        const QString top = std::max_element(sums.begin(), sums.end()).key();
        correct += top == groupOf(card.classes[example.classIndex]) ? 1 : 0;
        ++counted;
    }
    QCOMPARE(counted, byGroup.report.count);
    // The evaluation ran the network again, in other batches: a near tie may go the other way, for one item at most.
    QVERIFY2(std::abs(byGroup.report.accuracy - double(correct) / counted) <= 1.0 / counted + 1e-9,
             qPrintable(QStringLiteral("%1 vs %2 of %3").arg(byGroup.report.accuracy).arg(correct).arg(counted)));
    // The evaluated examples are at group level too, for drilling into the matrix.
    QCOMPARE(byGroup.examples.size(), counted);
    for (const EvaluatedExample &example : byGroup.examples)
        QVERIFY(example.trueClass >= 0 && example.trueClass < 3 && example.predictedClass >= 0 && example.predictedClass < 3);
}

void TestGroupLevelModel::groupModelTrainsOnGroups()
{
    QVERIFY(trainSmallBaseline(m_catalog, m_groupModel, 4, 16, [](TrainingOptions &options) { options.groupLevel = true; }));
    const ModelCard card = ModelCard::readBeside(m_groupModel);
    QCOMPARE(card.level, QStringLiteral("group"));
    QCOMPARE(card.classes, m_groupClasses);
    QCOMPARE(card.validation.classes, m_groupClasses);
    QCOMPARE(card.trainingImagesPerClass.value(kPaper), card.trainingImagesPerClass.value(QStringLiteral("Paintings")) * 2);
    QVERIFY2(card.validation.accuracy > 0.6, qPrintable(QString::number(card.validation.accuracy)));

    // Measured on the catalog, its labels map to their groups without summing.
    EvaluationRequest request;
    request.catalogPath = m_catalog;
    request.modelPath = m_groupModel;
    request.threads = 2;
    request.groupLevel = true;
    const EvaluationResult result = evaluateModel(request);
    QCOMPARE(result.report.classes, m_groupClasses);
    QVERIFY(result.failures.isEmpty());
    QCOMPARE(result.report.count, card.validation.count);
}

void TestGroupLevelModel::groupModelClassifiesIntoGroups()
{
    QVERIFY(QFile::exists(m_groupModel));
    QDir().mkpath(m_dir.filePath(QStringLiteral("classify")));
    const QString catalogPath = copyCatalog(m_catalog, m_dir.filePath(QStringLiteral("classify")), QStringLiteral("groups.db"));
    {
        Catalog catalog(catalogPath);
        setClassificationLevel(catalog, ClassificationLevel::Group);
    }
    const ClassifySummary summary = classifyWithModel(catalogPath, m_groupModel);
    QVERIFY(summary.classified > 0);
    Catalog catalog(catalogPath);
    QCOMPARE(catalog.departments().size(), kDepartments.size()); // no department named after a group
    ReviewStore store(catalog);
    int right = 0;
    for (const ItemRow &item : catalog.labelledItems()) {
        const auto prediction = store.prediction(item.id, summary.modelId);
        QVERIFY(prediction);
        QCOMPARE(prediction->classes, m_groupClasses);
        QCOMPARE(prediction->probabilities.size(), size_t(3));
        QVERIFY(m_groupClasses.contains(prediction->predicted));
        QCOMPARE(float(prediction->confidence), *std::max_element(prediction->probabilities.begin(), prediction->probabilities.end()));
        right += prediction->predicted == groupOf(item.department) ? 1 : 0;
    }
    QVERIFY2(right > catalog.labelledItems().size() * 6 / 10, qPrintable(QString::number(right)));
}

void TestGroupLevelModel::commandLineSwitchesLevelAndThresholds()
{
    QDir().mkpath(m_dir.filePath(QStringLiteral("cli")));
    const QString catalogPath = copyCatalog(m_catalog, m_dir.filePath(QStringLiteral("cli")), QStringLiteral("cli.db"));
    QByteArray out, err;
    QCOMPARE(runCli({QStringLiteral("departments"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--level"),
                     QStringLiteral("group"), QStringLiteral("--group-threshold"), kPaper + QStringLiteral("=0.75"),
                     QStringLiteral("--json")}, &out, &err), 0);
    QJsonObject json = parseJsonObject(out);
    QCOMPARE(json.value(QStringLiteral("level")).toString(), QStringLiteral("group"));
    const QJsonObject group = json.value(QStringLiteral("groups")).toArray().first().toObject();
    QCOMPARE(group.value(QStringLiteral("name")).toString(), kPaper);
    QCOMPARE(group.value(QStringLiteral("threshold")).toDouble(), 0.75);
    QCOMPARE(runCli({QStringLiteral("departments"), QStringLiteral("--catalog"), catalogPath}, &out, &err), 0);
    QVERIFY2(out.contains("Classification level: group"), out.constData());
    QVERIFY2(out.contains("Group Works on paper: threshold 0.750"), out.constData());

    // The evaluation follows the catalog's level, and says so.
    QCOMPARE(runCli({QStringLiteral("evaluate"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--model"), m_departmentModel,
                     QStringLiteral("--threads"), QStringLiteral("2"), QStringLiteral("--json")}, &out, &err), 0);
    json = parseJsonObject(out);
    QCOMPARE(json.value(QStringLiteral("level")).toString(), QStringLiteral("group"));
    QCOMPARE(json.value(QStringLiteral("classes")).toArray().size(), 3);

    QCOMPARE(runCli({QStringLiteral("departments"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--group-threshold"),
                     kPaper + QStringLiteral("="), QStringLiteral("--level"), QStringLiteral("department"), QStringLiteral("--json")},
                    &out, &err), 0);
    json = parseJsonObject(out);
    QCOMPARE(json.value(QStringLiteral("level")).toString(), QStringLiteral("department"));
    QVERIFY(json.value(QStringLiteral("groups")).toArray().first().toObject().value(QStringLiteral("threshold")).isNull());

    // Bad values are refused, naming what was wrong.
    QCOMPARE(runCli({QStringLiteral("departments"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--level"),
                     QStringLiteral("groups")}, &out, &err), 2);
    QVERIFY2(err.contains("--level takes department or group, not 'groups'"), err.constData());
    QCOMPARE(runCli({QStringLiteral("departments"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--add"),
                     QStringLiteral("Sculpture"), QStringLiteral("--level"), QStringLiteral("none")}, &out, &err), 2);
    QVERIFY(!Catalog(catalogPath).departmentIdByName(QStringLiteral("Sculpture"))); // refused before any edit
    QCOMPARE(runCli({QStringLiteral("departments"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--group-threshold"),
                     QStringLiteral("Sculpture=0.5")}, &out, &err), 1);
    QVERIFY2(err.contains("no department group named 'Sculpture'"), err.constData());
    QCOMPARE(runCli({QStringLiteral("departments"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--group-threshold"),
                     kPaper + QStringLiteral("=1.5")}, &out, &err), 2);
    QVERIFY2(err.contains("the threshold is a number from 0 to 1, not '1.5'"), err.constData());
}

QTEST_GUILESS_MAIN(TestGroupLevelModel)
#include "tst_grouplevelmodel.moc"
