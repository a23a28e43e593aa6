#include "catalog/catalog.h"
#include "jobs/evaluationjob.h"
#include "jobs/trainingjob.h"
#include "ml/datasplit.h"
#include "ml/errormessage.h"
#include "ml/modelcard.h"
#include "ml/network.h"
#include "ml/predictor.h"
#include "ml/preprocessing.h"
#include "ml/trainedmodel.h"
#include "ml/trainingschedule.h"
#include "ml/weightaverage.h"
#include "ml/weightserror.h"
#include "testcatalogs.h"
#include "testimages.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <random>
#include <tuple>

using namespace accession;
using namespace accession::test;

namespace {

const QStringList kDepartments = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art"),
                                  QStringLiteral("Drawings and Prints"), QStringLiteral("Greek and Roman Art")};

TrainingOptions baselineOptions(const QString &catalog, const QString &out, int epochs)
{
    TrainingOptions options;
    options.catalogPath = catalog;
    options.architecture = Architecture::Baseline;
    options.imageSize = 32;
    options.epochs = epochs;
    options.batchSize = 16;
    options.outPath = out;
    options.patience = 0;
    options.threads = 2;
    options.seed = 7;
    return options;
}

// Trains to the end and returns the model card; throws if training fails.
ModelCard trainedCard(const TrainingOptions &options)
{
    TrainingJob job(options);
    if (!job.exec())
        throw std::runtime_error("training failed");
    return job.card();
}

float maxDifference(const QString &a, const QString &b)
{
    const QMap<QString, HostTensor> left = readTensorFile(a);
    const QMap<QString, HostTensor> right = readTensorFile(b);
    if (left.keys() != right.keys())
        return INFINITY;
    float worst = 0;
    for (auto it = left.cbegin(); it != left.cend(); ++it) {
        const HostTensor &other = right[it.key()];
        for (size_t i = 0; i < it.value().values.size(); ++i)
            worst = std::max(worst, std::abs(it.value().values[i] - other.values[i]));
    }
    return worst;
}


// A card as training writes it, for tests that spoil one field at a time.
QJsonObject validCardJson()
{
    ModelCard card;
    card.architecture = QStringLiteral("baseline");
    card.classes = kDepartments;
    card.preprocessing = Preprocessing::imagenet(32);
    card.temperature = 1.5;
    card.threshold = 0.8;
    return card.toJson();
}

// Overwrites the first float tensor of a safetensors file with NaN, as a corrupted or diverged file would hold.
void poisonFirstFloatTensor(const QString &path)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    const QByteArray bytes = file.readAll();
    quint64 headerSize = 0;
    std::memcpy(&headerSize, bytes.constData(), 8);
    const QJsonObject header = QJsonDocument::fromJson(bytes.mid(8, int(headerSize))).object();
    for (auto it = header.begin(); it != header.end(); ++it) {
        const QJsonObject entry = it.value().toObject();
        if (entry.value(QStringLiteral("dtype")).toString() != QLatin1String("F32"))
            continue;
        const QJsonArray offsets = entry.value(QStringLiteral("data_offsets")).toArray();
        const qint64 begin = 8 + qint64(headerSize) + offsets[0].toInteger();
        const qint64 end = 8 + qint64(headerSize) + offsets[1].toInteger();
        const float nan = std::nanf("");
        QByteArray poison;
        for (qint64 at = begin; at < end; at += 4)
            poison.append(reinterpret_cast<const char *>(&nan), 4);
        QVERIFY(file.seek(begin));
        QCOMPARE(file.write(poison), end - begin);
        return;
    }
    QFAIL("no float tensor in the file");
}

} // namespace

Q_DECLARE_METATYPE(accession::TrainingOptions)

class TestTraining : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void splitIsStratifiedSavedAndStable();
    void baselineLearnsGeneratedDepartments();
    void cancelThenResumeEqualsUninterruptedRun();
    void cardNamesTheKeptEpochAcrossAResume();
    void cachedFeatureHeadLearnsAndReusesTheCache();
    void pretrainedBackboneTrainsHeadThenFineTunes();
    void undecodableImagesAreLeftOutAndReported();
    void refusesCatalogWithOneDepartment();
    void classBalanceAndCropScaleShapeTraining();
    void randomCropsComeFromFullResolutionPixels();
    void weightDecayDefaultFollowsTheOptimizer();
    void centerCropFractionIsRecordedAndReadBack();
    void centerCropFractionFramesWhatTheNetworkSees();
    void randomResizedCropBoxFollowsTorchvision();
    void earlyStoppingCountsOnlyTheLastThird();
    void weightAverageDecayWarmsUpToItsHorizon();
    void weightAveragingIsWhatIsValidatedSavedAndResumed();
    void modelCardFieldsAreChecked_data();
    void modelCardFieldsAreChecked();
    void modelGivingNonFiniteScoresIsRefused();
    void trainingOptionsOutOfRangeAreRefused_data();
    void trainingOptionsOutOfRangeAreRefused();
    void divergingTrainingStopsAndKeepsTheLastGoodCheckpoint();
    void libTorchErrorsBecomeOneLine();

private:
    QTemporaryDir m_dir;
    QString m_catalog;
};

void TestTraining::initTestCase()
{
    m_catalog = m_dir.filePath(QStringLiteral("train.db"));
    writeDepartmentFolders(m_dir.filePath(QStringLiteral("images")), kDepartments, 30, 48, 3);
    importFolders(m_catalog, m_dir.filePath(QStringLiteral("images")));
}

void TestTraining::splitIsStratifiedSavedAndStable()
{
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("split.db"));
    writeDepartmentFolders(dir.filePath(QStringLiteral("a")), kDepartments, 20, 24, 11);
    importFolders(catalogPath, dir.filePath(QStringLiteral("a")));
    Catalog catalog(catalogPath);
    const DataSplit first = prepareSplit(catalog, 5, 0.25);
    QCOMPARE(first.classes, kDepartments);
    QCOMPARE(first.validation.size(), 20);
    for (const int count : first.countPerClass(first.validation))
        QCOMPARE(count, 5);
    const DataSplit again = prepareSplit(catalog, 5, 0.25);
    QCOMPARE(again.splitId, first.splitId);
    QSet<qint64> firstValidation;
    for (const Example &example : first.validation)
        firstValidation.insert(example.itemId);
    for (const Example &example : again.validation)
        QVERIFY(firstValidation.contains(example.itemId));

    // New items join; the old ones keep their side.
    writeDepartmentFolders(dir.filePath(QStringLiteral("b")), kDepartments, 8, 24, 12);
    importFolders(catalogPath, dir.filePath(QStringLiteral("b")));
    const DataSplit grown = prepareSplit(catalog, 5, 0.25);
    QCOMPARE(grown.train.size() + grown.validation.size(), 112);
    int kept = 0;
    for (const Example &example : grown.validation)
        kept += firstValidation.contains(example.itemId) ? 1 : 0;
    QCOMPARE(kept, 20);
    QCOMPARE(grown.validation.size(), 28);
    // Another seed is another split.
    QVERIFY(prepareSplit(catalog, 6, 0.25).splitId != first.splitId);
}

void TestTraining::baselineLearnsGeneratedDepartments()
{
    const QString out = m_dir.filePath(QStringLiteral("baseline.safetensors"));
    TrainingJob job(baselineOptions(m_catalog, out, 12));
    QSignalSpy epochs(&job, &TrainingJob::epochFinished);
    QVERIFY(job.exec());
    QCOMPARE(epochs.size(), 12);
    const ModelCard card = job.card();
    QCOMPARE(card.classes, kDepartments);
    QVERIFY2(card.validation.accuracy >= 0.8, qPrintable(QString::number(card.validation.accuracy))); // chance is 0.25
    QCOMPARE(card.validation.count, 24);
    QCOMPARE(card.trainingImagesPerClass.value(QStringLiteral("Asian Art")), 24);
    QVERIFY(card.temperature > 0);
    QVERIFY(card.threshold > 0 && card.threshold <= 1.0);
    QCOMPARE(card.preprocessing.inputSize, 32);
    QCOMPARE(card.training.value(QStringLiteral("history")).toArray().size(), 12);
    QVERIFY(QFile::exists(out));
    QVERIFY(QFile::exists(ModelCard::pathBeside(out)));
    QVERIFY(!QFile::exists(TrainingJob::checkpointPathFor(out)));

    const auto model = TrainedModel::load(out);
    QCOMPARE(model->card().classes, kDepartments);
    QCOMPARE(model->network().numClasses(), 4);

    // Inference (batch norm folded, centre crop cut before resizing) agrees with what training measured
    // on the same validation items.
    EvaluationRequest request;
    request.source = EvaluationRequest::Source::Catalog;
    request.catalogPath = m_catalog;
    request.modelPath = out;
    EvaluationJob evaluation(request);
    QVERIFY(evaluation.exec());
    const EvaluationResult result = evaluation.result();
    QCOMPARE(result.report.count, card.validation.count);
    QVERIFY2(std::abs(result.report.accuracy - card.validation.accuracy) <= 1.0 / 24 + 1e-9,
             qPrintable(QStringLiteral("%1 against %2").arg(result.report.accuracy).arg(card.validation.accuracy)));
}

void TestTraining::cancelThenResumeEqualsUninterruptedRun()
{
    const QString straight = m_dir.filePath(QStringLiteral("straight.safetensors"));
    QVERIFY(TrainingJob(baselineOptions(m_catalog, straight, 4)).exec());

    const QString resumed = m_dir.filePath(QStringLiteral("resumed.safetensors"));
    {
        TrainingJob job(baselineOptions(m_catalog, resumed, 4));
        connect(&job, &TrainingJob::epochFinished, &job, [&job](const EpochReport &report) {
            if (report.epoch == 2)
                job.cancel();
        });
        QSignalSpy cancelled(&job, &Job::cancelled);
        QVERIFY(!job.exec());
        QCOMPARE(cancelled.size(), 1);
        QCOMPARE(job.history().size(), 2);
    }
    QVERIFY(QFile::exists(TrainingJob::checkpointPathFor(resumed)));
    QVERIFY(!QFile::exists(resumed));

    TrainingOptions options = baselineOptions(m_catalog, resumed, 4);
    options.resume = true;
    TrainingJob job(options);
    QSignalSpy epochs(&job, &TrainingJob::epochFinished);
    QVERIFY(job.exec());
    QCOMPARE(epochs.size(), 2); // epochs 3 and 4 only
    QCOMPARE(job.history().size(), 4);
    const float difference = maxDifference(straight, resumed);
    QVERIFY2(difference < 1e-5f, qPrintable(QStringLiteral("weights differ by %1").arg(double(difference))));
}

void TestTraining::cardNamesTheKeptEpochAcrossAResume()
{
    const QString straight = m_dir.filePath(QStringLiteral("kept-straight.safetensors"));
    TrainingJob straightJob(baselineOptions(m_catalog, straight, 3));
    QVERIFY(straightJob.exec());
    // The kept weights are those of the best validation accuracy, ties going to the lower validation
    // loss, then to the earlier epoch.
    const QVector<EpochReport> history = straightJob.history();
    QCOMPARE(history.size(), 3);
    int best = 0;
    for (int i = 1; i < history.size(); ++i) {
        if (history[i].validationAccuracy > history[best].validationAccuracy
            || (history[i].validationAccuracy == history[best].validationAccuracy && history[i].validationLoss < history[best].validationLoss))
            best = i;
    }
    const QJsonObject kept = straightJob.card().training.value(QStringLiteral("kept_epoch")).toObject();
    QCOMPARE(kept.value(QStringLiteral("phase")).toString(), QStringLiteral("train"));
    QCOMPARE(kept.value(QStringLiteral("epoch")).toInt(), history[best].epoch);

    // Cancelled after the last epoch's checkpoint, while calibrating: the resumed run trains no epoch,
    // so the kept epoch on its card can only come from the checkpoint.
    const QString resumed = m_dir.filePath(QStringLiteral("kept-resumed.safetensors"));
    {
        TrainingJob job(baselineOptions(m_catalog, resumed, 3));
        connect(&job, &TrainingJob::epochFinished, &job, [&job](const EpochReport &report) {
            if (report.epoch == 3)
                job.cancel();
        });
        QVERIFY(!job.exec());
    }
    QVERIFY(QFile::exists(TrainingJob::checkpointPathFor(resumed)));
    TrainingOptions options = baselineOptions(m_catalog, resumed, 3);
    options.resume = true;
    TrainingJob job(options);
    QSignalSpy epochs(&job, &TrainingJob::epochFinished);
    QVERIFY(job.exec());
    QCOMPARE(epochs.size(), 0);
    QCOMPARE(job.card().training.value(QStringLiteral("kept_epoch")).toObject(), kept);
    QVERIFY(maxDifference(straight, resumed) < 1e-5f);
}

void TestTraining::cachedFeatureHeadLearnsAndReusesTheCache()
{
    // A backbone file: an untrained ResNet-18 stands in for ImageNet weights (none can be fetched here).
    const QString backbone = m_dir.filePath(QStringLiteral("backbone.safetensors"));
    Network(Architecture::ResNet18, 1000, 3).saveWeights(backbone);
    TrainingOptions options;
    options.catalogPath = m_catalog;
    options.architecture = Architecture::ResNet18;
    options.pretrainedWeights = backbone;
    options.imageSize = 64;
    options.epochs = 0;
    options.featuresCache = true;
    options.threads = 2;
    options.outPath = m_dir.filePath(QStringLiteral("cached-head.safetensors"));
    TrainingJob first(options);
    QVERIFY(first.exec());
    const ModelCard card = first.card();
    QVERIFY2(card.validation.accuracy >= 0.6, qPrintable(QString::number(card.validation.accuracy)));
    // The phase reports the kept head's accuracy on its own training features, not a placeholder.
    QCOMPARE(first.history().size(), 1);
    const double trainAccuracy = first.history().first().trainAccuracy;
    QVERIFY2(trainAccuracy >= 0.6 && trainAccuracy <= 1.0, qPrintable(QString::number(trainAccuracy)));
    const QJsonObject phase = card.training.value(QStringLiteral("phases")).toArray().first().toObject();
    QCOMPARE(phase.value(QStringLiteral("features_cached_before")).toInt(), 0);
    QCOMPARE(phase.value(QStringLiteral("features_cached_after")).toInt(), 96 * 2 + 24);

    TrainingJob second(options);
    QVERIFY(second.exec());
    const QJsonObject again = second.card().training.value(QStringLiteral("phases")).toArray().first().toObject();
    QCOMPARE(again.value(QStringLiteral("features_cached_before")).toInt(), 96 * 2 + 24); // nothing recomputed
    QCOMPARE(second.card().validation.accuracy, card.validation.accuracy);
}

void TestTraining::pretrainedBackboneTrainsHeadThenFineTunes()
{
    const QString backbone = m_dir.filePath(QStringLiteral("mobilenet-backbone.safetensors"));
    Network(Architecture::MobileNetV2, 1000, 5).saveWeights(backbone);
    writeFile(m_dir.filePath(QStringLiteral("mobilenet-backbone.json")), R"({"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "input_size": 40})");
    TrainingOptions options;
    options.catalogPath = m_catalog;
    options.architecture = Architecture::MobileNetV2;
    options.pretrainedWeights = backbone;
    options.epochs = 3;
    options.headEpochs = 1;
    options.threads = 2;
    options.outPath = m_dir.filePath(QStringLiteral("finetuned.safetensors"));
    TrainingJob job(options);
    QVERIFY(job.exec());
    const QVector<EpochReport> history = job.history();
    QCOMPARE(history.size(), 3);
    QCOMPARE(history[0].phase, QStringLiteral("head"));
    QCOMPARE(history[1].phase, QStringLiteral("fine-tune"));
    const ModelCard card = job.card();
    // The weights' own preprocessing travels into the model card.
    QCOMPARE(card.preprocessing.inputSize, 40);
    QCOMPARE(card.preprocessing.mean[0], 0.5f);
    QCOMPARE(card.training.value(QStringLiteral("frozen_batch_norm")).toBool(), true);
    QVERIFY(!card.pretrainedFrom.isEmpty());
}

void TestTraining::undecodableImagesAreLeftOutAndReported()
{
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("c.db"));
    writeDepartmentFolders(dir.filePath(QStringLiteral("in")), kDepartments.mid(0, 2), 12, 32, 21);
    importFolders(catalogPath, dir.filePath(QStringLiteral("in")));
    // An imported file is later damaged on disk.
    const QString damaged = dir.filePath(QStringLiteral("in/Asian Art/asian-art-0003.jpg"));
    writeFile(damaged, "overwritten by a careless script");
    TrainingOptions options = baselineOptions(catalogPath, dir.filePath(QStringLiteral("m.safetensors")), 2);
    TrainingJob job(options);
    QVERIFY(job.exec());
    const QVector<Problem> failures = job.failures();
    QCOMPARE(failures.size(), 1);
    QCOMPARE(failures[0].path, damaged);
    QVERIFY(failures[0].reason.contains(QStringLiteral("not an image")));
}

void TestTraining::refusesCatalogWithOneDepartment()
{
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("one.db"));
    writeDepartmentFolders(dir.filePath(QStringLiteral("in")), {QStringLiteral("Asian Art")}, 6, 24);
    importFolders(catalogPath, dir.filePath(QStringLiteral("in")));
    TrainingJob job(baselineOptions(catalogPath, dir.filePath(QStringLiteral("m.safetensors")), 1));
    QSignalSpy failed(&job, &Job::failed);
    QVERIFY(!job.exec());
    QVERIFY(failed.first().first().toString().contains(QStringLiteral("at least two")));
}

void TestTraining::classBalanceAndCropScaleShapeTraining()
{
    auto train = [](const QString &catalogPath, const QString &out, ClassBalance balance, double cropScale) {
        TrainingOptions options = baselineOptions(catalogPath, out, 1);
        options.classBalance = balance;
        options.minimumCropScale = cropScale;
        return trainedCard(options);
    };

    // Equal departments: every balance gives each image weight 1, so the weights come out identical.
    const QString balancedFull = m_dir.filePath(QStringLiteral("balanced-full.safetensors"));
    const QString balancedNone = m_dir.filePath(QStringLiteral("balanced-none.safetensors"));
    train(m_catalog, balancedFull, ClassBalance::Full, 0.25);
    train(m_catalog, balancedNone, ClassBalance::None, 0.25);
    QCOMPARE(maxDifference(balancedFull, balancedNone), 0.0f);

    // One department four times smaller than the others: each balance weighs it differently.
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("imbalanced.db"));
    int asian = 0;
    for (const QString &file : writeDepartmentFolders(dir.filePath(QStringLiteral("in")), kDepartments.mid(0, 3), 24, 32, 51)) {
        if (file.contains(QStringLiteral("/Asian Art/")) && ++asian > 6)
            QVERIFY(QFile::remove(file));
    }
    importFolders(catalogPath, dir.filePath(QStringLiteral("in")));
    const QString full = dir.filePath(QStringLiteral("full.safetensors"));
    const QString sqrt = dir.filePath(QStringLiteral("sqrt.safetensors"));
    const QString none = dir.filePath(QStringLiteral("none.safetensors"));
    const QString wholeImages = dir.filePath(QStringLiteral("whole-images.safetensors"));
    QCOMPARE(train(catalogPath, full, ClassBalance::Full, 0.25).training.value(QStringLiteral("class_balance")).toString(),
             QStringLiteral("full"));
    const ModelCard sqrtCard = train(catalogPath, sqrt, ClassBalance::SquareRoot, 0.25);
    QCOMPARE(sqrtCard.training.value(QStringLiteral("class_balance")).toString(), QStringLiteral("sqrt"));
    QCOMPARE(sqrtCard.training.value(QStringLiteral("minimum_crop_scale")).toDouble(), 0.25);
    QVERIFY(sqrtCard.training.value(QStringLiteral("learning_rate")).toDouble() > 0);
    QCOMPARE(train(catalogPath, none, ClassBalance::None, 0.25).training.value(QStringLiteral("class_balance")).toString(),
             QStringLiteral("none"));
    const ModelCard wholeCard = train(catalogPath, wholeImages, ClassBalance::Full, 1.0);
    QCOMPARE(wholeCard.training.value(QStringLiteral("minimum_crop_scale")).toDouble(), 1.0);
    QVERIFY(maxDifference(full, sqrt) > 1e-6f);
    QVERIFY(maxDifference(sqrt, none) > 1e-6f);
    QVERIFY(maxDifference(full, none) > 1e-6f);
    // Crops that keep the whole image feed the network other pixels than crops down to a quarter of it.
    QVERIFY(maxDifference(full, wholeImages) > 1e-6f);
}

void TestTraining::randomCropsComeFromFullResolutionPixels()
{
    // No memory budget: every decoded image goes to the disk cache beside the catalog, where its size shows.
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("sharp.db"));
    writeDepartmentFolders(dir.filePath(QStringLiteral("in")), kDepartments.mid(0, 2), 12, 48, 61);
    importFolders(catalogPath, dir.filePath(QStringLiteral("in")));
    TrainingOptions options = baselineOptions(catalogPath, dir.filePath(QStringLiteral("m.safetensors")), 1);
    options.cacheMemoryBytes = 0;
    options.minimumCropScale = 0.25;
    TrainingJob job(options);
    QVERIFY(job.exec());
    int trainingCount = 0;
    for (const int count : job.card().trainingImagesPerClass)
        trainingCount += count;
    const int validationCount = job.card().validation.count;
    QVERIFY(trainingCount > 0 && validationCount > 0);

    // The shorter and the longer side of each cached image.
    auto sizesOf = [](const QFileInfoList &files, bool shorter) {
        QSet<int> sizes;
        for (const QFileInfo &info : files) {
            QFile file(info.absoluteFilePath());
            qint32 size[2] = {0, 0};
            if (file.open(QIODevice::ReadOnly))
                file.read(reinterpret_cast<char *>(size), sizeof size);
            sizes.insert(shorter ? std::min(size[0], size[1]) : std::max(size[0], size[1]));
        }
        return sizes;
    };
    const QDir decoded(dir.filePath(QStringLiteral("sharp.cache/decoded")));
    // Random crops at 32 px down to a quarter of the area want sources of 64 px: the originals, 48 px on
    // their longer side, stay whole.
    const QFileInfoList cropSources = decoded.entryInfoList({QStringLiteral("*-max64.rgb")}, QDir::Files);
    QCOMPARE(cropSources.size(), trainingCount);
    QCOMPARE(sizesOf(cropSources, false), QSet<int>{48});
    // Centre crops come from images at the resize size: by default the input size, since the crop keeps the
    // whole shorter side. Validation photographs are seen so, and the training photographs too for the
    // out-of-scope score's feature bank (knn_energy, the default).
    const QFileInfoList centreSources = decoded.entryInfoList({QStringLiteral("*-32.rgb")}, QDir::Files);
    QCOMPARE(job.card().outOfScopeScore, OutOfScopeScore::KnnEnergy);
    QCOMPARE(centreSources.size(), trainingCount + validationCount);
    QCOMPARE(sizesOf(centreSources, true), QSet<int>{32});
    QCOMPARE(decoded.entryInfoList({QStringLiteral("*-37.rgb")}, QDir::Files).size(), 0);

    // Keeping torchvision's 87.5% of the shorter side: 37 px for a 32 px input (the 256/224 ratio).
    options.centerCropFraction = 0.875;
    options.outPath = dir.filePath(QStringLiteral("m875.safetensors"));
    QVERIFY(TrainingJob(options).exec());
    const QFileInfoList centreSources875 = decoded.entryInfoList({QStringLiteral("*-37.rgb")}, QDir::Files);
    QCOMPARE(centreSources875.size(), trainingCount + validationCount);
    QCOMPARE(sizesOf(centreSources875, true), QSet<int>{37});
}

void TestTraining::weightDecayDefaultFollowsTheOptimizer()
{
    // AdamW decays apart from the gradient and takes 0.01 from scratch; SGD adds decay to the gradient and takes 5e-4.
    auto decayOf = [this](OptimizerKind optimizer, double weightDecay) {
        TrainingOptions options = baselineOptions(m_catalog, m_dir.filePath(QStringLiteral("decay.safetensors")), 1);
        options.optimizer = optimizer;
        options.weightDecay = weightDecay;
        const ModelCard card = trainedCard(options);
        return std::pair(card.training.value(QStringLiteral("optimizer")).toString(),
                         card.training.value(QStringLiteral("weight_decay")).toDouble());
    };
    QCOMPARE(decayOf(OptimizerKind::AdamW, -1), std::pair(QStringLiteral("adamw"), 0.01));
    QCOMPARE(decayOf(OptimizerKind::Sgd, -1), std::pair(QStringLiteral("sgd"), 5e-4));
    QCOMPARE(decayOf(OptimizerKind::Sgd, 0.003), std::pair(QStringLiteral("sgd"), 0.003));
}

void TestTraining::centerCropFractionIsRecordedAndReadBack()
{
    Preprocessing preprocessing = Preprocessing::imagenet(224);
    QCOMPARE(preprocessing.centerCropFraction, 1.0);
    QCOMPARE(preprocessing.resizeSize(), 224);
    preprocessing.centerCropFraction = 0.875;
    QCOMPARE(preprocessing.resizeSize(), 256);
    preprocessing.inputSize = 128;
    QCOMPARE(preprocessing.resizeSize(), 146);

    ModelCard card;
    card.architecture = QStringLiteral("baseline");
    card.classes = kDepartments;
    card.preprocessing = preprocessing;
    QJsonObject json = card.toJson();
    QCOMPARE(ModelCard::fromJson(json, QStringLiteral("card")).preprocessing.centerCropFraction, 0.875);

    // A card written before the fraction was recorded was validated and calibrated on torchvision's crops.
    QJsonObject withoutFraction = json.value(QStringLiteral("preprocessing")).toObject();
    withoutFraction.remove(QStringLiteral("center_crop_fraction"));
    json.insert(QStringLiteral("preprocessing"), withoutFraction);
    QCOMPARE(ModelCard::fromJson(json, QStringLiteral("card")).preprocessing.centerCropFraction, legacyCenterCropFraction);

    // A fraction outside [0.5, 1] is not taken.
    for (const double nonsense : {0.0, 0.2, 1.5}) {
        QJsonObject object = preprocessing.toJson();
        object.insert(QStringLiteral("center_crop_fraction"), nonsense);
        QCOMPARE(Preprocessing::fromJson(object, Preprocessing::imagenet()).centerCropFraction, defaultCenterCropFraction);
    }
}

void TestTraining::centerCropFractionFramesWhatTheNetworkSees()
{
    // Two photographs alike but for 3-pixel bands along the top and bottom of a 96 x 64 frame: a crop keeping 87.5%
    // of the shorter side (56 of 64 rows) leaves the bands out, a crop keeping all of it takes them in.
    QTemporaryDir dir;
    const QString red = dir.filePath(QStringLiteral("red-bands.png"));
    const QString blue = dir.filePath(QStringLiteral("blue-bands.png"));
    writeFile(red, bandedImage(QStringLiteral("png"), 96, 64, {128, 128, 128}, {255, 0, 0}, 3));
    writeFile(blue, bandedImage(QStringLiteral("png"), 96, 64, {128, 128, 128}, {0, 0, 255}, 3));
    const QVector<Example> examples = {Example{0, red, QString(), 0}, Example{0, blue, QString(), 0}};

    const QString trained = dir.filePath(QStringLiteral("m.safetensors"));
    const ModelCard card = trainedCard(baselineOptions(m_catalog, trained, 1));
    QCOMPARE(card.preprocessing.centerCropFraction, defaultCenterCropFraction);

    // The same weights under each fraction: logits of the red- and blue-banded photographs.
    auto logitsUnder = [&](double fraction) {
        const QString path = dir.filePath(QStringLiteral("m-%1.safetensors").arg(fraction));
        QFile::copy(trained, path);
        ModelCard framed = card;
        framed.preprocessing.centerCropFraction = fraction;
        framed.writeBeside(path);
        const std::unique_ptr<TrainedModel> model = TrainedModel::load(path);
        Predictor predictor(*model, 2, 2);
        std::vector<std::vector<float>> rows(2);
        const int classes = int(card.classes.size());
        predictor.run(examples, [&](const std::vector<int> &indices, const std::vector<float> &logits) {
            for (size_t i = 0; i < indices.size(); ++i)
                rows[size_t(indices[i])].assign(logits.begin() + long(i) * classes, logits.begin() + long(i + 1) * classes);
        }, [](int, const QString &reason) { QFAIL(qPrintable(reason)); });
        return rows;
    };
    auto largestDifference = [](const std::vector<float> &a, const std::vector<float> &b) {
        float largest = 0;
        for (size_t i = 0; i < a.size(); ++i)
            largest = std::max(largest, std::abs(a[i] - b[i]));
        return largest;
    };
    const auto cropped = logitsUnder(0.875);
    QCOMPARE(cropped[0].size(), size_t(card.classes.size()));
    QCOMPARE(largestDifference(cropped[0], cropped[1]), 0.0f);
    const auto whole = logitsUnder(1.0);
    QVERIFY2(largestDifference(whole[0], whole[1]) > 1e-3f, "the bands should reach the network");
}

void TestTraining::randomResizedCropBoxFollowsTorchvision()
{
    // Drawn boxes lie inside the image, keep [minimumScale, 1] of its area and an aspect ratio in [3/4, 4/3]
    // (up to rounding), and the same generator state draws the same box.
    std::mt19937_64 rng(7);
    for (int draw = 0; draw < 500; ++draw) {
        const CropBox box = randomResizedCropBox(400, 300, 0.35, rng);
        QVERIFY(box.x >= 0 && box.y >= 0 && box.x + box.width <= 400 && box.y + box.height <= 300);
        const double share = double(box.width) * box.height / (400.0 * 300.0);
        QVERIFY2(share >= 0.34 && share <= 1.0, qPrintable(QString::number(share)));
        const double ratio = double(box.width) / box.height;
        QVERIFY2(ratio >= 0.74 && ratio <= 1.34, qPrintable(QString::number(ratio)));
    }
    std::mt19937_64 first(11);
    std::mt19937_64 second(11);
    const CropBox a = randomResizedCropBox(640, 480, 0.35, first);
    const CropBox b = randomResizedCropBox(640, 480, 0.35, second);
    QCOMPARE(std::tuple(a.x, a.y, a.width, a.height), std::tuple(b.x, b.y, b.width, b.height));

    // No box of 90% of the area fits a 3:1 image at these ratios: torchvision then takes the centred crop of the
    // whole height at 4:3 (not the centre square), and of the whole width at 3:4 for an upright image.
    std::mt19937_64 rng2(3);
    const CropBox wide = randomResizedCropBox(300, 100, 0.9, rng2);
    QCOMPARE(std::tuple(wide.x, wide.y, wide.width, wide.height), std::tuple(83, 0, 133, 100));
    const CropBox tall = randomResizedCropBox(100, 300, 0.9, rng2);
    QCOMPARE(std::tuple(tall.x, tall.y, tall.width, tall.height), std::tuple(0, 83, 100, 133));
    // An image whose own ratio lies within the range falls back to the whole image.
    const CropBox whole = randomResizedCropBox(120, 100, 1.0, rng2);
    QCOMPARE(std::tuple(whole.x, whole.y, whole.width, whole.height), std::tuple(0, 0, 120, 100));
}

void TestTraining::earlyStoppingCountsOnlyTheLastThird()
{
    // The MET run that stopped too soon: best at epoch 13 of 35, no better by epoch 19. The last third starts
    // after epoch 24, so it goes on; it stops at 30 if nothing beats epoch 13.
    QVERIFY(!stopsEarly(19, 35, 6, 6));
    QVERIFY(!stopsEarly(29, 35, 16, 6));
    QVERIFY(stopsEarly(30, 35, 17, 6));
    // A better epoch in the last third restarts the count from there.
    QVERIFY(!stopsEarly(31, 35, 5, 6));
    QVERIFY(stopsEarly(32, 35, 6, 6));
    // The 60-epoch MET run that the second-half rule stopped: best at epoch 30, no better by epoch 36. The last
    // third starts after epoch 40, so it goes on to 46 at least.
    QVERIFY(!stopsEarly(36, 60, 6, 6));
    QVERIFY(!stopsEarly(45, 60, 15, 6));
    QVERIFY(stopsEarly(46, 60, 16, 6));
    // A 12-epoch fine-tune with the default patience runs to its end: its last third is 4 epochs.
    QVERIFY(!stopsEarly(11, 12, 11, 6));
    // A best epoch from an earlier phase (sinceBest larger than this phase's epochs) counts from the last third.
    QVERIFY(!stopsEarly(8, 12, 9, 3));
    QVERIFY(stopsEarly(11, 12, 12, 3));
    QVERIFY(stopsEarly(10, 10, 12, 3));
    QVERIFY(!stopsEarly(9, 10, 12, 3));
    // Patience 0 never stops.
    QVERIFY(!stopsEarly(30, 35, 30, 0));
}

void TestTraining::weightAverageDecayWarmsUpToItsHorizon()
{
    // Warming up: (1 + n) / (10 + n), so the first update keeps a tenth of the starting weights.
    QCOMPARE(weightAverageDecay(0, 100), 0.1);
    QCOMPARE(weightAverageDecay(5, 100), 0.4);
    // Warm: each update keeps 1 - 1/horizon.
    QCOMPARE(weightAverageDecay(1000, 100), 0.99);
    QCOMPARE(weightAverageDecay(90, 100), 0.91); // still warming up: 91/100 < 0.99
    // A horizon of one step or less keeps nothing: the average is the latest weights.
    QCOMPARE(weightAverageDecay(1000, 1), 0.0);
    QCOMPARE(weightAverageDecay(1000, 0.01), 0.0);
}

void TestTraining::weightAveragingIsWhatIsValidatedSavedAndResumed()
{
    const auto options = [this](const QString &name, double averagingEpochs) {
        TrainingOptions o = baselineOptions(m_catalog, m_dir.filePath(name + QStringLiteral(".safetensors")), 4);
        o.averagingEpochs = averagingEpochs;
        return o;
    };
    const TrainingOptions plain = options(QStringLiteral("plain"), 0);
    const ModelCard plainCard = trainedCard(plain);
    QCOMPARE(plainCard.training.value(QStringLiteral("weight_averaging_epochs")).toDouble(), 0.0);

    // A horizon under one step averages nothing: the run, its best epoch and its saved weights are the plain run's.
    const TrainingOptions latest = options(QStringLiteral("latest"), 1e-6);
    const ModelCard latestCard = trainedCard(latest);
    QCOMPARE(latestCard.validation.accuracy, plainCard.validation.accuracy);
    QVERIFY2(maxDifference(plain.outPath, latest.outPath) < 1e-6f, "averaging over under one step changed the weights");

    // Over an epoch, the saved weights are the average, not the trained weights.
    const TrainingOptions averaged = options(QStringLiteral("averaged"), 1.0);
    const ModelCard averagedCard = trainedCard(averaged);
    QCOMPARE(averagedCard.training.value(QStringLiteral("weight_averaging_epochs")).toDouble(), 1.0);
    QVERIFY2(averagedCard.validation.accuracy >= 0.5, qPrintable(QString::number(averagedCard.validation.accuracy))); // chance: 0.25
    const float fromPlain = maxDifference(plain.outPath, averaged.outPath);
    // (Small: the cosine schedule has nearly stopped moving the weights by the last epoch; the runs are otherwise
    // identical to the last bit, as the previous comparison shows.)
    QVERIFY2(fromPlain > 1e-5f, qPrintable(QStringLiteral("the averaged weights differ from the trained ones by only %1").arg(double(fromPlain))));

    // The average is part of the checkpoint: stopping after epoch 2 and resuming gives the same weights.
    TrainingOptions resumed = options(QStringLiteral("averaged-resumed"), 1.0);
    {
        TrainingJob job(resumed);
        connect(&job, &TrainingJob::epochFinished, &job, [&job](const EpochReport &report) {
            if (report.epoch == 2)
                job.cancel();
        });
        QVERIFY(!job.exec());
    }
    resumed.resume = true;
    QVERIFY(TrainingJob(resumed).exec());
    const float fromStraight = maxDifference(averaged.outPath, resumed.outPath);
    QVERIFY2(fromStraight < 1e-5f, qPrintable(QStringLiteral("resumed weights differ by %1").arg(double(fromStraight))));
}


void TestTraining::modelCardFieldsAreChecked_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("message");
    const auto preprocessingWith = [](const char *key, const QJsonValue &value) {
        QJsonObject preprocessing = validCardJson().value(QStringLiteral("preprocessing")).toObject();
        preprocessing.insert(QLatin1String(key), value);
        return QJsonValue(preprocessing);
    };
    // The issue's cards, which filed every item, ran silently at 224 or crashed, and their relatives.
    QTest::newRow("negative threshold") << "threshold" << QJsonValue(-1) << "threshold must be a number in [0, 1]";
    QTest::newRow("threshold above one") << "threshold" << QJsonValue(1.5) << "threshold must be a number in [0, 1]";
    QTest::newRow("threshold as text") << "threshold" << QJsonValue(QStringLiteral("0.9")) << "threshold must be a number";
    QTest::newRow("tiny temperature") << "temperature" << QJsonValue(1e-300) << "temperature must be a number in [0.01, 100]";
    QTest::newRow("zero temperature") << "temperature" << QJsonValue(0) << "temperature must be a number";
    QTest::newRow("input size as text") << "preprocessing" << preprocessingWith("input_size", QStringLiteral("big"))
                                        << "input_size must be a whole number of pixels in 16..1024, not \"big\"";
    QTest::newRow("huge input size") << "preprocessing" << preprocessingWith("input_size", 100000) << "input_size must be a whole number";
    QTest::newRow("fractional input size") << "preprocessing" << preprocessingWith("input_size", 32.5) << "input_size must be a whole number";
    QTest::newRow("zero std") << "preprocessing" << preprocessingWith("std", QJsonArray{0, 0, 0}) << "std 0 is not a number in [0.001, 100]";
    QTest::newRow("two means") << "preprocessing" << preprocessingWith("mean", QJsonArray{0.5, 0.5}) << "mean must be three numbers";
    QTest::newRow("crop fraction") << "preprocessing" << preprocessingWith("center_crop_fraction", 3) << "center_crop_fraction 3 is not in [0.5, 1]";
    QTest::newRow("preprocessing not an object") << "preprocessing" << QJsonValue(7) << "preprocessing must be a JSON object";
    QTest::newRow("unknown architecture") << "architecture" << QJsonValue(QStringLiteral("vgg16")) << "architecture 'vgg16' is not one of";
    QTest::newRow("no classes") << "classes" << QJsonValue(QJsonArray()) << "lists no classes";
    QTest::newRow("classes not a list") << "classes" << QJsonValue(QStringLiteral("Asian Art")) << "lists no classes";
    QTest::newRow("empty class name") << "classes" << QJsonValue(QJsonArray{QStringLiteral("A"), QStringLiteral(" ")}) << "classes must be department names";
    QTest::newRow("numeric class") << "classes" << QJsonValue(QJsonArray{QStringLiteral("A"), 3}) << "classes must be department names";
    QTest::newRow("duplicate class") << "classes" << QJsonValue(QJsonArray{QStringLiteral("A"), QStringLiteral("A")}) << "classes lists 'A' twice";
    QTest::newRow("long class name") << "classes" << QJsonValue(QJsonArray{QString(201, QLatin1Char('x'))}) << "201 characters, more than 200";
    QTest::newRow("control characters") << "classes" << QJsonValue(QJsonArray{QStringLiteral("A\nB")}) << "control characters";
    QJsonArray many;
    for (int i = 0; i <= kMaximumClasses; ++i)
        many.append(QStringLiteral("class %1").arg(i));
    QTest::newRow("too many classes") << "classes" << QJsonValue(many) << "more than 1000";
    QTest::newRow("target accuracy") << "target_accuracy" << QJsonValue(2) << "target_accuracy must be a number in [0, 1]";
    QTest::newRow("split id") << "split_id" << QJsonValue(-4) << "split_id must be a number";
    QTest::newRow("training not an object") << "training" << QJsonValue(QJsonArray{}) << "training must be a JSON object";
    QTest::newRow("validation of other classes") << "validation"
                                                 << QJsonValue(QJsonObject{{QStringLiteral("classes"), QJsonArray{QStringLiteral("X")}}})
                                                 << "validation names other classes";
    QTest::newRow("validation confusion") << "validation"
                                          << QJsonValue(QJsonObject{{QStringLiteral("confusion"), QJsonArray{QJsonArray{1, 2}}}})
                                          << "confusion matrix that is not 4 x 4";
}

void TestTraining::modelCardFieldsAreChecked()
{
    QFETCH(QString, field);
    QFETCH(QJsonValue, value);
    QFETCH(QString, message);
    QCOMPARE(ModelCard::fromJson(validCardJson(), QStringLiteral("m.json")).threshold, 0.8); // the unspoilt card reads
    QJsonObject json = validCardJson();
    json.insert(field, value);
    try {
        ModelCard::fromJson(json, QStringLiteral("/models/m.json"));
        QFAIL("a card with a bad field was read");
    } catch (const WeightsError &error) {
        const QString text = QString::fromUtf8(error.what());
        QVERIFY2(text.startsWith(QStringLiteral("/models/m.json: ")), qPrintable(text));
        QVERIFY2(text.contains(message), qPrintable(text));
        QVERIFY(!text.contains(QLatin1Char('\n')));
    }
}

void TestTraining::modelGivingNonFiniteScoresIsRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("m.safetensors"));
    Network(Architecture::Baseline, 4, 5).saveWeights(path);
    ModelCard::fromJson(validCardJson(), QStringLiteral("card")).writeBeside(path);
    QCOMPARE(TrainedModel::load(path)->card().classes, kDepartments);

    // The card asks for more classes than the weights have: refused when read, not at the first prediction.
    QJsonObject wider = validCardJson();
    wider.insert(QStringLiteral("classes"), QJsonArray::fromStringList(kDepartments + QStringList{QStringLiteral("Egyptian Art")}));
    ModelCard::fromJson(wider, QStringLiteral("card")).writeBeside(path);
    QVERIFY_THROWS_EXCEPTION(WeightsError, TrainedModel::load(path));

    ModelCard::fromJson(validCardJson(), QStringLiteral("card")).writeBeside(path);
    poisonFirstFloatTensor(path);
    try {
        TrainedModel::load(path);
        QFAIL("a model with NaN weights loaded");
    } catch (const WeightsError &error) {
        const QString text = QString::fromUtf8(error.what());
        QVERIFY2(text.startsWith(path), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("NaN")), qPrintable(text));
    }
}

void TestTraining::trainingOptionsOutOfRangeAreRefused_data()
{
    QTest::addColumn<TrainingOptions>("options");
    QTest::addColumn<QString>("message");
    const TrainingOptions base = baselineOptions(m_catalog, m_dir.filePath(QStringLiteral("refused.safetensors")), 1);
    TrainingOptions options = base;
    options.imageSize = 100000;
    QTest::newRow("huge images") << options << "image size 100000 is not in 16..1024 pixels";
    options = base;
    options.imageSize = 8;
    QTest::newRow("tiny images") << options << "image size 8 is not in 16..1024 pixels";
    options = base;
    options.std = std::array<float, 3>{0, 0, 0};
    QTest::newRow("zero std") << options << "std 0 is not a number in [0.001, 100]";
    options = base;
    options.mean = std::array<float, 3>{std::nanf(""), 0, 0};
    QTest::newRow("NaN mean") << options << "mean nan is not a number";
    options = base;
    options.learningRate = std::nan("");
    QTest::newRow("NaN rate") << options << "the learning rate nan is not a positive number";
    options = base;
    options.learningRate = -0.1;
    QTest::newRow("negative rate") << options << "the learning rate -0.1 is not a positive number";
    options = base;
    options.batchSize = 0;
    QTest::newRow("empty batch") << options << "batch size 0 is not in 1..1024";
    options = base;
    options.imageSize = 1024;
    options.batchSize = 512;
    QTest::newRow("batch too large") << options << "lower the batch size or the image size";
    options = base;
    options.epochs = -1;
    QTest::newRow("negative epochs") << options << "-1 epochs is not in 0..10000";
    options = base;
    options.labelSmoothing = 1.0;
    QTest::newRow("label smoothing") << options << "the label smoothing 1 is not in [0, 1)";
    options = base;
    options.validationFraction = 1.0;
    QTest::newRow("validation fraction") << options << "the validation fraction 1 is not in [0, 1)";
    options = base;
    options.targetAccuracy = std::nan("");
    QTest::newRow("target accuracy") << options << "the target accuracy nan is not in (0, 1]";
    options = base;
    options.minimumCropScale = 0;
    QTest::newRow("crop scale") << options << "the crop scale 0 is not in (0, 1]";
    options = base;
    options.weightDecay = std::nan("");
    QTest::newRow("weight decay") << options << "the weight decay nan is not a number";
}

void TestTraining::trainingOptionsOutOfRangeAreRefused()
{
    QFETCH(TrainingOptions, options);
    QFETCH(QString, message);
    TrainingJob job(options);
    QSignalSpy failed(&job, &Job::failed);
    QVERIFY(!job.exec());
    QCOMPARE(failed.size(), 1);
    const QString text = failed.first().first().toString();
    QVERIFY2(text.contains(message), qPrintable(text));
    QVERIFY(!QFile::exists(options.outPath));
    QVERIFY(!baselineOptions(m_catalog, options.outPath, 1).problem());
}

void TestTraining::divergingTrainingStopsAndKeepsTheLastGoodCheckpoint()
{
    // One good epoch, checkpointed, then a cancel.
    const QString out = m_dir.filePath(QStringLiteral("diverging.safetensors"));
    const QString checkpoint = TrainingJob::checkpointPathFor(out);
    {
        TrainingJob job(baselineOptions(m_catalog, out, 3));
        connect(&job, &TrainingJob::epochFinished, &job, [&job](const EpochReport &) { job.cancel(); });
        QVERIFY(!job.exec());
    }
    QFile file(checkpoint);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray good = file.readAll();
    file.close();

    // Resumed at a rate a million times too high: the loss turns NaN within the epoch.
    TrainingOptions options = baselineOptions(m_catalog, out, 3);
    options.resume = true;
    options.learningRate = 1e6;
    TrainingJob job(options);
    QSignalSpy failed(&job, &Job::failed);
    QVERIFY(!job.exec());
    QCOMPARE(failed.size(), 1);
    const QString text = failed.first().first().toString();
    QVERIFY2(text.startsWith(QStringLiteral("training stopped: the ")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("try a lower one (--lr)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("the last good epoch stays in %1").arg(checkpoint)), qPrintable(text));
    QVERIFY(!text.contains(QLatin1Char('\n')));
    // Neither the checkpoint nor a model was written from the broken weights.
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll() == good);
    file.close();
    QVERIFY(!QFile::exists(out));
    QVERIFY(!QFile::exists(ModelCard::pathBeside(out)));

    // The checkpoint still resumes, at a sane rate, to a model.
    options.learningRate = 0;
    QVERIFY(TrainingJob(options).exec());
    QVERIFY(QFile::exists(out));
}

void TestTraining::libTorchErrorsBecomeOneLine()
{
    // A two-dimensional input makes LibTorch's convolution throw c10::Error, whose what() carries a C++ backtrace.
    const Network network(Architecture::Baseline, 4, 1);
    HostTensor flat;
    flat.shape = {1, 3};
    flat.values = {0, 0, 0};
    QString raw;
    QString message;
    try {
        network.logits(flat);
        QFAIL("a 2-D input ran through a convolution");
    } catch (const std::exception &error) {
        raw = QString::fromUtf8(error.what());
        message = oneLineErrorMessage(std::current_exception());
    }
    QVERIFY2(message.startsWith(QStringLiteral("LibTorch: ")), qPrintable(message));
    QVERIFY(!message.contains(QLatin1Char('\n')));
    QVERIFY2(!message.contains(QStringLiteral("frame #")) && !message.contains(QStringLiteral("Exception raised from")), qPrintable(message));
    QVERIFY(message.size() <= kMaximumErrorMessageLength + 3);
    QVERIFY2(raw.count(QLatin1Char('\n')) > 3, qPrintable(raw)); // what a person saw before

    // The same through a job: failed() carries the one line.
    class Throwing : public Job
    {
    protected:
        void run() override { throw std::runtime_error("first line\nsecond line"); }
    } job;
    QSignalSpy failed(&job, &Job::failed);
    QVERIFY(!job.exec());
    QCOMPARE(failed.first().first().toString(), QStringLiteral("first line; second line"));
    class ThrowingNothingStandard : public Job
    {
    protected:
        void run() override { throw 42; }
    } odd;
    QSignalSpy oddFailed(&odd, &Job::failed);
    QVERIFY(!odd.exec());
    QCOMPARE(oddFailed.first().first().toString(), QStringLiteral("unknown error"));
}

QTEST_GUILESS_MAIN(TestTraining)
#include "tst_training.moc"
