#include "ml/network.h"
#include "ml/weightserror.h"
#include "pythonreference.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace accession;
using namespace accession::test;

namespace {

float maxAbsDifference(const HostTensor &a, const HostTensor &b)
{
    if (a.shape != b.shape)
        return INFINITY;
    float worst = 0;
    for (size_t i = 0; i < a.values.size(); ++i)
        worst = std::max(worst, std::abs(a.values[i] - b.values[i]));
    return worst;
}

QString errorLoading(Network &network, const QString &path, bool backbone = false)
{
    try {
        backbone ? network.loadBackbone(path) : network.loadWeights(path);
    } catch (const WeightsError &error) {
        return QString::fromUtf8(error.what());
    }
    return QString();
}

} // namespace

// Skips the current test, saying why, when Debian's python3 with torch and torchvision cannot run: the
// reference files come from it. The tests that need no reference still run and can still fail.
#define REQUIRE_PYTHON_REFERENCE()                                                                                        \
    do {                                                                                                                 \
        if (!pythonReferenceUnavailable().isEmpty())                                                                     \
            QSKIP(qPrintable(QStringLiteral("needs the Python reference: ") + pythonReferenceUnavailable()));            \
    } while (false)

class TestNetworks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void matchesTorchvisionLogits_data();
    void matchesTorchvisionLogits();
    void namesBadTensors_data();
    void namesBadTensors();
    void savedModelLoadsInTorchvision_data();
    void savedModelLoadsInTorchvision();
    void backboneLoadKeepsNewHead();
    void neverRunsCodeFromAPickle();
    void refusesTruncatedAndLegacyFiles();
    void baselineAcceptsAnyInputSize();
    void foldingBatchNormKeepsTheFunction_data();
    void foldingBatchNormKeepsTheFunction();
    void savedWeightsLoadBackExactly_data();
    void savedWeightsLoadBackExactly();
    void refusesATruncatedSavedFile();

private:
    QTemporaryDir m_dir;
    QString reference(const QString &arch);
};

void TestNetworks::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Without Python only the tests that need its reference files skip (each says why); the rest run.
    if (!pythonReferenceUnavailable().isEmpty()) {
        qWarning("%s", qPrintable(pythonReferenceUnavailable()));
        return;
    }
    const QString error = runPythonReference({QStringLiteral("broken"), m_dir.filePath(QStringLiteral("broken"))});
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

QString TestNetworks::reference(const QString &arch)
{
    const QString dir = m_dir.filePath(arch);
    if (!QFile::exists(dir + QStringLiteral("/expected.safetensors"))) {
        const QString error = runPythonReference({QStringLiteral("make"), arch, dir, QStringLiteral("--classes"), QStringLiteral("7"),
                                                  QStringLiteral("--size"), QStringLiteral("64")});
        if (!error.isEmpty())
            qWarning("reference failed: %s", qPrintable(error));
    }
    return dir;
}

void TestNetworks::matchesTorchvisionLogits_data()
{
    QTest::addColumn<QString>("arch");
    QTest::addColumn<QString>("file");
    for (const char *arch : {"resnet18", "resnet50", "mobilenet_v2"}) {
        for (const char *file : {"weights.safetensors", "weights.pth", "checkpoint.pth"})
            QTest::addRow("%s %s", arch, file) << QString::fromLatin1(arch) << QString::fromLatin1(file);
    }
    QTest::newRow("mobilenet_v2 timm names") << QStringLiteral("mobilenet_v2") << QStringLiteral("weights_timm.safetensors");
}

void TestNetworks::matchesTorchvisionLogits()
{
    REQUIRE_PYTHON_REFERENCE();
    QFETCH(QString, arch);
    QFETCH(QString, file);
    const QString dir = reference(arch);
    Network network(*architectureFromName(arch), 7);
    const QString error = errorLoading(network, dir + QLatin1Char('/') + file);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const HostTensor input = readTensorFile(dir + QStringLiteral("/input.safetensors")).value(QStringLiteral("input"));
    const HostTensor expected = readTensorFile(dir + QStringLiteral("/expected.safetensors")).value(QStringLiteral("logits"));
    const HostTensor logits = network.logits(input);
    QCOMPARE(logits.shape, (std::vector<int64_t>{2, 7}));
    const float difference = maxAbsDifference(logits, expected);
    QVERIFY2(difference < 1e-4f, qPrintable(QStringLiteral("max abs difference %1").arg(double(difference))));
    // The logits are not trivially small: the comparison means something.
    float largest = 0;
    for (float v : expected.values)
        largest = std::max(largest, std::abs(v));
    QVERIFY(largest > 0.01f);
}

void TestNetworks::namesBadTensors_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("nameKey");
    QTest::newRow("missing") << QStringLiteral("weights_missing.safetensors") << QStringLiteral("missing tensors") << QStringLiteral("dropped");
    QTest::newRow("unexpected") << QStringLiteral("weights_unexpected.safetensors") << QStringLiteral("unexpected tensors") << QString();
    QTest::newRow("mis-shaped") << QStringLiteral("weights_misshaped.safetensors") << QStringLiteral("mis-shaped tensors") << QStringLiteral("reshaped");
}

void TestNetworks::namesBadTensors()
{
    REQUIRE_PYTHON_REFERENCE();
    QFETCH(QString, file);
    QFETCH(QString, kind);
    QFETCH(QString, nameKey);
    const QString dir = reference(QStringLiteral("resnet18"));
    QFile namesFile(dir + QStringLiteral("/names.json"));
    QVERIFY(namesFile.open(QIODevice::ReadOnly));
    const QJsonObject names = QJsonDocument::fromJson(namesFile.readAll()).object();
    const QString expectedName = nameKey.isEmpty() ? QStringLiteral("extra.weight") : names.value(nameKey).toString();
    Network network(Architecture::ResNet18, 7);
    const QString error = errorLoading(network, dir + QLatin1Char('/') + file);
    QVERIFY2(error.contains(kind), qPrintable(error));
    QVERIFY2(error.contains(expectedName), qPrintable(error));
    QVERIFY2(error.contains(file), qPrintable(error));
}

void TestNetworks::savedModelLoadsInTorchvision_data()
{
    QTest::addColumn<QString>("arch");
    for (const char *arch : {"resnet18", "resnet50", "mobilenet_v2"})
        QTest::newRow(arch) << QString::fromLatin1(arch);
}

void TestNetworks::savedModelLoadsInTorchvision()
{
    REQUIRE_PYTHON_REFERENCE();
    QFETCH(QString, arch);
    const QString dir = reference(arch);
    Network network(*architectureFromName(arch), 5, 42);
    const QString saved = m_dir.filePath(arch + QStringLiteral("-saved.safetensors"));
    network.saveWeights(saved, {{"note", "written by Accession"}});
    const QString out = m_dir.filePath(arch + QStringLiteral("-python-logits.safetensors"));
    const QString error = runPythonReference({QStringLiteral("check-load"), arch, saved, dir + QStringLiteral("/input.safetensors"),
                                              out, QStringLiteral("--classes"), QStringLiteral("5")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const HostTensor input = readTensorFile(dir + QStringLiteral("/input.safetensors")).value(QStringLiteral("input"));
    const float difference = maxAbsDifference(network.logits(input), readTensorFile(out).value(QStringLiteral("logits")));
    QVERIFY2(difference < 1e-4f, qPrintable(QStringLiteral("max abs difference %1").arg(double(difference))));
}

void TestNetworks::backboneLoadKeepsNewHead()
{
    REQUIRE_PYTHON_REFERENCE();
    // A 7-class file into a 3-class network: the backbone loads, the head stays new.
    const QString dir = reference(QStringLiteral("mobilenet_v2"));
    Network network(Architecture::MobileNetV2, 3);
    QVERIFY(!errorLoading(network, dir + QStringLiteral("/weights.safetensors")).isEmpty());
    const QString error = errorLoading(network, dir + QStringLiteral("/weights.safetensors"), true);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const HostTensor input = readTensorFile(dir + QStringLiteral("/input.safetensors")).value(QStringLiteral("input"));
    QCOMPARE(network.logits(input).shape, (std::vector<int64_t>{2, 3}));
}

void TestNetworks::neverRunsCodeFromAPickle()
{
    REQUIRE_PYTHON_REFERENCE();
    const QString dir = m_dir.filePath(QStringLiteral("broken"));
    const QMap<QString, HostTensor> tensors = readTensorFile(dir + QStringLiteral("/runs_code.pth"));
    QVERIFY(!QFile::exists(dir + QStringLiteral("/code-ran")));
    QCOMPARE(tensors.size(), 1);
    QCOMPARE(tensors.value(QStringLiteral("fc.weight")).shape, (std::vector<int64_t>{2, 3}));
}

void TestNetworks::refusesTruncatedAndLegacyFiles()
{
    REQUIRE_PYTHON_REFERENCE();
    const QString dir = m_dir.filePath(QStringLiteral("broken"));
    for (const QString &name : {QStringLiteral("truncated.safetensors"), QStringLiteral("legacy.pth")}) {
        try {
            readTensorFile(dir + QLatin1Char('/') + name);
            QFAIL(qPrintable(name + QStringLiteral(" was accepted")));
        } catch (const WeightsError &error) {
            QVERIFY2(QString::fromUtf8(error.what()).contains(name), error.what());
            // models/README promises that the legacy format is named, with the way to re-save it.
            if (name.startsWith(QLatin1String("legacy"))) {
                QVERIFY2(QString::fromUtf8(error.what()).contains(QLatin1String("legacy PyTorch file")), error.what());
                QVERIFY2(QString::fromUtf8(error.what()).contains(QLatin1String("torch.save(torch.load(")), error.what());
            }
        }
    }
    QVERIFY_THROWS_EXCEPTION(WeightsError, readTensorFile(dir + QStringLiteral("/absent.safetensors")));
}

void TestNetworks::baselineAcceptsAnyInputSize()
{
    Network network(Architecture::Baseline, 4);
    for (int size : {32, 64, 96}) {
        HostTensor input;
        input.shape = {3, 3, size, size};
        input.values.assign(size_t(input.numel()), 0.5f);
        QCOMPARE(network.logits(input).shape, (std::vector<int64_t>{3, 4}));
    }
}

void TestNetworks::foldingBatchNormKeepsTheFunction_data()
{
    QTest::addColumn<QString>("arch");
    for (const char *arch : {"resnet18", "resnet50", "mobilenet_v2"})
        QTest::newRow(arch) << QString::fromLatin1(arch);
}

void TestNetworks::foldingBatchNormKeepsTheFunction()
{
    REQUIRE_PYTHON_REFERENCE();
    QFETCH(QString, arch);
    const QString dir = reference(arch);
    Network network(*architectureFromName(arch), 7);
    network.loadWeights(dir + QStringLiteral("/weights.safetensors"));
    const HostTensor input = readTensorFile(dir + QStringLiteral("/input.safetensors")).value(QStringLiteral("input"));
    const HostTensor before = network.logits(input);
    network.prepareForInference();
    QVERIFY(network.isInferenceOnly());
    const float difference = maxAbsDifference(before, network.logits(input));
    QVERIFY2(difference < 1e-4f, qPrintable(QStringLiteral("max abs difference %1").arg(double(difference))));
    QVERIFY_THROWS_EXCEPTION(WeightsError, network.saveWeights(m_dir.filePath(QStringLiteral("folded.safetensors"))));
}

void TestNetworks::savedWeightsLoadBackExactly_data()
{
    QTest::addColumn<QString>("arch");
    // (A fresh MobileNetV2's logits are too small to tell two seeds apart.)
    for (const char *arch : {"baseline", "resnet18"})
        QTest::newRow(arch) << QString::fromLatin1(arch);
}

void TestNetworks::savedWeightsLoadBackExactly()
{
    QFETCH(QString, arch);
    const Architecture architecture = *architectureFromName(arch);
    Network saved(architecture, 5, 42);
    const QString path = m_dir.filePath(arch + QStringLiteral("-roundtrip.safetensors"));
    saved.saveWeights(path);
    HostTensor input;
    input.shape = {2, 3, 64, 64};
    input.values.resize(size_t(input.numel()));
    for (size_t i = 0; i < input.values.size(); ++i)
        input.values[i] = float((i * 7919) % 255) / 255.0f - 0.5f;
    Network loaded(architecture, 5, 7);
    const float before = maxAbsDifference(saved.logits(input), loaded.logits(input));
    QVERIFY2(before > 1e-4f, "differently seeded networks agree: the comparison would prove nothing");
    const QString error = errorLoading(loaded, path);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const float after = maxAbsDifference(saved.logits(input), loaded.logits(input));
    QVERIFY2(after < 1e-6f, qPrintable(QStringLiteral("max abs difference %1").arg(double(after))));
}

void TestNetworks::refusesATruncatedSavedFile()
{
    const QString path = m_dir.filePath(QStringLiteral("cut.safetensors"));
    Network(Architecture::Baseline, 3, 1).saveWeights(path);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.resize(file.size() / 2));
    file.close();
    try {
        readTensorFile(path);
        QFAIL("a truncated file was accepted");
    } catch (const WeightsError &error) {
        QVERIFY2(QString::fromUtf8(error.what()).contains(QStringLiteral("cut.safetensors")), error.what());
    }
    Network network(Architecture::Baseline, 3);
    QVERIFY(!errorLoading(network, path).isEmpty());
}

QTEST_GUILESS_MAIN(TestNetworks)
#include "tst_networks.moc"
