#include "catalog/catalog.h"
#include "catalog/itemquery.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "jobs/classifyjob.h"
#include "jobs/trainingjob.h"
#include "ml/evaluation.h"
#include "ml/metrics.h"
#include "ml/hosttensor.h"
#include "ml/modelcard.h"
#include "ml/network.h"
#include "ml/predictor.h"
#include "ml/trainedmodel.h"
#include "ml/weightserror.h"
#include "testcatalogs.h"
#include "testimages.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace accession;
using namespace accession::test;

namespace {

const QStringList kDepartments = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art"), QStringLiteral("Drawings and Prints")};

// Separable departments: a colour of their own, jittered, with bands of another.
void writeColourImages(const QString &dir, int perDepartment, quint32 seed, bool byDepartment)
{
    const Rgb colours[] = {{200, 40, 40}, {40, 180, 60}, {50, 70, 210}};
    const Rgb bands[] = {{20, 20, 20}, {240, 240, 240}, {120, 60, 0}};
    QRandomGenerator random(seed);
    for (int d = 0; d < kDepartments.size(); ++d) {
        const QString folder = byDepartment ? dir + QLatin1Char('/') + kDepartments[d] : dir;
        QDir().mkpath(folder);
        for (int i = 0; i < perDepartment; ++i) {
            const auto jitter = [&](int value) { return std::clamp(value + random.bounded(-25, 26), 0, 255); };
            const Rgb inside{jitter(colours[d].r), jitter(colours[d].g), jitter(colours[d].b)};
            writeFile(QStringLiteral("%1/d%2-%3.png").arg(folder).arg(d).arg(i, 3, 10, QLatin1Char('0')),
                      bandedImage(QStringLiteral("png"), 40 + random.bounded(8), 40, inside, bands[d], 4 + random.bounded(4)));
        }
    }
}

// The model's out-of-scope score of that kind for each file, computed here from its raw scores, apart from the
// classifier.
QHash<QString, double> scoresOf(const QString &modelPath, const QStringList &files, OutOfScopeScore kind)
{
    const std::unique_ptr<TrainedModel> model = TrainedModel::load(modelPath);
    QVector<Example> examples;
    for (const QString &file : files)
        examples.push_back({0, file, QString(), 0});
    const int classes = int(model->card().classes.size());
    QHash<QString, double> energies;
    Predictor(*model, 2).run(
        examples,
        [&](const std::vector<int> &indices, const std::vector<float> &logits) {
            for (size_t row = 0; row < indices.size(); ++row)
                energies.insert(examples[indices[row]].path,
                                outOfScopeScore(logits.data() + row * size_t(classes), classes, model->card().temperature, kind));
        },
        [](int, const QString &reason) { qWarning("not scored: %s", qPrintable(reason)); });
    return energies;
}

// A copy of the trained model's weights under a card the test changes.
QString copyModelWithCard(const QString &modelPath, const QString &target, const std::function<void(QJsonObject &)> &edit)
{
    QFile::remove(target);
    if (!QFile::copy(modelPath, target))
        qWarning("cannot copy %s", qPrintable(modelPath));
    QJsonObject json = ModelCard::readBeside(modelPath).toJson();
    edit(json);
    QFile card(ModelCard::pathBeside(target));
    if (!card.open(QIODevice::WriteOnly) || card.write(QJsonDocument(json).toJson()) <= 0)
        qWarning("cannot write %s", qPrintable(card.fileName()));
    return target;
}

// The tests' small baseline with the out-of-scope score of that kind.
bool trainBaselineScoring(const QString &catalogPath, const QString &modelPath, OutOfScopeScore score)
{
    return trainSmallBaseline(catalogPath, modelPath, 3, 16, [score](TrainingOptions &options) { options.outOfScopeScore = score; });
}

// For each file: the largest calibrated probability, and the knn_energy score computed here from the features and
// logits the predictor gives and the card's references, apart from the classifier.
struct FeatureScores
{
    double confidence = 0;
    double knnDistance = 0;
    double energy = 0;
    double joined = 0;
};
QHash<QString, FeatureScores> featureScoresOf(const QString &modelPath, const QStringList &files)
{
    const std::unique_ptr<TrainedModel> model = TrainedModel::load(modelPath);
    const ModelCard &card = model->card();
    const HostTensor &bank = model->featureBank();
    QVector<Example> examples;
    for (const QString &file : files)
        examples.push_back({0, file, QString(), 0});
    const int classes = int(card.classes.size());
    QHash<QString, FeatureScores> scores;
    Predictor(*model, 2).runWithFeatures(
        examples,
        [&](const std::vector<int> &indices, const std::vector<float> &logits, const std::vector<float> &features) {
            for (size_t row = 0; row < indices.size(); ++row) {
                const float *values = logits.data() + row * size_t(classes);
                const std::vector<double> p = softmax(values, classes, card.temperature);
                FeatureScores score;
                score.confidence = *std::max_element(p.begin(), p.end());
                score.knnDistance = kthNearestDistance(features.data() + row * size_t(bank.shape[1]), bank.values.data(), bank.shape[0],
                                                       bank.shape[1], card.outOfScopeReference.k);
                score.energy = energyScore(values, classes, card.temperature);
                score.joined = card.outOfScopeReference.joinedScore(score.knnDistance, score.energy);
                scores.insert(examples[indices[row]].path, score);
            }
        },
        [](int, const QString &reason) { qWarning("not scored: %s", qPrintable(reason)); });
    return scores;
}

} // namespace

// Out-of-scope photographs: the energy score, its threshold fitted on validation and kept in the model card, and the
// filing rule that never files a photograph above it, in the catalog, the review queue, the filters and the CLI.
class TestOutOfScope : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void energyMatchesHandComputedValues();
    void thresholdKeepsTheValidationShare();
    void trainingRecordsTheThresholdInTheCard();
    void cardsWithoutTheThresholdStillLoad();
    void outOfScopeItemsAreNeverFiled();
    void oldCardsFlagNothing();
    void knnDistanceAndJoinedScoreMatchHandComputedValues();
    void knnEnergyTrainingKeepsTheBankAndTheReferences();
    void knnEnergyFlagsConfidentOutliersThatMaxSoftmaxFiles();
    void knnEnergyCardsNeedTheBank();
    void knnEnergyWithTestTimeViewsComparesThePlainView();

private:
    QTemporaryDir m_dir;
    QString m_model;
    QString m_knnCatalog;
    QString m_knnModel; // trained on it with the knn_energy score
    QStringList m_incoming;
};

void TestOutOfScope::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString catalog = m_dir.filePath(QStringLiteral("train.db"));
    m_model = m_dir.filePath(QStringLiteral("model.safetensors"));
    writeColourImages(m_dir.filePath(QStringLiteral("labelled")), 16, 7, true);
    importFolders(catalog, m_dir.filePath(QStringLiteral("labelled")));
    // The max softmax model the tests compare with (training fits knn_energy unless told otherwise).
    QVERIFY(trainBaselineScoring(catalog, m_model, OutOfScopeScore::MaxSoftmax));
    // knn_energy ranks photographs against the validation photographs' scores: enough of them (24) that the
    // 95% threshold lies between them. A few wrong labels keep the validation photographs from being all right, so
    // that calibration leaves confidences below 1 and max softmax a threshold to compare with (not 0).
    m_knnCatalog = m_dir.filePath(QStringLiteral("knn.db"));
    m_knnModel = m_dir.filePath(QStringLiteral("knn.safetensors"));
    writeColourImages(m_dir.filePath(QStringLiteral("knn-labelled")), 40, 11, true);
    importFolders(m_knnCatalog, m_dir.filePath(QStringLiteral("knn-labelled")));
    plantWrongLabels(m_knnCatalog, kDepartments, 3);
    QVERIFY(trainBaselineScoring(m_knnCatalog, m_knnModel, OutOfScopeScore::KnnEnergy));

    // Incoming: photographs like the departments', and others like none of them (grey, black and white halves).
    const QString incoming = m_dir.filePath(QStringLiteral("incoming"));
    writeColourImages(incoming, 3, 99, false);
    writeFile(incoming + QStringLiteral("/grey.png"), greyPng(40, 40, 128));
    writeFile(incoming + QStringLiteral("/white.png"), solidImage(QStringLiteral("png"), 40, 40, {250, 250, 250}));
    writeFile(incoming + QStringLiteral("/halves.png"), splitImage(QStringLiteral("png"), 40, 40, {0, 0, 0}, {255, 255, 255}));
    writeFile(incoming + QStringLiteral("/magenta.png"), solidImage(QStringLiteral("png"), 40, 40, {255, 0, 255}));
    for (const QString &name : QDir(incoming).entryList(QDir::Files, QDir::Name))
        m_incoming << incoming + QLatin1Char('/') + name;
    QCOMPARE(m_incoming.size(), 13);
}

void TestOutOfScope::energyMatchesHandComputedValues()
{
    const float logits[] = {1.0f, 2.0f, 3.0f};
    QVERIFY(qAbs(energyScore(logits, 3, 1.0) - -std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0))) < 1e-9);
    // T = 2: -2 log(e^0.5 + e^1 + e^1.5) = -4.3605393...
    QVERIFY(qAbs(energyScore(logits, 3, 2.0) - -4.3605393) < 1e-6);
    QVERIFY(qAbs(energyScore(logits, 3, 2.0) - -2.0 * std::log(std::exp(0.5) + std::exp(1.0) + std::exp(1.5))) < 1e-9);
    // Large scores stay finite: -(1001 + log(1 + e^-1)).
    const float large[] = {1000.0f, 1001.0f};
    QVERIFY(qAbs(energyScore(large, 2, 1.0) - -(1001.0 + std::log(1.0 + std::exp(-1.0)))) < 1e-9);
    // Lower energy for a confident, large score; higher for flat, small ones.
    const float flat[] = {0.1f, 0.1f, 0.1f};
    QVERIFY(energyScore(flat, 3) > energyScore(logits, 3));
    // A NaN score is left out; no finite score at all is as far out of scope as can be.
    const float withNaN[] = {1.0f, std::nanf(""), 3.0f};
    QVERIFY(qAbs(energyScore(withNaN, 3, 1.0) - -std::log(std::exp(1.0) + std::exp(3.0))) < 1e-9);
    const float none[] = {std::nanf(""), -std::numeric_limits<float>::infinity()};
    QVERIFY(std::isinf(energyScore(none, 2)) && energyScore(none, 2) > 0);
    // A temperature that is not positive counts as 1.
    QCOMPARE(energyScore(logits, 3, 0.0), energyScore(logits, 3, 1.0));
}

void TestOutOfScope::thresholdKeepsTheValidationShare()
{
    // One class, scores 0..20: energies -20..0; 95% of 21 photographs at or below the threshold: the 20th, -1.
    LogitSet set;
    set.classes = 1;
    for (int i = 0; i <= 20; ++i) {
        set.logits.push_back(float(i));
        set.labels.push_back(0);
    }
    const auto energy = OutOfScopeScore::Energy;
    QCOMPARE(fitOutOfScopeThreshold(set, 1.0, 0.95, energy), -1.0);
    // Interpolated between neighbours: position 0.5 * 20 = 10, energy -10; 0.525 * 20 = 10.5, between -10 and -9.
    QCOMPARE(fitOutOfScopeThreshold(set, 1.0, 0.5, energy), -10.0);
    QVERIFY(qAbs(fitOutOfScopeThreshold(set, 1.0, 0.525, energy) - -9.5) < 1e-9);
    QVERIFY(std::isnan(fitOutOfScopeThreshold(LogitSet{1, {}, {}}, 1.0)));

    // Max softmax, the default: 1 - the calibrated confidence. Scores {2, 0}: 1 / (1 + e^2) = 0.1192; {0, 0}: 0.5;
    // the 95% quantile of the two lies 95% of the way from the first to the second.
    const float confident[] = {2.0f, 0.0f};
    QVERIFY(qAbs(outOfScopeScore(confident, 2, 1.0, OutOfScopeScore::MaxSoftmax) - 1.0 / (1.0 + std::exp(2.0))) < 1e-9);
    LogitSet two;
    two.classes = 2;
    two.logits = {2.0f, 0.0f, 0.0f, 0.0f};
    two.labels = {0, 1};
    const double expected = 1.0 / (1.0 + std::exp(2.0)) + 0.95 * (0.5 - 1.0 / (1.0 + std::exp(2.0)));
    QVERIFY(qAbs(fitOutOfScopeThreshold(two, 1.0) - expected) < 1e-9);

    // The validation report carries it with its kind, and keeps both through JSON; a report without it reads as NaN.
    const EvaluationReport report = evaluate(two, {QStringLiteral("One"), QStringLiteral("Two")}, 1.0);
    QCOMPARE(report.outOfScopeScore, kDefaultOutOfScopeScore);
    QCOMPARE(kDefaultOutOfScopeScore, OutOfScopeScore::MaxSoftmax);
    QVERIFY(qAbs(report.outOfScopeThreshold - expected) < 1e-9);
    QCOMPARE(report.inScopeFraction, kInScopeFraction);
    QCOMPARE(EvaluationReport::fromJson(report.toJson()).outOfScopeThreshold, report.outOfScopeThreshold);
    QCOMPARE(EvaluationReport::fromJson(report.toJson()).outOfScopeScore, OutOfScopeScore::MaxSoftmax);
    QJsonObject old = report.toJson();
    old.remove(QStringLiteral("out_of_scope_threshold"));
    QVERIFY(std::isnan(EvaluationReport::fromJson(old).outOfScopeThreshold));
}

void TestOutOfScope::trainingRecordsTheThresholdInTheCard()
{
    QCOMPARE(TrainingOptions().outOfScopeScore, OutOfScopeScore::KnnEnergy); // what training fits unless told
    const ModelCard card = ModelCard::readBeside(m_model);
    QVERIFY(card.hasOutOfScopeThreshold());
    QCOMPARE(card.outOfScopeScore, OutOfScopeScore::MaxSoftmax);
    QCOMPARE(card.outOfScopeThreshold, card.validation.outOfScopeThreshold);
    QFile file(ModelCard::pathBeside(m_model));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("out_of_scope_threshold")).toDouble(),
             card.outOfScopeThreshold);

    // Fitted on the model's own validation photographs: evaluating on them again gives the same threshold, and 95%
    // of them lie at or below it.
    EvaluationRequest request;
    request.catalogPath = m_dir.filePath(QStringLiteral("train.db"));
    request.modelPath = m_model;
    request.threads = 2;
    const EvaluationResult result = evaluateModel(request);
    QVERIFY(qAbs(result.report.outOfScopeThreshold - card.outOfScopeThreshold) < 1e-4);
    QStringList validationFiles;
    for (const EvaluatedExample &example : result.examples)
        validationFiles << example.path;
    const QHash<QString, double> energies = scoresOf(m_model, validationFiles, card.outOfScopeScore);
    QCOMPARE(energies.size(), validationFiles.size());
    const auto inScope = std::count_if(energies.begin(), energies.end(), [&](double e) { return e <= card.outOfScopeThreshold + 1e-5; });
    QVERIFY2(inScope >= std::ceil(0.95 * (energies.size() - 1)), qPrintable(QStringLiteral("%1 of %2").arg(inScope).arg(energies.size())));
}

void TestOutOfScope::cardsWithoutTheThresholdStillLoad()
{
    QJsonObject json = ModelCard::readBeside(m_model).toJson();
    json.remove(QStringLiteral("out_of_scope_threshold"));
    json.remove(QStringLiteral("out_of_scope_score"));
    const ModelCard old = ModelCard::fromJson(json, QStringLiteral("old.json"));
    QVERIFY(!old.hasOutOfScopeThreshold());
    QVERIFY(!old.toJson().contains(QStringLiteral("out_of_scope_threshold")));
    // A threshold without a named score was fitted on energy.
    json.insert(QStringLiteral("out_of_scope_threshold"), -2.5);
    QCOMPARE(ModelCard::fromJson(json, QStringLiteral("energy.json")).outOfScopeScore, OutOfScopeScore::Energy);
    json.insert(QStringLiteral("out_of_scope_score"), QStringLiteral("distance"));
    try {
        ModelCard::fromJson(json, QStringLiteral("unknown.json"));
        QFAIL("a card naming an unknown out-of-scope score was accepted");
    } catch (const WeightsError &error) {
        QVERIFY2(QString::fromUtf8(error.what()).contains(QStringLiteral("out_of_scope_score")), error.what());
    }
    json.remove(QStringLiteral("out_of_scope_score"));

    for (const QJsonValue &bad : {QJsonValue(QStringLiteral("high")), QJsonValue(1e9), QJsonValue(true)}) {
        json.insert(QStringLiteral("out_of_scope_threshold"), bad);
        try {
            ModelCard::fromJson(json, QStringLiteral("bad.json"));
            QFAIL("a card with an unusable out_of_scope_threshold was accepted");
        } catch (const WeightsError &error) {
            QVERIFY2(QString::fromUtf8(error.what()).contains(QStringLiteral("bad.json: out_of_scope_threshold")), error.what());
        }
    }
}

void TestOutOfScope::outOfScopeItemsAreNeverFiled()
{
    // On energy, the threshold is set between the photographs' scores, and the filing threshold below every
    // confidence: only being out of scope keeps an item from being filed, however confident the model is.
    QHash<QString, double> energies = scoresOf(m_model, m_incoming, OutOfScopeScore::Energy);
    QCOMPARE(energies.size(), m_incoming.size());
    QList<double> sorted = energies.values();
    std::sort(sorted.begin(), sorted.end());
    const double outOfScopeThreshold = (sorted[8] + sorted[9]) / 2; // 4 of 13 above it
    QVERIFY(sorted[8] < sorted[9]);
    const QString model = copyModelWithCard(m_model, m_dir.filePath(QStringLiteral("flagging.safetensors")), [&](QJsonObject &card) {
        card.insert(QStringLiteral("out_of_scope_score"), QStringLiteral("energy"));
        card.insert(QStringLiteral("out_of_scope_threshold"), outOfScopeThreshold);
        card.insert(QStringLiteral("threshold"), 0.01);
    });

    ClassifyRequest request;
    request.catalogPath = m_dir.filePath(QStringLiteral("incoming.db"));
    request.modelPath = model;
    request.paths = m_incoming;
    request.threads = 2;
    { Catalog create(request.catalogPath, Catalog::OpenMode::CreateIfMissing); }
    ClassifyJob job(request);
    QString failure;
    connect(&job, &Job::failed, this, [&failure](const QString &error) { failure = error; }, Qt::DirectConnection);
    QVERIFY2(job.exec(), qPrintable(failure));
    const ClassifySummary summary = job.summary();
    QCOMPARE(summary.classified, qint64(13));
    QCOMPARE(summary.outOfScope, qint64(4));
    QCOMPARE(summary.autoFiled, qint64(9));
    QCOMPARE(summary.toReview, qint64(4));

    Catalog catalog(request.catalogPath);
    ReviewStore store(catalog);
    const qint64 modelId = summary.modelId;
    QSet<qint64> flagged;
    for (qint64 id : summary.import.itemIds) {
        const auto item = catalog.item(id);
        QVERIFY(item);
        const auto prediction = store.prediction(id, modelId);
        QVERIFY(prediction);
        const double energy = energies.value(item->path, std::nan(""));
        QVERIFY2(qAbs(prediction->outOfScopeScore - energy) < 1e-4, qPrintable(item->path));
        QCOMPARE(prediction->outOfScope, energy > outOfScopeThreshold);
        QVERIFY(prediction->confidence >= 0.01);
        QCOMPARE(store.status(id), prediction->outOfScope ? ItemStatus::NeedsReview : ItemStatus::AutoFiled);
        if (prediction->outOfScope)
            flagged.insert(id);
    }
    QCOMPARE(flagged.size(), 4);
    // Generated photographs unlike any department's are among them.
    QSet<QString> flaggedNames;
    for (qint64 id : flagged)
        flaggedNames.insert(QFileInfo(catalog.item(id)->path).fileName());
    QVERIFY2(flaggedNames.contains(QStringLiteral("grey.png")) || flaggedNames.contains(QStringLiteral("halves.png"))
                 || flaggedNames.contains(QStringLiteral("white.png")) || flaggedNames.contains(QStringLiteral("magenta.png")),
             qPrintable(QStringList(flaggedNames.values()).join(QStringLiteral(", "))));

    // The queue and its counts follow the same rule, at any threshold.
    QCOMPARE(store.queueSize(modelId, 0.01), qint64(4));
    QCOMPARE(store.autoFileCount(modelId, 0.01), qint64(9));
    QCOMPARE(store.autoFileCount(modelId, 0.0), qint64(9));
    QSet<qint64> queued;
    for (const ItemRow &row : store.queue(modelId, 0.01, 50)) {
        QVERIFY(row.outOfScope);
        queued.insert(row.id);
    }
    QCOMPARE(queued, flagged);

    // The filter returns exactly the flagged items, and so does export.
    ItemFilter filter;
    filter.outOfScopeOnly = true;
    const ItemQuery query(catalog, filter, ItemOrder::OldestFirst);
    QCOMPARE(query.count(), qint64(4));
    QSet<qint64> filtered;
    for (const ItemRow &row : query.page(nullptr, 50)) {
        QVERIFY(row.outOfScope);
        QVERIFY(std::isfinite(row.outOfScopeScore));
        filtered.insert(row.id);
    }
    QCOMPARE(filtered, flagged);

    QByteArray out;
    QByteArray err;
    QCOMPARE(runCli({QStringLiteral("review"), QStringLiteral("--catalog"), request.catalogPath, QStringLiteral("--json")}, &out, &err), 0);
    const QJsonObject review = parseJsonObject(out);
    QCOMPARE(review.value(QStringLiteral("remaining")).toInt(), 4);
    QSet<qint64> listed;
    for (const QJsonValue &value : review.value(QStringLiteral("items")).toArray()) {
        const QJsonObject item = value.toObject();
        QCOMPARE(item.value(QStringLiteral("reason")).toString(), QStringLiteral("unlike any department's photographs"));
        QVERIFY(item.value(QStringLiteral("out_of_scope")).toBool());
        QVERIFY(item.value(QStringLiteral("out_of_scope_score")).toDouble() > outOfScopeThreshold);
        listed.insert(item.value(QStringLiteral("item_id")).toInteger());
    }
    QCOMPARE(listed, flagged);

    const QString exported = m_dir.filePath(QStringLiteral("out-of-scope.json"));
    QCOMPARE(runCli({QStringLiteral("export"), QStringLiteral("--catalog"), request.catalogPath, QStringLiteral("--format"),
                     QStringLiteral("json"), QStringLiteral("--out-of-scope"), QStringLiteral("--out"), exported}, &out, &err), 0);
    QFile file(exported);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QSet<qint64> exportedIds;
    for (const QJsonValue &value : QJsonDocument::fromJson(file.readAll()).array()) {
        QVERIFY(value.toObject().value(QStringLiteral("out_of_scope")).toBool());
        QCOMPARE(value.toObject().value(QStringLiteral("status")).toString(), QStringLiteral("needs-review"));
        exportedIds.insert(value.toObject().value(QStringLiteral("id")).toInteger());
    }
    QCOMPARE(exportedIds, flagged);
    // Every item exports its score and flag.
    QCOMPARE(runCli({QStringLiteral("export"), QStringLiteral("--catalog"), request.catalogPath, QStringLiteral("--format"),
                     QStringLiteral("csv")}, &out, &err), 0);
    const QList<QByteArray> lines = out.trimmed().split('\n');
    QVERIFY(lines.first().endsWith("status,out_of_scope,out_of_scope_score"));
    QCOMPARE(lines.size(), 14);
    QCOMPARE(std::count_if(lines.begin() + 1, lines.end(), [](const QByteArray &line) { return line.contains(",needs-review,1,"); }), 4);
}

void TestOutOfScope::oldCardsFlagNothing()
{
    const QString model = copyModelWithCard(m_model, m_dir.filePath(QStringLiteral("old.safetensors")), [](QJsonObject &card) {
        card.remove(QStringLiteral("out_of_scope_threshold"));
        card.remove(QStringLiteral("out_of_scope_score"));
        card.insert(QStringLiteral("threshold"), 0.01);
    });
    ClassifyRequest request;
    request.catalogPath = m_dir.filePath(QStringLiteral("old.db"));
    request.modelPath = model;
    request.paths = m_incoming;
    request.threads = 2;
    { Catalog create(request.catalogPath, Catalog::OpenMode::CreateIfMissing); }
    ClassifyJob job(request);
    QString failure;
    connect(&job, &Job::failed, this, [&failure](const QString &error) { failure = error; }, Qt::DirectConnection);
    QVERIFY2(job.exec(), qPrintable(failure));
    QCOMPARE(job.summary().outOfScope, qint64(0));
    QCOMPARE(job.summary().autoFiled, qint64(13));
    Catalog catalog(request.catalogPath);
    QSqlQuery query = catalog.run(QStringLiteral("SELECT COUNT(*), SUM(out_of_scope), COUNT(out_of_scope_score) FROM predictions"));
    QVERIFY(query.next());
    QCOMPARE(query.value(0).toInt(), 13);
    QCOMPARE(query.value(1).toInt(), 0);
    QCOMPARE(query.value(2).toInt(), 13); // the score is kept, for a threshold fitted later

    // The command line fits the threshold for such a model on its validation split, as training would have.
    QByteArray out;
    QByteArray err;
    QCOMPARE(runCli({QStringLiteral("evaluate"), QStringLiteral("--model"), model, QStringLiteral("--catalog"),
                     m_dir.filePath(QStringLiteral("train.db")), QStringLiteral("--fit-out-of-scope"), QStringLiteral("--json")}, &out, &err), 0);
    QVERIFY2(err.contains("out-of-scope threshold"), err.constData());
    const ModelCard fitted = ModelCard::readBeside(model);
    QVERIFY(fitted.hasOutOfScopeThreshold());
    QCOMPARE(fitted.outOfScopeScore, kDefaultOutOfScopeScore);
    QVERIFY(qAbs(fitted.outOfScopeThreshold - ModelCard::readBeside(m_model).outOfScopeThreshold) < 1e-4);
    QVERIFY(qAbs(parseJsonObject(out).value(QStringLiteral("out_of_scope_threshold")).toDouble() - fitted.outOfScopeThreshold) < 1e-9);
    QCOMPARE(runCli({QStringLiteral("evaluate"), QStringLiteral("--model"), model, QStringLiteral("--folders"), m_dir.filePath(QStringLiteral("labelled")),
                     QStringLiteral("--fit-out-of-scope")}, &out, &err), 2);
}

void TestOutOfScope::knnDistanceAndJoinedScoreMatchHandComputedValues()
{
    const float bank[] = {1, 0, 0, 1, 0.6f, 0.8f};
    const float feature[] = {1, 0};
    QVERIFY(qAbs(kthNearestDistance(feature, bank, 3, 2, 1) - 0.0) < 1e-7);
    QVERIFY(qAbs(kthNearestDistance(feature, bank, 3, 2, 2) - 0.4) < 1e-7);
    QVERIFY(qAbs(kthNearestDistance(feature, bank, 3, 2, 3) - 1.0) < 1e-7);
    QVERIFY(qAbs(kthNearestDistance(feature, bank, 3, 2, 5) - 1.0) < 1e-7); // fewer rows than k: the farthest
    QVERIFY(std::isnan(kthNearestDistance(feature, bank, 0, 2, 5)));

    QCOMPARE(shareBelow({1, 2, 2, 3}, 2), 0.25);
    QCOMPARE(shareBelow({1, 2, 2, 3}, 0.5), 0.0);
    QCOMPARE(shareBelow({1, 2, 2, 3}, 4), 1.0);
    QCOMPARE(shareBelow({1, 2, 2, 3}, std::nan("")), 1.0);
    QCOMPARE(quantile({3, 1, 2}, 0.5), 2.0);

    FeatureSpaceReference reference;
    reference.knnDistances = {0.1, 0.2, 0.3, 0.4};
    reference.energies = {-5, -4, -3, -2};
    QCOMPARE(reference.joinedScore(0.25, -4.5), 0.5);  // the kNN distance ranks it higher
    QCOMPARE(reference.joinedScore(0.05, -1.0), 1.0);  // the energy does
    QCOMPARE(outOfScopeScoreFromName(QStringLiteral("knn_energy")), std::optional<OutOfScopeScore>(OutOfScopeScore::KnnEnergy));
    QCOMPARE(outOfScopeScoreName(OutOfScopeScore::KnnEnergy), QStringLiteral("knn_energy"));

    // The card keeps k and both references; unsorted or missing references are refused, naming the field.
    QJsonObject json = ModelCard::readBeside(m_model).toJson();
    json.insert(QStringLiteral("out_of_scope_score"), QStringLiteral("knn_energy"));
    json.insert(QStringLiteral("out_of_scope_threshold"), 0.9);
    json.insert(QStringLiteral("out_of_scope_knn_k"), 3);
    json.insert(QStringLiteral("out_of_scope_reference_knn_distances"), QJsonArray{0.1, 0.2, 0.3, 0.4});
    json.insert(QStringLiteral("out_of_scope_reference_energies"), QJsonArray{-5, -4, -3, -2});
    const ModelCard card = ModelCard::fromJson(json, QStringLiteral("knn.json"));
    QCOMPARE(card.outOfScopeScore, OutOfScopeScore::KnnEnergy);
    QCOMPARE(card.outOfScopeReference.k, 3);
    QCOMPARE(card.outOfScopeReference.knnDistances, reference.knnDistances);
    QCOMPARE(card.outOfScopeReference.energies, reference.energies);
    QCOMPARE(ModelCard::fromJson(card.toJson(), QStringLiteral("again.json")).outOfScopeReference.energies, reference.energies);
    const auto refusal = [](const QJsonObject &bad) {
        try {
            ModelCard::fromJson(bad, QStringLiteral("bad.json"));
        } catch (const WeightsError &error) {
            return QString::fromUtf8(error.what());
        }
        return QString();
    };
    QJsonObject unsorted = json;
    unsorted.insert(QStringLiteral("out_of_scope_reference_energies"), QJsonArray{-2, -5});
    QVERIFY2(refusal(unsorted).contains(QStringLiteral("bad.json: out_of_scope_reference_energies must be sorted")), qPrintable(refusal(unsorted)));
    QJsonObject missing = json;
    missing.remove(QStringLiteral("out_of_scope_reference_knn_distances"));
    QVERIFY2(refusal(missing).contains(QStringLiteral("bad.json: out_of_scope_reference_knn_distances")), qPrintable(refusal(missing)));
    QJsonObject badK = json;
    badK.insert(QStringLiteral("out_of_scope_knn_k"), 0);
    QVERIFY2(refusal(badK).contains(QStringLiteral("out_of_scope_knn_k")), qPrintable(refusal(badK)));
}

void TestOutOfScope::knnEnergyTrainingKeepsTheBankAndTheReferences()
{
    const ModelCard card = ModelCard::readBeside(m_knnModel);
    QCOMPARE(card.outOfScopeScore, OutOfScopeScore::KnnEnergy);
    QVERIFY(card.hasOutOfScopeThreshold());
    QVERIFY2(card.outOfScopeThreshold > 0 && card.outOfScopeThreshold < 1, qPrintable(QString::number(card.outOfScopeThreshold)));
    QCOMPARE(card.validation.outOfScopeScore, OutOfScopeScore::KnnEnergy);
    QCOMPARE(card.validation.outOfScopeThreshold, card.outOfScopeThreshold);

    // The bank: every training photograph (fewer than the cap), one L2-normalised row of the network's features each.
    int trainingPhotographs = 0;
    for (int count : card.trainingImagesPerClass)
        trainingPhotographs += count;
    int validationPhotographs = 0;
    for (int count : card.validationImagesPerClass)
        validationPhotographs += count;
    const QMap<QString, HostTensor> tensors = readTensorFile(m_knnModel);
    const QString bankName = QString::fromLatin1(kFeatureBankTensor);
    QVERIFY(tensors.contains(bankName));
    QVERIFY(!readTensorFile(m_model).contains(bankName)); // max_softmax models keep none
    const HostTensor &bank = tensors[bankName];
    const int featureSize = Network(Architecture::Baseline, 3).featureSize();
    // The bank is no part of the network: the file still loads whole, and as a backbone (label checks, near-duplicates).
    Network whole(Architecture::Baseline, 3);
    whole.loadWeights(m_knnModel);
    Network backbone(Architecture::Baseline, 5);
    backbone.loadBackbone(m_knnModel);
    QCOMPARE(bank.shape, (std::vector<int64_t>{trainingPhotographs, featureSize}));
    for (int64_t row = 0; row < bank.shape[0]; ++row) {
        double norm = 0;
        for (int64_t d = 0; d < featureSize; ++d)
            norm += std::pow(bank.values[size_t(row * featureSize + d)], 2);
        QVERIFY2(qAbs(std::sqrt(norm) - 1) < 1e-4, qPrintable(QStringLiteral("row %1: %2").arg(row).arg(std::sqrt(norm))));
    }
    const std::unique_ptr<TrainedModel> model = TrainedModel::load(m_knnModel);
    QCOMPARE(model->featureBank().shape, bank.shape);

    // The card: k and the validation photographs' scores, sorted, written out.
    QFile file(ModelCard::pathBeside(m_knnModel));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    QCOMPARE(json.value(QStringLiteral("out_of_scope_score")).toString(), QStringLiteral("knn_energy"));
    QCOMPARE(json.value(QStringLiteral("out_of_scope_knn_k")).toInt(), kDefaultNearestNeighbours);
    QCOMPARE(json.value(QStringLiteral("out_of_scope_reference_knn_distances")).toArray().size(), validationPhotographs);
    QCOMPARE(json.value(QStringLiteral("out_of_scope_reference_energies")).toArray().size(), validationPhotographs);
    QVERIFY(std::is_sorted(card.outOfScopeReference.knnDistances.begin(), card.outOfScopeReference.knnDistances.end()));
    QVERIFY(std::is_sorted(card.outOfScopeReference.energies.begin(), card.outOfScopeReference.energies.end()));

    // Evaluating on the same validation photographs scores them as training did: the same references, the same
    // threshold, and 95% of them at or below it.
    EvaluationRequest request;
    request.catalogPath = m_knnCatalog;
    request.modelPath = m_knnModel;
    request.threads = 2;
    const EvaluationResult result = evaluateModel(request);
    QCOMPARE(result.report.outOfScopeScore, OutOfScopeScore::KnnEnergy);
    QCOMPARE(result.report.count, validationPhotographs);
    QStringList validationFiles;
    for (const EvaluatedExample &example : result.examples)
        validationFiles << example.path;
    const QHash<QString, FeatureScores> scores = featureScoresOf(m_knnModel, validationFiles);
    QCOMPARE(scores.size(), validationPhotographs);
    std::vector<double> distances;
    std::vector<double> energies;
    for (const FeatureScores &score : scores) {
        distances.push_back(score.knnDistance);
        energies.push_back(score.energy);
    }
    std::sort(distances.begin(), distances.end());
    std::sort(energies.begin(), energies.end());
    for (size_t i = 0; i < distances.size(); ++i) {
        QVERIFY2(qAbs(distances[i] - card.outOfScopeReference.knnDistances[i]) < 1e-4, qPrintable(QString::number(i)));
        QVERIFY2(qAbs(energies[i] - card.outOfScopeReference.energies[i]) < 1e-4, qPrintable(QString::number(i)));
    }
    QVERIFY2(qAbs(result.report.outOfScopeThreshold - card.outOfScopeThreshold) < 1e-9,
             qPrintable(QStringLiteral("%1 against %2").arg(result.report.outOfScopeThreshold).arg(card.outOfScopeThreshold)));
    const auto inScope = std::count_if(scores.begin(), scores.end(), [&](const FeatureScores &score) { return score.joined <= card.outOfScopeThreshold; });
    QVERIFY2(inScope >= std::ceil(0.95 * (scores.size() - 1)), qPrintable(QStringLiteral("%1 of %2").arg(inScope).arg(scores.size())));
}

void TestOutOfScope::knnEnergyFlagsConfidentOutliersThatMaxSoftmaxFiles()
{
    // The same network's max_softmax threshold, fitted on its validation photographs as training fits it (the bank
    // stays in the file; a card scoring on logits does not read it).
    const QString maxSoftmaxModel = copyModelWithCard(m_knnModel, m_dir.filePath(QStringLiteral("knn-as-max-softmax.safetensors")),
                                                      [](QJsonObject &card) { card.insert(QStringLiteral("out_of_scope_score"), QStringLiteral("max_softmax")); });
    EvaluationRequest request;
    request.catalogPath = m_knnCatalog;
    request.modelPath = maxSoftmaxModel;
    request.threads = 2;
    const double maxSoftmaxThreshold = evaluateModel(request).report.outOfScopeThreshold;
    QVERIFY(std::isfinite(maxSoftmaxThreshold));
    QVERIFY(TrainedModel::load(maxSoftmaxModel)->featureBank().values.empty());

    // Outliers: noise, two departments' colours side by side, and one department's colour with another's bands
    // three times as wide: like no department's photographs.
    const QString outliers = m_dir.filePath(QStringLiteral("outliers"));
    QDir().mkpath(outliers);
    QStringList candidates;
    for (int seed = 1; seed <= 4; ++seed) {
        candidates << QStringLiteral("%1/noise-%2.png").arg(outliers).arg(seed);
        writeFile(candidates.last(), noisePng(40, 40, quint64(seed)));
    }
    const Rgb red{200, 40, 40}, green{40, 180, 60}, blue{50, 70, 210};
    const std::pair<Rgb, Rgb> halves[] = {{red, green}, {green, blue}, {blue, red}, {green, red}};
    for (const auto &[left, right] : halves) {
        candidates << QStringLiteral("%1/halves-%2.png").arg(outliers).arg(candidates.size());
        writeFile(candidates.last(), splitImage(QStringLiteral("png"), 40, 40, left, right));
    }
    const Rgb bands[] = {{20, 20, 20}, {240, 240, 240}, {120, 60, 0}};
    const Rgb colours[] = {red, green, blue};
    for (int d = 0; d < 3; ++d) {
        candidates << QStringLiteral("%1/swapped-%2.png").arg(outliers).arg(candidates.size());
        writeFile(candidates.last(), bandedImage(QStringLiteral("png"), 40, 40, colours[d], bands[(d + 1) % 3], 12));
    }
    const ModelCard card = ModelCard::readBeside(m_knnModel);
    qInfo("temperature %g, validation accuracy %g, max_softmax threshold %g, knn_energy threshold %g", card.temperature,
          card.validation.accuracy, maxSoftmaxThreshold, card.outOfScopeThreshold);
    const QStringList inScope = m_incoming.mid(0, 9); // three new photographs of each department
    const QHash<QString, FeatureScores> outlierScores = featureScoresOf(m_knnModel, candidates);
    const QHash<QString, FeatureScores> inScopeScores = featureScoresOf(m_knnModel, inScope);
    QCOMPARE(outlierScores.size(), candidates.size());
    QCOMPARE(inScopeScores.size(), inScope.size());
    const auto describe = [](const QString &path, const FeatureScores &score) {
        return QStringLiteral("%1: confidence %2, kNN distance %3, energy %4, joined %5").arg(QFileInfo(path).fileName())
            .arg(score.confidence, 0, 'f', 7).arg(score.knnDistance, 0, 'f', 4).arg(score.energy, 0, 'f', 3).arg(score.joined, 0, 'f', 3);
    };
    // The tiny model is sure enough of several of these outliers that max softmax keeps them in scope (and files
    // them); their features are far from every training photograph's, so knn_energy flags every one.
    int confidentlyInScope = 0;
    for (auto it = outlierScores.begin(); it != outlierScores.end(); ++it) {
        QVERIFY2(it->joined > card.outOfScopeThreshold, qPrintable(describe(it.key(), *it)));
        confidentlyInScope += 1 - it->confidence <= maxSoftmaxThreshold ? 1 : 0;
    }
    QVERIFY2(confidentlyInScope >= 3, qPrintable(QStringLiteral("max_softmax threshold %1: only %2 of %3 outliers confidently in scope")
                                                  .arg(maxSoftmaxThreshold).arg(confidentlyInScope).arg(candidates.size())));
    // New photographs of the departments: mostly in scope (the threshold keeps 95% of 24 validation photographs).
    const auto flaggedInScope = std::count_if(inScopeScores.begin(), inScopeScores.end(),
                                              [&](const FeatureScores &score) { return score.joined > card.outOfScopeThreshold; });
    QVERIFY2(flaggedInScope <= 3, qPrintable(QStringLiteral("%1 of %2 flagged").arg(flaggedInScope).arg(inScope.size())));

    // The classifier stores the same score and flag, and files none of the flagged items.
    ClassifyRequest classify;
    classify.catalogPath = m_dir.filePath(QStringLiteral("knn-incoming.db"));
    classify.modelPath = m_knnModel;
    classify.paths = candidates + inScope;
    classify.threads = 2;
    { Catalog create(classify.catalogPath, Catalog::OpenMode::CreateIfMissing); }
    ClassifyJob job(classify);
    QString failure;
    connect(&job, &Job::failed, this, [&failure](const QString &error) { failure = error; }, Qt::DirectConnection);
    QVERIFY2(job.exec(), qPrintable(failure));
    QCOMPARE(job.summary().classified, qint64(candidates.size() + inScope.size()));
    QCOMPARE(job.summary().outOfScope, qint64(candidates.size() + flaggedInScope));
    Catalog catalog(classify.catalogPath);
    ReviewStore store(catalog);
    for (qint64 id : job.summary().import.itemIds) {
        const auto item = catalog.item(id);
        QVERIFY(item);
        const auto prediction = store.prediction(id, job.summary().modelId);
        QVERIFY(prediction);
        const FeatureScores score = outlierScores.contains(item->path) ? outlierScores.value(item->path) : inScopeScores.value(item->path);
        QVERIFY2(qAbs(prediction->outOfScopeScore - score.joined) < 1e-9, qPrintable(describe(item->path, score)));
        QCOMPARE(prediction->outOfScope, score.joined > card.outOfScopeThreshold);
        if (prediction->outOfScope)
            QCOMPARE(store.status(id), ItemStatus::NeedsReview);
    }
}

void TestOutOfScope::knnEnergyCardsNeedTheBank()
{
    // A model file without the bank under a card that asks for knn_energy: refused, naming the file and the tensor.
    const QJsonObject knnCard = ModelCard::readBeside(m_knnModel).toJson();
    const QString withoutBank = copyModelWithCard(m_model, m_dir.filePath(QStringLiteral("no-bank.safetensors")), [&](QJsonObject &card) {
        for (const QString &key : {QStringLiteral("out_of_scope_score"), QStringLiteral("out_of_scope_threshold"), QStringLiteral("out_of_scope_knn_k"),
                                   QStringLiteral("out_of_scope_reference_knn_distances"), QStringLiteral("out_of_scope_reference_energies")})
            card.insert(key, knnCard.value(key));
    });
    try {
        TrainedModel::load(withoutBank);
        QFAIL("a knn_energy card without the feature bank was accepted");
    } catch (const WeightsError &error) {
        const QString message = QString::fromUtf8(error.what());
        QVERIFY2(message.startsWith(withoutBank) && message.contains(QString::fromLatin1(kFeatureBankTensor)), error.what());
    }
    // Older models (no bank, a logit score) load as before.
    QVERIFY(TrainedModel::load(m_model)->featureBank().values.empty());

    // evaluate --fit-out-of-scope fits logit scores only: it leaves a knn_energy card alone and says why.
    QByteArray out;
    QByteArray err;
    QCOMPARE(runCli({QStringLiteral("evaluate"), QStringLiteral("--model"), m_knnModel, QStringLiteral("--catalog"),
                     m_knnCatalog, QStringLiteral("--fit-out-of-scope")}, &out, &err), 2);
    QVERIFY2(err.contains("knn_energy") && err.contains(m_knnModel.toUtf8()), err.constData());
    QCOMPARE(ModelCard::readBeside(m_knnModel).outOfScopeScore, OutOfScopeScore::KnnEnergy);
}

void TestOutOfScope::knnEnergyWithTestTimeViewsComparesThePlainView()
{
    // With flipped views the logits are the views' mean, but the kNN distance is the plain view's: the bank holds
    // plain centre crops. Noise and half-and-half images are not symmetric: a flipped view's features differ.
    const QString flipped = copyModelWithCard(m_knnModel, m_dir.filePath(QStringLiteral("knn-flip.safetensors")),
                                              [](QJsonObject &card) { card.insert(QStringLiteral("tta"), QStringLiteral("flip")); });
    QCOMPARE(ModelCard::readBeside(flipped).testTimeAugmentation, TestTimeAugmentation::Flip);
    const QString dir = m_dir.filePath(QStringLiteral("asymmetric"));
    QDir().mkpath(dir);
    QStringList files;
    for (int i = 0; i < 4; ++i) {
        files << QStringLiteral("%1/noise-%2.png").arg(dir).arg(i) << QStringLiteral("%1/halves-%2.png").arg(dir).arg(i);
        writeFile(files[files.size() - 2], noisePng(40, 40, quint64(100 + i)));
        writeFile(files.last(), splitImage(QStringLiteral("png"), 40, 40, {200, 40, 40}, {60 * i, 180, 60}));
    }
    const QHash<QString, FeatureScores> plain = featureScoresOf(m_knnModel, files);
    const QHash<QString, FeatureScores> views = featureScoresOf(flipped, files);
    QCOMPARE(views.size(), files.size());
    int energiesDiffer = 0;
    for (const QString &file : files) {
        QVERIFY2(qAbs(views[file].knnDistance - plain[file].knnDistance) < 1e-5, qPrintable(file));
        energiesDiffer += qAbs(views[file].energy - plain[file].energy) > 1e-4 ? 1 : 0;
    }
    QVERIFY(energiesDiffer > 0); // the views did change the logits
}

QTEST_GUILESS_MAIN(TestOutOfScope)
#include "tst_outofscope.moc"
