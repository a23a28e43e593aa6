#include "testcatalogs.h"
#include "testimages.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace accession::test;

namespace {

QJsonObject parseJson(const QByteArray &text)
{
    const QJsonDocument document = QJsonDocument::fromJson(text);
    if (!document.isObject())
        qWarning("not a JSON object: %s", text.left(400).constData());
    return document.object();
}

const QStringList kDepartments = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art"), QStringLiteral("Musical Instruments")};

} // namespace

class TestCliTrain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void trainPrintsModelCard();
    void trainPrintsAProgressLinePerEpoch();
    void evaluateOnCatalogFoldersAndCsv();
    void refusesBadArguments_data();
    void refusesBadArguments();
    void divergingTrainingStopsWithOneLine();
    void brokenModelsGiveOneLineErrors();

private:
    QTemporaryDir m_dir;
    QString m_catalog;
    QString m_model;
};

void TestCliTrain::initTestCase()
{
    m_catalog = m_dir.filePath(QStringLiteral("c.db"));
    writeDepartmentFolders(m_dir.filePath(QStringLiteral("tree")), kDepartments, 20, 40, 9);
    QCOMPARE(runCli({QStringLiteral("import"), QStringLiteral("--catalog"), m_catalog, QStringLiteral("--folders"),
                     m_dir.filePath(QStringLiteral("tree"))}), 0);
    m_model = m_dir.filePath(QStringLiteral("models/baseline.safetensors"));
}

void TestCliTrain::trainPrintsModelCard()
{
    QByteArray out;
    QByteArray err;
    const int code = runCli({QStringLiteral("train"), QStringLiteral("--catalog"), m_catalog, QStringLiteral("--arch"), QStringLiteral("baseline"),
                             QStringLiteral("--image-size"), QStringLiteral("32"), QStringLiteral("--epochs"), QStringLiteral("10"),
                             QStringLiteral("--batch-size"), QStringLiteral("16"), QStringLiteral("--val-fraction"), QStringLiteral("0.25"),
                             QStringLiteral("--seed"), QStringLiteral("3"), QStringLiteral("--out"), m_model, QStringLiteral("--json")},
                            &out, &err);
    QVERIFY2(code == 0, err.constData());
    const QJsonObject card = parseJson(out);
    QCOMPARE(card.value(QStringLiteral("architecture")).toString(), QStringLiteral("baseline"));
    QCOMPARE(card.value(QStringLiteral("classes")).toArray().size(), 3);
    QCOMPARE(card.value(QStringLiteral("preprocessing")).toObject().value(QStringLiteral("input_size")).toInt(), 32);
    QCOMPARE(card.value(QStringLiteral("preprocessing")).toObject().value(QStringLiteral("center_crop_fraction")).toDouble(), 1.0);
    QVERIFY(card.value(QStringLiteral("temperature")).toDouble() > 0);
    QVERIFY(card.contains(QStringLiteral("trained_at")));
    QCOMPARE(card.value(QStringLiteral("training_images_per_class")).toObject().value(QStringLiteral("Asian Art")).toInt(), 15);
    const QJsonObject validation = card.value(QStringLiteral("validation")).toObject();
    QVERIFY2(validation.value(QStringLiteral("accuracy")).toDouble() > 0.6, qPrintable(QString::number(validation.value(QStringLiteral("accuracy")).toDouble())));
    QVERIFY(QFile::exists(m_model));
    QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("models/baseline.json"))));
}

void TestCliTrain::trainPrintsAProgressLinePerEpoch()
{
    QByteArray out;
    QCOMPARE(runCli({QStringLiteral("train"), QStringLiteral("--catalog"), m_catalog, QStringLiteral("--arch"), QStringLiteral("baseline"),
                     QStringLiteral("--image-size"), QStringLiteral("32"), QStringLiteral("--epochs"), QStringLiteral("3"),
                     QStringLiteral("--patience"), QStringLiteral("0"), QStringLiteral("--center-crop"), QStringLiteral("0.875"),
                     QStringLiteral("--ema-epochs"), QStringLiteral("1.5"),
                     QStringLiteral("--out"), m_dir.filePath(QStringLiteral("other.safetensors"))}, &out), 0);
    const QList<QByteArray> lines = out.trimmed().split('\n');
    int epochLines = 0;
    for (const QByteArray &line : lines)
        epochLines += line.startsWith("train epoch") ? 1 : 0;
    QCOMPARE(epochLines, 3);
    QVERIFY(out.contains("validation accuracy"));
    QFile card(m_dir.filePath(QStringLiteral("other.json")));
    QVERIFY(card.open(QIODevice::ReadOnly));
    const QJsonObject written = parseJson(card.readAll());
    QCOMPARE(written.value(QStringLiteral("preprocessing")).toObject().value(QStringLiteral("center_crop_fraction")).toDouble(), 0.875);
    QCOMPARE(written.value(QStringLiteral("training")).toObject().value(QStringLiteral("weight_averaging_epochs")).toDouble(), 1.5);
}

void TestCliTrain::evaluateOnCatalogFoldersAndCsv()
{
    QByteArray out;
    QCOMPARE(runCli({QStringLiteral("evaluate"), QStringLiteral("--model"), m_model, QStringLiteral("--catalog"), m_catalog,
                     QStringLiteral("--json")}, &out), 0);
    QJsonObject report = parseJson(out);
    for (const char *key : {"accuracy", "top3_accuracy", "classes", "per_class", "confusion", "ece", "ece_calibrated",
                            "threshold_for_target", "coverage_at_target"})
        QVERIFY2(report.contains(QLatin1String(key)), key);
    QCOMPARE(report.value(QStringLiteral("count")).toInt(), 15); // the model's validation split: 5 per department
    QVERIFY(report.value(QStringLiteral("evaluated_on")).toString().contains(QStringLiteral("validation split")));
    const QJsonObject perClass = report.value(QStringLiteral("per_class")).toArray().first().toObject();
    for (const char *key : {"class", "accuracy", "precision", "recall", "f1", "support"})
        QVERIFY2(perClass.contains(QLatin1String(key)), key);
    const QJsonArray confusion = report.value(QStringLiteral("confusion")).toArray();
    QCOMPARE(confusion.size(), 3);
    int total = 0;
    for (const QJsonValue &row : confusion) {
        QCOMPARE(row.toArray().size(), 3);
        for (const QJsonValue &cell : row.toArray())
            total += cell.toInt();
    }
    QCOMPARE(total, 15);

    // Folders that are not in any catalog: fresh images of the same departments, plus one unknown department.
    writeDepartmentFolders(m_dir.filePath(QStringLiteral("fresh")), kDepartments, 6, 40, 77);
    writeFile(m_dir.filePath(QStringLiteral("fresh/Egyptian Art/x.jpg")), solidImage(QStringLiteral("jpg"), 40, 40, {1, 2, 3}));
    QCOMPARE(runCli({QStringLiteral("evaluate"), QStringLiteral("--model"), m_model, QStringLiteral("--folders"),
                     m_dir.filePath(QStringLiteral("fresh")), QStringLiteral("--json")}, &out), 0);
    report = parseJson(out);
    QCOMPARE(report.value(QStringLiteral("count")).toInt(), 18);
    QVERIFY2(report.value(QStringLiteral("accuracy")).toDouble() > 0.6, out.constData());
    QCOMPARE(report.value(QStringLiteral("failed")).toArray().size(), 1);

    writeFile(m_dir.filePath(QStringLiteral("fresh.csv")),
              "file,department\n\"Asian Art/asian-art-0000.jpg\",Asian Art\n\"Arms and Armor/arms-and-armor-0001.jpg\",Arms and Armor\n");
    QCOMPARE(runCli({QStringLiteral("evaluate"), QStringLiteral("--model"), m_model, QStringLiteral("--csv"), m_dir.filePath(QStringLiteral("fresh.csv")),
                     QStringLiteral("--images"), m_dir.filePath(QStringLiteral("fresh")), QStringLiteral("--json")}, &out), 0);
    QCOMPARE(parseJson(out).value(QStringLiteral("count")).toInt(), 2);
}

void TestCliTrain::refusesBadArguments_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown arch") << QStringList{QStringLiteral("--arch"), QStringLiteral("vgg16")} << QStringLiteral("--arch must be one of");
    QTest::newRow("cache without weights") << QStringList{QStringLiteral("--arch"), QStringLiteral("resnet18"), QStringLiteral("--features-cache")}
                                           << QStringLiteral("--features-cache needs --weights");
    QTest::newRow("missing weights") << QStringList{QStringLiteral("--arch"), QStringLiteral("resnet18"), QStringLiteral("--weights"), QStringLiteral("/nope.safetensors")}
                                     << QStringLiteral("no weights file");
    QTest::newRow("bad mean") << QStringList{QStringLiteral("--arch"), QStringLiteral("resnet18"), QStringLiteral("--mean"), QStringLiteral("0.5,0.5")}
                              << QStringLiteral("three numbers");
    QTest::newRow("unknown class balance") << QStringList{QStringLiteral("--arch"), QStringLiteral("baseline"), QStringLiteral("--class-balance"), QStringLiteral("log")}
                                           << QStringLiteral("--class-balance takes full, sqrt or none");
    QTest::newRow("crop scale out of range") << QStringList{QStringLiteral("--arch"), QStringLiteral("baseline"), QStringLiteral("--crop-scale"), QStringLiteral("1.5")}
                                             << QStringLiteral("--crop-scale must lie in (0, 1]");
    QTest::newRow("centre crop too small") << QStringList{QStringLiteral("--arch"), QStringLiteral("baseline"), QStringLiteral("--center-crop"), QStringLiteral("0.3")}
                                           << QStringLiteral("--center-crop must lie in [0.5, 1]");
    const auto baseline = [](const char *option, const char *value) {
        return QStringList{QStringLiteral("--arch"), QStringLiteral("baseline"), QLatin1String(option), QLatin1String(value)};
    };
    QTest::newRow("huge images") << baseline("--image-size", "100000") << QStringLiteral("image size 100000 is not in 16..1024 pixels");
    QTest::newRow("NaN rate") << baseline("--lr", "nan") << QStringLiteral("--lr must be a positive number, not 'nan'");
    QTest::newRow("negative rate") << baseline("--lr", "-1") << QStringLiteral("--lr must be a positive number");
    QTest::newRow("zero std") << baseline("--std", "0,0,0") << QStringLiteral("std 0 is not a number in [0.001, 100]");
    QTest::newRow("infinite mean") << baseline("--mean", "inf,0,0") << QStringLiteral("mean inf is not a number");
    QTest::newRow("huge batch") << baseline("--batch-size", "5000") << QStringLiteral("batch size 5000 is not in 1..1024");
    QTest::newRow("NaN weight decay") << baseline("--weight-decay", "nan") << QStringLiteral("--weight-decay must be a number in [0, 1]");
    QTest::newRow("label smoothing") << baseline("--label-smoothing", "1.5") << QStringLiteral("the label smoothing 1.5 is not in [0, 1)");
    QTest::newRow("target accuracy") << baseline("--target-accuracy", "2") << QStringLiteral("the target accuracy 2 is not in (0, 1]");
    QTest::newRow("endless epochs") << baseline("--epochs", "100000") << QStringLiteral("100000 epochs is not in 0..10000");
    QTest::newRow("negative averaging") << QStringList{QStringLiteral("--arch"), QStringLiteral("baseline"), QStringLiteral("--ema-epochs"), QStringLiteral("-1")}
                                        << QStringLiteral("--ema-epochs must not be negative");
}

void TestCliTrain::refusesBadArguments()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QByteArray err;
    const int code = runCli(QStringList{QStringLiteral("train"), QStringLiteral("--catalog"), m_catalog, QStringLiteral("--out"),
                                        m_dir.filePath(QStringLiteral("x.safetensors"))} + arguments,
                            nullptr, &err);
    QVERIFY(code != 0);
    QVERIFY2(err.contains(message.toUtf8()), err.constData());
    QCOMPARE(err.trimmed().count('\n'), 0);
}

void TestCliTrain::divergingTrainingStopsWithOneLine()
{
    const QString out = m_dir.filePath(QStringLiteral("diverged.safetensors"));
    QByteArray err;
    const int code = runCli({QStringLiteral("train"), QStringLiteral("--catalog"), m_catalog, QStringLiteral("--arch"), QStringLiteral("baseline"),
                             QStringLiteral("--image-size"), QStringLiteral("32"), QStringLiteral("--epochs"), QStringLiteral("2"),
                             QStringLiteral("--lr"), QStringLiteral("1e6"), QStringLiteral("--out"), out, QStringLiteral("--json")},
                            nullptr, &err);
    QCOMPARE(code, 1);
    QCOMPARE(err.trimmed().count('\n'), 0);
    QVERIFY2(err.startsWith("accession-cli train: error: training stopped: the "), err.constData());
    QVERIFY2(err.contains("try a lower one (--lr)"), err.constData());
    QVERIFY2(err.contains("no epoch had finished, so nothing was saved"), err.constData());
    QVERIFY(!QFile::exists(out));
}

void TestCliTrain::brokenModelsGiveOneLineErrors()
{
    // A copy of the trained model with its card spoilt, and one whose weights are not a model.
    QFile cardFile(m_dir.filePath(QStringLiteral("models/baseline.json")));
    QVERIFY(cardFile.open(QIODevice::ReadOnly));
    const QByteArray cardBytes = cardFile.readAll();
    QJsonObject card = parseJson(cardBytes);
    QJsonObject preprocessing = card.value(QStringLiteral("preprocessing")).toObject();
    preprocessing.insert(QStringLiteral("input_size"), QStringLiteral("big"));
    card.insert(QStringLiteral("preprocessing"), preprocessing);
    const QString big = m_dir.filePath(QStringLiteral("broken/big.safetensors"));
    QFile model(m_model);
    QVERIFY(model.open(QIODevice::ReadOnly));
    writeFile(big, model.readAll());
    writeFile(m_dir.filePath(QStringLiteral("broken/big.json")), QJsonDocument(card).toJson());
    const QString garbage = m_dir.filePath(QStringLiteral("broken/garbage.safetensors"));
    writeFile(garbage, QByteArray(4096, '\x7f'));
    writeFile(m_dir.filePath(QStringLiteral("broken/garbage.json")), cardBytes);

    const QString catalog = m_dir.filePath(QStringLiteral("models-catalog.db"));
    QVERIFY(QFile::copy(m_catalog, catalog));
    struct Case
    {
        QStringList arguments;
        QByteArray expected;
    };
    const QList<Case> cases = {
        {{QStringLiteral("evaluate"), QStringLiteral("--model"), big, QStringLiteral("--catalog"), m_catalog}, "input_size must be a whole number"},
        {{QStringLiteral("evaluate"), QStringLiteral("--model"), garbage, QStringLiteral("--catalog"), m_catalog}, garbage.toUtf8()},
        {{QStringLiteral("models"), QStringLiteral("--catalog"), catalog, QStringLiteral("--register"), big}, "input_size must be a whole number"},
        {{QStringLiteral("models"), QStringLiteral("--catalog"), catalog, QStringLiteral("--register"), garbage}, garbage.toUtf8()},
        {{QStringLiteral("classify"), QStringLiteral("--catalog"), catalog, QStringLiteral("--model"), big}, "input_size must be a whole number"},
        {{QStringLiteral("models"), QStringLiteral("--catalog"), catalog, QStringLiteral("--threshold"), QStringLiteral("nan")}, "has no active model"},
    };
    for (const Case &c : cases) {
        QByteArray err;
        const int code = runCli(c.arguments, nullptr, &err);
        QVERIFY2(code == 1, qPrintable(c.arguments.join(QLatin1Char(' '))));
        QVERIFY2(err.trimmed().count('\n') == 0, err.constData());
        QVERIFY2(err.contains(c.expected), err.constData());
    }
    // Nothing was registered, so nothing broken became the active model.
    QByteArray out;
    QCOMPARE(runCli({QStringLiteral("models"), QStringLiteral("--catalog"), catalog, QStringLiteral("--json")}, &out), 0);
    QCOMPARE(parseJson(out).value(QStringLiteral("models")).toArray().size(), 0);
    QCOMPARE(runCli({QStringLiteral("models"), QStringLiteral("--catalog"), catalog, QStringLiteral("--register"), m_model,
                     QStringLiteral("--threshold"), QStringLiteral("nan")}), 1);
}

QTEST_GUILESS_MAIN(TestCliTrain)
#include "tst_cli_train.moc"
