#include "testcatalogs.h"

#include "catalog/catalog.h"
#include "ml/network.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

// accession-cli weights: the command-line mirror of Model > Add Pretrained Weights.
class TestCliWeights : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void addsListsAndRefuses();

private:
    QTemporaryDir m_dir;
};

void TestCliWeights::addsListsAndRefuses()
{
    const QString catalog = m_dir.filePath(QStringLiteral("weights.db"));
    { Catalog create(catalog, Catalog::OpenMode::CreateIfMissing); }
    const QString resnet = m_dir.filePath(QStringLiteral("resnet18-backbone.safetensors"));
    Network(Architecture::ResNet18, 1000, 2).saveWeights(resnet);

    QByteArray out;
    QByteArray err;
    const int added0 = runCli({QStringLiteral("weights"), QStringLiteral("add"), QStringLiteral("--catalog"), catalog, resnet,
                               QStringLiteral("--json")}, &out, &err);
    QVERIFY2(added0 == 0, err.constData());
    const QJsonObject added = QJsonDocument::fromJson(out).object();
    QCOMPARE(added.value(QStringLiteral("architecture")).toString(), QStringLiteral("resnet18"));
    QCOMPARE(added.value(QStringLiteral("sha256")).toString().size(), 64);

    // Adding the same bytes again keeps one row.
    QCOMPARE(runCli({QStringLiteral("weights"), QStringLiteral("add"), QStringLiteral("--catalog"), catalog, resnet}, &out, &err), 0);
    QVERIFY(out.contains("resnet18"));

    const QString bad = m_dir.filePath(QStringLiteral("truncated.pth"));
    QFile file(bad);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("PK\x03\x04 not a whole archive");
    file.close();
    QCOMPARE(runCli({QStringLiteral("weights"), QStringLiteral("add"), QStringLiteral("--catalog"), catalog, bad}, &out, &err), 1);
    const QString message = QString::fromUtf8(err).trimmed();
    QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message)); // one line
    QVERIFY2(message.contains(bad), qPrintable(message));

    QCOMPARE(runCli({QStringLiteral("weights"), QStringLiteral("list"), QStringLiteral("--catalog"), catalog, QStringLiteral("--json")},
                    &out, &err), 0);
    const QJsonArray list = QJsonDocument::fromJson(out).object().value(QStringLiteral("weights")).toArray();
    QCOMPARE(list.size(), 1);
    QCOMPARE(list.first().toObject().value(QStringLiteral("path")).toString(), resnet);
}

QTEST_GUILESS_MAIN(TestCliWeights)
#include "tst_cli_weights.moc"
