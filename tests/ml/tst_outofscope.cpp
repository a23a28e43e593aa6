#include "catalog/catalog.h"
#include "catalog/itemquery.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "jobs/classifyjob.h"
#include "ml/evaluation.h"
#include "ml/metrics.h"
#include "ml/modelcard.h"
#include "ml/predictor.h"
#include "ml/trainedmodel.h"
#include "ml/weightserror.h"
#include "testcatalogs.h"
#include "testimages.h"

#include <QFile>
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

private:
    QTemporaryDir m_dir;
    QString m_model;
    QStringList m_incoming;
};

void TestOutOfScope::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString catalog = m_dir.filePath(QStringLiteral("train.db"));
    m_model = m_dir.filePath(QStringLiteral("model.safetensors"));
    writeColourImages(m_dir.filePath(QStringLiteral("labelled")), 16, 7, true);
    importFolders(catalog, m_dir.filePath(QStringLiteral("labelled")));
    QVERIFY(trainSmallBaseline(catalog, m_model));

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
    const ModelCard card = ModelCard::readBeside(m_model);
    QVERIFY(card.hasOutOfScopeThreshold());
    QCOMPARE(card.outOfScopeScore, kDefaultOutOfScopeScore);
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

QTEST_GUILESS_MAIN(TestOutOfScope)
#include "tst_outofscope.moc"
