#include "catalog/catalog.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "jobs/classifyjob.h"
#include "jobs/importjob.h"
#include "jobs/trainingjob.h"
#include "ml/modelcard.h"
#include "ml/modelregistration.h"
#include "ml/weightserror.h"
#include "testcatalogs.h"
#include "testimages.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <functional>
#include <numeric>

using namespace accession;
using namespace accession::test;

namespace {

const QStringList kDepartments = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art"),
                                  QStringLiteral("Drawings and Prints"), QStringLiteral("Greek and Roman Art")};

// Incoming, unlabelled works: images of the same departments, in a flat folder.
QStringList writeIncoming(const QString &dir, int perDepartment, quint32 seed)
{
    const QStringList files = writeDepartmentFolders(dir + QStringLiteral("/tmp"), kDepartments, perDepartment, 40, seed);
    QStringList moved;
    for (const QString &file : files) {
        const QString target = dir + QLatin1Char('/') + QFileInfo(file).fileName();
        QFile::rename(file, target);
        moved << target;
    }
    QDir(dir + QStringLiteral("/tmp")).removeRecursively();
    return moved;
}

} // namespace

class TestClassify : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void storesFullCalibratedProbabilities();
    void thresholdDecidesWhatIsFiled();
    void queueShowsMostUncertainFirst();
    void decisionsBecomeCuratorLabelsWithUndo();
    void resumesWithoutClassifyingTwice();
    void reportsAndSkipsUndecodableImages();
    void classifiesGivenFilesOnly();
    void registrationChecksTheWholeModel();
    void unusableRegisteredModelIsRefused();

private:
    QTemporaryDir m_dir;
    QString m_catalog;
    QString m_model;
};

void TestClassify::initTestCase()
{
    m_catalog = m_dir.filePath(QStringLiteral("c.db"));
    writeDepartmentFolders(m_dir.filePath(QStringLiteral("labelled")), kDepartments, 24, 40, 5);
    importFolders(m_catalog, m_dir.filePath(QStringLiteral("labelled")));
    TrainingOptions options;
    options.catalogPath = m_catalog;
    options.architecture = Architecture::Baseline;
    options.imageSize = 32;
    options.epochs = 10;
    options.batchSize = 16;
    options.threads = 2;
    options.patience = 0;
    options.outPath = m_dir.filePath(QStringLiteral("model.safetensors"));
    QVERIFY(TrainingJob(options).exec());
    m_model = options.outPath;
    // Unlabelled incoming works to classify.
    ImportRequest request;
    request.source = ImportRequest::Source::Unlabelled;
    request.paths = writeIncoming(m_dir.filePath(QStringLiteral("incoming")), 10, 99);
    QVERIFY(ImportJob(m_catalog, request).exec());
}

void TestClassify::storesFullCalibratedProbabilities()
{
    const ClassifySummary summary = classifyWithModel(m_catalog, m_model);
    QCOMPARE(summary.classified, 96 + 40);
    QCOMPARE(summary.autoFiled + summary.toReview, summary.classified);
    QVERIFY(summary.failures.isEmpty());
    Catalog catalog(m_catalog);
    ModelRegistry registry(catalog);
    const auto active = registry.activeModel();
    QVERIFY(active);
    QCOMPARE(active->id, summary.modelId);
    QCOMPARE(active->classes, kDepartments);
    ReviewStore store(catalog);
    QCOMPARE(store.predictionCount(summary.modelId), 136);
    for (const ItemRecord &item : catalog.items(0, 200)) {
        const auto prediction = store.prediction(item.id, summary.modelId);
        QVERIFY(prediction);
        QCOMPARE(prediction->probabilities.size(), size_t(4));
        const double sum = std::accumulate(prediction->probabilities.begin(), prediction->probabilities.end(), 0.0);
        QVERIFY(std::abs(sum - 1.0) < 1e-4);
        const auto best = std::max_element(prediction->probabilities.begin(), prediction->probabilities.end());
        QVERIFY(std::abs(prediction->confidence - *best) < 1e-6);
        QCOMPARE(prediction->predicted, kDepartments[int(best - prediction->probabilities.begin())]);
        QVERIFY(prediction->createdAt.isValid());
    }
    // Running again finds nothing new.
    const ClassifySummary again = classifyWithModel(m_catalog, m_model);
    QCOMPARE(again.classified, 0);
    QCOMPARE(again.skipped, 136);
}

void TestClassify::thresholdDecidesWhatIsFiled()
{
    Catalog catalog(m_catalog);
    ModelRegistry registry(catalog);
    ReviewStore store(catalog);
    const qint64 model = registry.activeModel()->id;
    // Filed: at or above the threshold, unless unlike any department's photographs (never filed, at any threshold).
    const auto countAtOrAbove = [&](double threshold) {
        QSqlQuery query = catalog.run(QStringLiteral("SELECT COUNT(*) FROM predictions p JOIN items i ON i.id = p.item_id"
                                                     " WHERE p.model_id = :m AND i.current_label_id IS NULL AND p.confidence >= :t"
                                                     " AND p.out_of_scope = 0"),
                                      {{QStringLiteral("m"), model}, {QStringLiteral("t"), threshold}});
        query.next();
        return query.value(0).toLongLong();
    };
    for (double threshold : {0.0, 0.5, 0.8, 1.0}) {
        registry.setThreshold(model, threshold);
        const QHash<ItemStatus, qint64> counts = store.statusCounts();
        // A threshold of 1 files nothing, not even the predictions whose probability rounds to exactly 1.
        QCOMPARE(counts.value(ItemStatus::AutoFiled), threshold < 1.0 ? countAtOrAbove(threshold) : 0);
        QCOMPARE(counts.value(ItemStatus::AutoFiled) + counts.value(ItemStatus::NeedsReview), 40);
        QCOMPARE(store.queueSize(model, threshold), 40 - (threshold < 1.0 ? countAtOrAbove(threshold) : 0));
        QCOMPARE(counts.value(ItemStatus::Labelled), 96);
    }
    QCOMPARE(store.statusCounts().value(ItemStatus::AutoFiled), 0);
    registry.setThreshold(model, 0.9);
}

void TestClassify::queueShowsMostUncertainFirst()
{
    Catalog catalog(m_catalog);
    ReviewStore store(catalog);
    const qint64 model = ModelRegistry(catalog).activeModel()->id;
    const QVector<ItemRow> queue = store.queue(model, 1.01, 100);
    QCOMPARE(queue.size(), 40);
    for (int i = 1; i < queue.size(); ++i) {
        QVERIFY(queue[i - 1].confidence <= queue[i].confidence);
        if (queue[i - 1].confidence == queue[i].confidence)
            QVERIFY(queue[i - 1].margin <= queue[i].margin);
    }
    const ItemRow &first = queue.first();
    QCOMPARE(first.candidates.size(), 3);
    QCOMPARE(first.candidates[0].department, first.predicted);
    QVERIFY(first.candidates[0].probability >= first.candidates[1].probability);
    QVERIFY(std::abs(first.candidates[0].probability - first.confidence) < 1e-6);
    // A skipped item goes to the end, and undoing the skip brings it back.
    const Decision skipped = store.skip(first.id);
    QCOMPARE(store.queue(model, 1.01, 100).last().id, first.id);
    QVERIFY(store.queue(model, 1.01, 100).last().skipped);
    store.undo(skipped.id);
    QCOMPARE(store.queue(model, 1.01, 100).first().id, first.id);
}

void TestClassify::decisionsBecomeCuratorLabelsWithUndo()
{
    Catalog catalog(m_catalog);
    ReviewStore store(catalog);
    ModelRegistry registry(catalog);
    const qint64 model = registry.activeModel()->id;
    registry.setThreshold(model, 1.0); // (almost) nothing filed automatically: the unlabelled items wait
    const qint64 waiting = store.queueSize(model, 1.0);
    const QVector<ItemRow> queue = store.queue(model, 1.0, 40);
    // b is filed automatically below: one the model does not find out of scope (those are never filed).
    const auto inScope = std::find_if(queue.begin() + 1, queue.end(), [](const ItemRow &row) { return !row.outOfScope; });
    QVERIFY(inScope != queue.end());
    const qint64 a = queue[0].id;
    const qint64 b = inScope->id;

    const Decision accepted = store.accept(a);
    QCOMPARE(accepted.action, DecisionAction::Accept);
    QCOMPARE(accepted.modelId, model);
    QCOMPARE(store.status(a), ItemStatus::Confirmed);
    QCOMPARE(catalog.item(a)->department, queue[0].predicted);
    QCOMPARE(catalog.item(a)->labelSource, std::optional<LabelSource>(LabelSource::Curator));

    const QString other = inScope->candidates[1].department;
    const Decision chosen = store.choose(b, *catalog.departmentIdByName(other));
    QCOMPARE(chosen.action, DecisionAction::Choose);
    QCOMPARE(catalog.item(b)->department, other);
    QCOMPARE(store.queueSize(model, 1.0), waiting - 2);

    // Curator labels are what the next training learns from.
    bool foundA = false;
    for (const ItemRow &item : catalog.labelledItems(false, true))
        foundA = foundA || item.id == a;
    QVERIFY(foundA);

    // Undo retracts the label, keeps the history, and puts the item back in the queue.
    const Decision undone = store.undoLatest(b);
    QCOMPARE(undone.action, DecisionAction::Undo);
    QCOMPARE(undone.undoesDecisionId, chosen.id);
    QCOMPARE(catalog.item(b)->labelId, 0);
    QCOMPARE(store.status(b), ItemStatus::NeedsReview);
    const QVector<LabelRecord> history = catalog.labelHistory(b);
    QCOMPARE(history.size(), 1);
    QVERIFY(history[0].retractedAt.has_value());
    const QVector<Decision> decisions = store.decisions(b);
    QCOMPARE(decisions.size(), 2);
    QVERIFY(decisions[0].undone);
    QVERIFY_THROWS_EXCEPTION(CatalogError, store.undo(chosen.id));
    QVERIFY_THROWS_EXCEPTION(CatalogError, store.undoLatest(b));

    // An automatically filed item can be sent back to review, and that too can be undone.
    registry.setThreshold(model, 0.0);
    QCOMPARE(store.status(b), ItemStatus::AutoFiled);
    const Decision sentBack = store.unfile(b);
    QCOMPARE(store.status(b), ItemStatus::NeedsReview);
    // At threshold 0 the queue holds b and the photographs out of scope, which are never filed.
    const QVector<ItemRow> waitingAtZero = store.queue(model, 0.0, 40);
    QVERIFY(std::all_of(waitingAtZero.begin(), waitingAtZero.end(), [b](const ItemRow &row) { return row.id == b || row.outOfScope; }));
    QVERIFY(std::any_of(waitingAtZero.begin(), waitingAtZero.end(), [b](const ItemRow &row) { return row.id == b; }));
    store.undo(sentBack.id);
    QCOMPARE(store.status(b), ItemStatus::AutoFiled);
    registry.setThreshold(model, 0.9);
}

void TestClassify::resumesWithoutClassifyingTwice()
{
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("big.db"));
    ImportRequest request;
    request.source = ImportRequest::Source::Unlabelled;
    request.paths = writeIncoming(dir.filePath(QStringLiteral("in")), 50, 123);
    QVERIFY(ImportJob(catalogPath, request).exec());

    ClassifyRequest classifyRequest;
    classifyRequest.catalogPath = catalogPath;
    classifyRequest.modelPath = m_model;
    classifyRequest.batchSize = 8;
    classifyRequest.chunkSize = 64;
    classifyRequest.threads = 2;
    ClassifyJob interrupted(classifyRequest);
    connect(&interrupted, &Job::progress, &interrupted, [&interrupted](qint64 done, qint64, const QString &) {
        if (done >= 40)
            interrupted.cancel();
    });
    QSignalSpy cancelled(&interrupted, &Job::cancelled);
    QVERIFY(!interrupted.exec());
    QCOMPARE(cancelled.size(), 1);
    const qint64 firstRun = interrupted.summary().classified;
    QVERIFY2(firstRun >= 40 && firstRun < 200, qPrintable(QString::number(firstRun)));

    classifyRequest.modelPath.clear(); // the active model now
    ClassifyJob resumed(classifyRequest);
    QVERIFY(resumed.exec());
    QCOMPARE(resumed.summary().skipped, firstRun);
    QCOMPARE(resumed.summary().classified, 200 - firstRun);
    Catalog catalog(catalogPath);
    QSqlQuery counts = catalog.run(QStringLiteral("SELECT COUNT(*), COUNT(DISTINCT item_id) FROM predictions"));
    QVERIFY(counts.next());
    QCOMPARE(counts.value(0).toLongLong(), 200);
    QCOMPARE(counts.value(1).toLongLong(), 200);
}

void TestClassify::reportsAndSkipsUndecodableImages()
{
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("c.db"));
    ImportRequest request;
    request.source = ImportRequest::Source::Unlabelled;
    request.paths = writeIncoming(dir.filePath(QStringLiteral("in")), 3, 7);
    QVERIFY(ImportJob(catalogPath, request).exec());
    writeFile(request.paths[4], QByteArray("gone bad"));
    const ClassifySummary summary = classifyWithModel(catalogPath, m_model);
    QCOMPARE(summary.classified, 11);
    QCOMPARE(summary.failures.size(), 1);
    QCOMPARE(summary.failures[0].path, request.paths[4]);
    Catalog catalog(catalogPath);
    QSqlQuery failures = catalog.run(QStringLiteral("SELECT COUNT(*) FROM classification_failures"));
    QVERIFY(failures.next());
    QCOMPARE(failures.value(0).toLongLong(), 1);
}

void TestClassify::classifiesGivenFilesOnly()
{
    QTemporaryDir dir;
    const QStringList fresh = writeIncoming(dir.filePath(QStringLiteral("drag")), 2, 555);
    const ClassifySummary summary = classifyWithModel(m_catalog, QString(), fresh);
    QCOMPARE(summary.import.imported, 8);
    QCOMPARE(summary.classified, 8);
    // Dragging the same files again classifies nothing twice.
    const ClassifySummary again = classifyWithModel(m_catalog, QString(), fresh);
    QCOMPARE(again.import.duplicates, 8);
    QCOMPARE(again.classified, 0);
    QCOMPARE(again.skipped, 8);
}


void TestClassify::registrationChecksTheWholeModel()
{
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("fresh.db"));
    ImportRequest request;
    request.source = ImportRequest::Source::Unlabelled;
    request.paths = writeIncoming(dir.filePath(QStringLiteral("in")), 2, 31);
    QVERIFY(ImportJob(catalogPath, request).exec());

    QFile cardFile(ModelCard::pathBeside(m_model));
    QVERIFY(cardFile.open(QIODevice::ReadOnly));
    const QJsonObject goodCard = QJsonDocument::fromJson(cardFile.readAll()).object();
    QFile weightsFile(m_model);
    QVERIFY(weightsFile.open(QIODevice::ReadOnly));
    const QByteArray goodWeights = weightsFile.readAll();
    // A copy of the trained model under another name, with its card or weights spoilt.
    const auto variant = [&](const QString &name, const std::function<void(QJsonObject &)> &spoilCard, const QByteArray &weights) {
        const QString path = dir.filePath(name + QStringLiteral(".safetensors"));
        writeFile(path, weights);
        QJsonObject card = goodCard;
        spoilCard(card);
        writeFile(ModelCard::pathBeside(path), QJsonDocument(card).toJson());
        return path;
    };
    const auto keep = [](QJsonObject &) {};
    const auto set = [](const char *key, const QJsonValue &value) {
        return [key, value](QJsonObject &card) { card.insert(QLatin1String(key), value); };
    };
    QJsonObject bigInput = goodCard.value(QStringLiteral("preprocessing")).toObject();
    bigInput.insert(QStringLiteral("input_size"), QStringLiteral("big"));
    const QList<std::pair<QString, QString>> broken = {
        {variant(QStringLiteral("negative-threshold"), set("threshold", -1), goodWeights), QStringLiteral("threshold")},
        {variant(QStringLiteral("cold"), set("temperature", 1e-300), goodWeights), QStringLiteral("temperature")},
        {variant(QStringLiteral("big"), set("preprocessing", bigInput), goodWeights), QStringLiteral("input_size")},
        {variant(QStringLiteral("three-classes"), set("classes", QJsonArray{QStringLiteral("A"), QStringLiteral("B"), QStringLiteral("C")}), goodWeights),
         QString()},
        {variant(QStringLiteral("text"), keep, QByteArray("not a model at all\n")), QString()},
        {variant(QStringLiteral("truncated"), keep, goodWeights.left(goodWeights.size() / 2)), QString()},
    };
    const auto refused = [&](const QString &path, const QString &field) {
        try {
            registerModelFile(catalogPath, path);
        } catch (const std::exception &error) {
            const QString text = QString::fromUtf8(error.what());
            QVERIFY2(text.startsWith(ModelCard::pathBeside(path)) || text.startsWith(path), qPrintable(text));
            QVERIFY2(text.contains(field), qPrintable(text));
            QVERIFY2(!text.contains(QLatin1Char('\n')), qPrintable(text));
            return;
        }
        QFAIL(qPrintable(QStringLiteral("%1 was registered").arg(path)));
    };
    for (const auto &[path, field] : broken)
        refused(path, field);
    {
        Catalog catalog(catalogPath);
        QVERIFY(ModelRegistry(catalog).models().isEmpty()); // none of them became the active model
    }

    // A good model becomes active; a broken one registered afterwards leaves it so.
    const qint64 good = registerModelFile(catalogPath, m_model);
    refused(broken.first().first, QStringLiteral("threshold"));
    Catalog catalog(catalogPath);
    ModelRegistry registry(catalog);
    QCOMPARE(registry.models().size(), 1);
    QCOMPARE(registry.activeModel()->id, good);
    QVERIFY_THROWS_EXCEPTION(CatalogError, registry.setThreshold(good, std::nan("")));

    // A fixed department list refuses a model whose classes it lacks.
    const QString fixedPath = dir.filePath(QStringLiteral("fixed.db"));
    {
        Catalog fixed(fixedPath, Catalog::OpenMode::CreateIfMissing);
        fixed.addDepartment(QStringLiteral("Egyptian Art"));
        fixed.setDepartmentsFixed(true);
    }
    try {
        registerModelFile(fixedPath, m_model);
        QFAIL("a model of other departments was registered in a fixed list");
    } catch (const WeightsError &error) {
        QVERIFY2(QString::fromUtf8(error.what()).contains(QStringLiteral("is not a department of")), error.what());
    }
}

void TestClassify::unusableRegisteredModelIsRefused()
{
    // A row written before registration checked models: classify says why and files nothing.
    QTemporaryDir dir;
    const QString catalogPath = copyCatalog(m_catalog, dir.path(), QStringLiteral("old.db"));
    const qint64 model = registerModelFile(catalogPath, m_model);
    qint64 predictionsBefore = -1;
    {
        Catalog catalog(catalogPath);
        QCOMPARE(ModelRegistry(catalog).activeModel()->id, model);
        catalog.run(QStringLiteral("UPDATE models SET threshold = -1 WHERE id = :id"), {{QStringLiteral("id"), model}});
        QCOMPARE(ModelRegistry(catalog).activeModel()->problem(), QStringLiteral("its threshold -1 is not a probability between 0 and 1"));
        QVERIFY_THROWS_EXCEPTION(CatalogError, ModelRegistry(catalog).activate(model));
        QSqlQuery predictions = catalog.run(QStringLiteral("SELECT COUNT(*) FROM predictions"));
        QVERIFY(predictions.next());
        predictionsBefore = predictions.value(0).toLongLong();
    }
    ClassifyRequest request;
    request.catalogPath = catalogPath;
    request.paths = writeIncoming(dir.filePath(QStringLiteral("in")), 1, 8);
    ClassifyJob job(request);
    QSignalSpy failed(&job, &Job::failed);
    QVERIFY(!job.exec());
    QCOMPARE(failed.size(), 1);
    const QString text = failed.first().first().toString();
    QVERIFY2(text.contains(QStringLiteral("threshold -1 is not a probability")), qPrintable(text));
    QVERIFY(!text.contains(QLatin1Char('\n')));
    Catalog catalog(catalogPath);
    QSqlQuery predictions = catalog.run(QStringLiteral("SELECT COUNT(*) FROM predictions"));
    QVERIFY(predictions.next());
    QCOMPARE(predictions.value(0).toLongLong(), predictionsBefore);
}

QTEST_GUILESS_MAIN(TestClassify)
#include "tst_classify.moc"
