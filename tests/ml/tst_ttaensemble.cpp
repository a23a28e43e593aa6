#include "catalog/catalog.h"
#include "catalog/reviewstore.h"
#include "jobs/trainingjob.h"
#include "ml/hosttensor.h"
#include "ml/ensemble.h"
#include "ml/metrics.h"
#include "ml/modelcard.h"
#include "ml/network.h"
#include "ml/predictor.h"
#include "ml/trainedmodel.h"
#include "ml/weightserror.h"
#include "testcatalogs.h"
#include "testimages.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace accession;
using namespace accession::test;

namespace {

const QStringList kDepartments = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art"), QStringLiteral("Egyptian Art")};

// An untrained network saved with a card: enough to check how predictions are combined, in milliseconds.
QString makeModel(const QString &dir, const QString &name, Architecture architecture, int inputSize, double temperature,
                  quint64 seed, const QStringList &classes = kDepartments)
{
    const QString path = dir + QLatin1Char('/') + name + QStringLiteral(".safetensors");
    Network network(architecture, int(classes.size()), seed);
    network.saveWeights(path);
    ModelCard card;
    card.architecture = architectureName(architecture);
    card.classes = classes;
    card.preprocessing = Preprocessing::imagenet(inputSize);
    card.temperature = temperature;
    card.threshold = 0.6;
    card.trainedAt = QDateTime::currentDateTimeUtc();
    card.writeBeside(path);
    return path;
}

// Two colours side by side (nothing like its mirror image) and its exact mirror, as PNG.
QPair<QString, QString> writeMirroredPair(const QString &dir, int size)
{
    const QString left = dir + QStringLiteral("/split.png");
    const QString right = dir + QStringLiteral("/split-mirrored.png");
    writeFile(left, splitImage(QStringLiteral("png"), size, size, {200, 40, 30}, {20, 90, 220}));
    writeFile(right, splitImage(QStringLiteral("png"), size, size, {20, 90, 220}, {200, 40, 30}));
    return {left, right};
}

// Calibrated probabilities per example (softmax of the predictor's scores at the card's temperature).
std::vector<std::vector<double>> probabilities(const QString &modelPath, const QStringList &paths,
                                               std::optional<TestTimeAugmentation> views = std::nullopt)
{
    const std::unique_ptr<TrainedModel> model = TrainedModel::load(modelPath);
    QVector<Example> examples;
    for (const QString &path : paths)
        examples.push_back({0, path, QString(), 0});
    const int classes = int(model->card().classes.size());
    std::vector<std::vector<double>> rows(size_t(paths.size()));
    Predictor predictor(*model, 1, 2, views);
    predictor.run(examples, [&](const std::vector<int> &indices, const std::vector<float> &logits) {
        for (size_t i = 0; i < indices.size(); ++i)
            rows[size_t(indices[i])] = softmax(logits.data() + i * size_t(classes), classes, model->card().temperature);
    }, [](int, const QString &reason) { QFAIL(qPrintable(reason)); });
    return rows;
}

double largestDifference(const std::vector<double> &a, const std::vector<double> &b)
{
    double largest = a.size() == b.size() ? 0.0 : 1.0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        largest = std::max(largest, std::abs(a[i] - b[i]));
    return largest;
}

} // namespace

// Test-time views and ensembles: how a model averages predictions, and how its file and card hold that.
class TestTtaEnsemble : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void flipAveragesThePhotographAndItsMirror();
    void cardRecordsTestTimeViews();
    void ensemblePredictsTheMeanOfItsMembers();
    void ensembleCardFieldsAreChecked();
    void ensembleRefusesMembersWithOtherClasses();
    void ensembleWithAMissingTensorIsRefused();
    void commandLineBuildsEvaluatesAndClassifiesWithAnEnsemble();
    void layerDecayTrainsEarlierStagesSlower();

private:
    QTemporaryDir m_dir;
};

void TestTtaEnsemble::flipAveragesThePhotographAndItsMirror()
{
    // Images at the model's input size: the centre crop is the whole image, so a mirrored file is the mirrored view.
    const auto [image, mirrored] = writeMirroredPair(m_dir.path(), 48);
    const QString model = makeModel(m_dir.path(), QStringLiteral("baseline"), Architecture::Baseline, 48, 1.7, 3);
    const auto plain = probabilities(model, {image, mirrored}, TestTimeAugmentation::None);
    QVERIFY2(largestDifference(plain[0], plain[1]) > 1e-6, "the network should tell the gradient from its mirror image");

    const auto flipped = probabilities(model, {image, mirrored}, TestTimeAugmentation::Flip);
    std::vector<double> mean(plain[0].size());
    for (size_t k = 0; k < mean.size(); ++k)
        mean[k] = (plain[0][k] + plain[1][k]) / 2;
    QVERIFY2(largestDifference(flipped[0], mean) < 1e-5, "flip averages the calibrated probabilities of both views");
    QVERIFY(largestDifference(flipped[1], mean) < 1e-5);

    const auto scaled = probabilities(model, {image, mirrored}, TestTimeAugmentation::FlipScales);
    QVERIFY2(largestDifference(scaled[0], scaled[1]) < 1e-4, "flip-scales is as blind to mirroring as flip");
    QVERIFY2(largestDifference(scaled[0], flipped[0]) > 1e-7, "the enlarged views should count");

    // The card's setting is what the predictor uses when told nothing.
    ModelCard card = ModelCard::readBeside(model);
    card.testTimeAugmentation = TestTimeAugmentation::Flip;
    card.writeBeside(model);
    QVERIFY(largestDifference(probabilities(model, {image})[0], mean) < 1e-5);
}

void TestTtaEnsemble::cardRecordsTestTimeViews()
{
    const QString model = makeModel(m_dir.path(), QStringLiteral("card"), Architecture::Baseline, 48, 1.0, 1);
    QJsonObject json = ModelCard::readBeside(model).toJson();
    QCOMPARE(json.value(QStringLiteral("tta")).toString(), QStringLiteral("none"));

    ModelCard card = ModelCard::readBeside(model);
    card.testTimeAugmentation = TestTimeAugmentation::FlipScales;
    card.writeBeside(model);
    QCOMPARE(ModelCard::readBeside(model).testTimeAugmentation, TestTimeAugmentation::FlipScales);
    QCOMPARE(ModelCard::readBeside(model).toJson().value(QStringLiteral("format_version")).toInt(), 1);

    // A card from before the field reads as no views; an unknown value is refused, naming the field.
    json.remove(QStringLiteral("tta"));
    QCOMPARE(ModelCard::fromJson(json, QStringLiteral("old.json")).testTimeAugmentation, TestTimeAugmentation::None);
    json.insert(QStringLiteral("tta"), QStringLiteral("sideways"));
    try {
        ModelCard::fromJson(json, QStringLiteral("odd.json"));
        QFAIL("an unknown tta was accepted");
    } catch (const WeightsError &error) {
        QVERIFY2(QString::fromUtf8(error.what()).contains(QStringLiteral("odd.json: tta")), error.what());
    }

    // set-tta on the command line changes the card, and evaluate --tta measures without changing it.
    QByteArray out, err;
    QCOMPARE(runCli({QStringLiteral("set-tta"), QStringLiteral("--model"), model, QStringLiteral("--tta"), QStringLiteral("flip")}, &out, &err), 0);
    QCOMPARE(ModelCard::readBeside(model).testTimeAugmentation, TestTimeAugmentation::Flip);
    QCOMPARE(runCli({QStringLiteral("set-tta"), QStringLiteral("--model"), model, QStringLiteral("--tta"), QStringLiteral("twice")}, &out, &err), 2);
    QVERIFY2(err.contains("none, flip, flip-scales"), err.constData());
}

void TestTtaEnsemble::ensemblePredictsTheMeanOfItsMembers()
{
    const QString dir = m_dir.path() + QStringLiteral("/mean");
    QDir().mkpath(dir);
    const auto [image, mirrored] = writeMirroredPair(dir, 48);
    // Two architectures, two input sizes, two temperatures.
    const QString baseline = makeModel(dir, QStringLiteral("baseline"), Architecture::Baseline, 48, 1.3, 5);
    const QString resnet = makeModel(dir, QStringLiteral("resnet"), Architecture::ResNet18, 32, 0.8, 6);
    EnsembleRequest request;
    request.memberPaths = {baseline, resnet};
    request.outPath = dir + QStringLiteral("/ensemble.safetensors");
    const EnsembleResult built = buildEnsemble(request);
    QCOMPARE(built.card.members.size(), 2);

    const ModelCard card = ModelCard::readBeside(request.outPath);
    QVERIFY(card.isEnsemble());
    QCOMPARE(card.architecture, QStringLiteral("ensemble"));
    QCOMPARE(card.classes, kDepartments);
    QCOMPARE(card.members[1].architecture, QStringLiteral("resnet18"));
    QCOMPARE(card.members[1].preprocessing.inputSize, 32);
    QCOMPARE(card.members[1].temperature, 0.8);
    QCOMPARE(card.temperature, 1.0);
    QCOMPARE(card.threshold, 0.6);

    const auto first = probabilities(baseline, {image, mirrored});
    const auto second = probabilities(resnet, {image, mirrored});
    const auto joined = probabilities(request.outPath, {image, mirrored});
    for (int row = 0; row < 2; ++row) {
        std::vector<double> mean(first[size_t(row)].size());
        for (size_t k = 0; k < mean.size(); ++k)
            mean[k] = (first[size_t(row)][k] + second[size_t(row)][k]) / 2;
        QVERIFY2(largestDifference(joined[size_t(row)], mean) < 1e-5, "the ensemble gives the mean of its members' calibrated probabilities");
    }
    // Test-time views apply to every member.
    const auto joinedFlip = probabilities(request.outPath, {image, mirrored}, TestTimeAugmentation::Flip);
    QVERIFY(largestDifference(joinedFlip[0], joinedFlip[1]) < 1e-4);

    // An ensemble cannot be a member, and label-issues, which needs one backbone, is told so.
    request.memberPaths = {request.outPath, baseline};
    request.outPath = dir + QStringLiteral("/nested.safetensors");
    QVERIFY_THROWS_EXCEPTION(WeightsError, buildEnsemble(request));
}

void TestTtaEnsemble::ensembleCardFieldsAreChecked()
{
    const QString dir = m_dir.path() + QStringLiteral("/ensemblecard");
    QDir().mkpath(dir);
    EnsembleRequest request;
    request.memberPaths = {makeModel(dir, QStringLiteral("a"), Architecture::Baseline, 48, 1.0, 1),
                           makeModel(dir, QStringLiteral("b"), Architecture::Baseline, 40, 2.0, 2)};
    request.outPath = dir + QStringLiteral("/e.safetensors");
    const QJsonObject json = buildEnsemble(request).card.toJson();
    QCOMPARE(json.value(QStringLiteral("format_version")).toInt(), 2);
    const ModelCard back = ModelCard::fromJson(json, QStringLiteral("e.json"));
    QCOMPARE(back.members.size(), 2);
    QCOMPARE(back.members[1].preprocessing.inputSize, 40);
    QCOMPARE(back.members[1].temperature, 2.0);

    const auto refusal = [](QJsonObject card) {
        try {
            ModelCard::fromJson(card, QStringLiteral("e.json"));
        } catch (const WeightsError &error) {
            return QString::fromUtf8(error.what());
        }
        return QString();
    };
    QJsonObject broken = json;
    QJsonArray members = json.value(QStringLiteral("members")).toArray();
    QJsonObject member = members[0].toObject();
    member.insert(QStringLiteral("architecture"), QStringLiteral("alexnet"));
    members[0] = member;
    broken.insert(QStringLiteral("members"), members);
    QVERIFY2(refusal(broken).contains(QStringLiteral("e.json: members[0].architecture")), qPrintable(refusal(broken)));
    broken = json;
    broken.insert(QStringLiteral("members"), QJsonArray());
    QVERIFY2(refusal(broken).contains(QStringLiteral("members")), qPrintable(refusal(broken)));
    broken = json;
    broken.insert(QStringLiteral("architecture"), QStringLiteral("baseline"));
    QVERIFY2(refusal(broken).contains(QStringLiteral("members belongs only")), qPrintable(refusal(broken)));
}

void TestTtaEnsemble::ensembleRefusesMembersWithOtherClasses()
{
    const QString dir = m_dir.path() + QStringLiteral("/classes");
    QDir().mkpath(dir);
    const QString first = makeModel(dir, QStringLiteral("a"), Architecture::Baseline, 48, 1.0, 1);
    const QStringList reordered = {kDepartments[1], kDepartments[0], kDepartments[2]};
    const QString second = makeModel(dir, QStringLiteral("b"), Architecture::Baseline, 48, 1.0, 2, reordered);
    QByteArray out, err;
    const int status = runCli({QStringLiteral("ensemble"), QStringLiteral("--out"), dir + QStringLiteral("/e.safetensors"),
                               QStringLiteral("--model"), first, QStringLiteral("--model"), second}, &out, &err);
    QCOMPARE(status, 1);
    QVERIFY2(err.contains(second.toUtf8()) && err.contains("same order"), err.constData());
    QVERIFY(!QFile::exists(dir + QStringLiteral("/e.safetensors")));
}

void TestTtaEnsemble::ensembleWithAMissingTensorIsRefused()
{
    const QString dir = m_dir.path() + QStringLiteral("/missing");
    QDir().mkpath(dir);
    EnsembleRequest request;
    request.memberPaths = {makeModel(dir, QStringLiteral("a"), Architecture::Baseline, 48, 1.0, 1),
                           makeModel(dir, QStringLiteral("b"), Architecture::ResNet18, 32, 1.0, 2)};
    request.outPath = dir + QStringLiteral("/e.safetensors");
    buildEnsemble(request);
    // The second member's tensors replaced by a lone baseline's: the ResNet member finds none of its own.
    QFile::remove(request.outPath);
    QVERIFY(QFile::copy(request.memberPaths[0], request.outPath));
    try {
        TrainedModel::load(request.outPath);
        QFAIL("an ensemble without its members' tensors loaded");
    } catch (const WeightsError &error) {
        const QString message = QString::fromUtf8(error.what());
        QVERIFY2(message.contains(request.outPath) && message.contains(QStringLiteral("member 1 of 2")), error.what());
    }
}

void TestTtaEnsemble::commandLineBuildsEvaluatesAndClassifiesWithAnEnsemble()
{
    const QString dir = m_dir.path() + QStringLiteral("/cli");
    QDir().mkpath(dir);
    writeDepartmentFolders(dir + QStringLiteral("/photos"), kDepartments, 3, 48);
    const QString catalogPath = dir + QStringLiteral("/c.db");
    importFolders(catalogPath, dir + QStringLiteral("/photos"));
    const QString first = makeModel(dir, QStringLiteral("a"), Architecture::Baseline, 48, 1.0, 1);
    const QString second = makeModel(dir, QStringLiteral("b"), Architecture::ResNet18, 32, 1.0, 2);
    const QString ensemble = dir + QStringLiteral("/e.safetensors");

    QByteArray out, err;
    QCOMPARE(runCli({QStringLiteral("ensemble"), QStringLiteral("--out"), ensemble, QStringLiteral("--model"), first,
                     QStringLiteral("--model"), second, QStringLiteral("--tta"), QStringLiteral("flip"), QStringLiteral("--json")}, &out, &err), 0);
    const QJsonObject built = QJsonDocument::fromJson(out).object();
    QCOMPARE(built.value(QStringLiteral("members")).toArray().size(), 2);
    QCOMPARE(built.value(QStringLiteral("tta")).toString(), QStringLiteral("flip"));

    QCOMPARE(runCli({QStringLiteral("evaluate"), QStringLiteral("--model"), ensemble, QStringLiteral("--folders"), dir + QStringLiteral("/photos"),
                     QStringLiteral("--tta"), QStringLiteral("none"), QStringLiteral("--json")}, &out, &err), 0);
    const QJsonObject evaluated = QJsonDocument::fromJson(out).object();
    QCOMPARE(evaluated.value(QStringLiteral("count")).toInt(), 9);
    QCOMPARE(evaluated.value(QStringLiteral("tta")).toString(), QStringLiteral("none"));

    QCOMPARE(runCli({QStringLiteral("classify"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--model"), ensemble,
                     QStringLiteral("--json")}, &out, &err), 0);
    Catalog catalog(catalogPath);
    ReviewStore store(catalog);
    QCOMPARE(store.predictionCount(QJsonDocument::fromJson(out).object().value(QStringLiteral("model_id")).toInteger()), qint64(9));

    // label-issues needs one network's features, and says so.
    QCOMPARE(runCli({QStringLiteral("label-issues"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--model"), ensemble,
                     QStringLiteral("--folds"), QStringLiteral("2"), QStringLiteral("--json")}, &out, &err), 1);
    QVERIFY2(err.contains("ensemble") && err.contains(ensemble.toUtf8()), err.constData());
}

void TestTtaEnsemble::layerDecayTrainsEarlierStagesSlower()
{
    const QString dir = m_dir.path() + QStringLiteral("/decay");
    QDir().mkpath(dir);
    writeDepartmentFolders(dir + QStringLiteral("/photos"), kDepartments, 8, 40);
    const QString catalogPath = dir + QStringLiteral("/c.db");
    importFolders(catalogPath, dir + QStringLiteral("/photos"));
    // The largest change of a tensor from the network's seeded initialisation, which training starts from.
    const QString initial = dir + QStringLiteral("/initial.safetensors");
    Network(Architecture::Baseline, int(kDepartments.size()), 7).saveWeights(initial);
    const auto start = readTensorFile(initial);
    const auto moved = [&start](const QString &model, const QString &tensor) {
        const HostTensor after = readTensorFile(model).value(tensor);
        const HostTensor before = start.value(tensor);
        float largest = after.values.size() == before.values.size() && !after.values.empty() ? 0.0f : 1e9f;
        for (size_t i = 0; i < std::min(after.values.size(), before.values.size()); ++i)
            largest = std::max(largest, std::abs(after.values[i] - before.values[i]));
        return largest;
    };
    const auto train = [&](double layerDecay, const QString &name) {
        TrainingOptions options;
        options.catalogPath = catalogPath;
        options.architecture = Architecture::Baseline;
        options.imageSize = 32;
        options.epochs = 2;
        options.warmupEpochs = 0;
        options.batchSize = 8;
        options.patience = 0;
        options.threads = 2;
        options.seed = 7;
        options.layerDecay = layerDecay;
        options.outPath = dir + QLatin1Char('/') + name + QStringLiteral(".safetensors");
        TrainingJob job(options);
        if (!job.exec())
            qWarning("training did not finish");
        return options.outPath;
    };
    const QString even = train(1.0, QStringLiteral("even"));
    const QString decayed = train(1e-3, QStringLiteral("decayed"));
    QCOMPARE(ModelCard::readBeside(decayed).training.value(QStringLiteral("layer_decay")).toDouble(), 1e-3);
    // The first convolution learns at 1e-9 of the head's rate: it stays where it started; the head does not.
    QVERIFY2(moved(even, QStringLiteral("conv1.weight")) > 1e-3f, qPrintable(QString::number(moved(even, QStringLiteral("conv1.weight")))));
    QVERIFY2(moved(decayed, QStringLiteral("conv1.weight")) < 1e-5f, qPrintable(QString::number(moved(decayed, QStringLiteral("conv1.weight")))));
    QVERIFY2(moved(decayed, QStringLiteral("fc4.weight")) > 1e-3f, qPrintable(QString::number(moved(decayed, QStringLiteral("fc4.weight")))));

    QByteArray out, err;
    QCOMPARE(runCli({QStringLiteral("train"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--arch"), QStringLiteral("baseline"),
                     QStringLiteral("--layer-decay"), QStringLiteral("0"), QStringLiteral("--out"), dir + QStringLiteral("/x.safetensors")}, &out, &err), 2);
    QVERIFY2(err.contains("--layer-decay"), err.constData());
}

QTEST_GUILESS_MAIN(TestTtaEnsemble)
#include "tst_ttaensemble.moc"
