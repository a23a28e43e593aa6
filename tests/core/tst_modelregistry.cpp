#include "catalog/catalog.h"
#include "catalog/modelregistry.h"

#include "handmadecatalog.h"
#include "throwawaypostgres.h"

#include <QJsonArray>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <limits>

using namespace accession;
using namespace accession::test;

namespace {

qint64 activeRows(Catalog &catalog)
{
    QSqlQuery query = catalog.run(QStringLiteral("SELECT COUNT(*) FROM models WHERE is_active = 1"));
    return query.next() ? query.value(0).toLongLong() : -1;
}

} // namespace

// The catalog's models on their own: registration checks a card, exactly one model is active, thresholds stay
// probabilities.
class TestModelRegistry : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void firstModelBecomesActive();
    void activatesOneAtATime();
    void registeringAgainKeepsTheId();
    void cardThresholdsOutsideZeroOneAreRefused_data();
    void cardThresholdsOutsideZeroOneAreRefused();
    void badCardsAreRefused_data();
    void badCardsAreRefused();
    void setThresholdKeepsAProbability();
    void activateRefusesUnknownAndBrokenRows();

private:
    QTemporaryDir m_dir;
    int m_run = 0;
    HandmadeCatalog m_made;
    const QStringList m_classes = {QStringLiteral("Paintings"), QStringLiteral("Prints"), QStringLiteral("Arms")};
};

// Also run on a throwaway PostgreSQL cluster as tst_modelregistry_postgresql (makeHandmadeCatalog picks the backend).
void TestModelRegistry::initTestCase()
{
    QString error;
    QVERIFY2(test::prepareCatalogBackend(&error), qPrintable(error));
}

void TestModelRegistry::init()
{
    QVERIFY(m_dir.isValid());
    m_made = makeHandmadeCatalog(m_dir.filePath(QString::number(++m_run)), m_classes);
}

void TestModelRegistry::firstModelBecomesActive()
{
    Catalog catalog(m_made.path);
    ModelRegistry registry(catalog);
    QVERIFY(!registry.activeModel());
    const qint64 first = registerHandmadeModel(catalog, QStringLiteral("first"), m_classes, 0.9);
    const qint64 second = registerHandmadeModel(catalog, QStringLiteral("second"), m_classes, 0.8);
    QVERIFY(first != second);
    QCOMPARE(registry.activeModel()->id, first);
    QCOMPARE(activeRows(catalog), 1);
    const QVector<RegisteredModel> models = registry.models();
    QCOMPARE(models.size(), 2);
    QCOMPARE(models[0].name, QStringLiteral("first"));
    QCOMPARE(models[0].classes, m_classes);
    QCOMPARE(models[0].threshold, 0.9);
    QCOMPARE(models[0].architecture, QStringLiteral("baseline"));
    QVERIFY(models[0].active);
    QVERIFY(!models[1].active);
    QCOMPARE(models[1].threshold, 0.8);
    QVERIFY(models[0].problem().isEmpty());
}

void TestModelRegistry::activatesOneAtATime()
{
    Catalog catalog(m_made.path);
    ModelRegistry registry(catalog);
    QVector<qint64> ids;
    for (const char *name : {"a", "b", "c"})
        ids << registerHandmadeModel(catalog, QString::fromLatin1(name), m_classes, 0.9);
    for (qint64 id : {ids[2], ids[1], ids[1], ids[0], ids[2]}) {
        registry.activate(id);
        QCOMPARE(registry.activeModel()->id, id);
        QCOMPARE(activeRows(catalog), 1);
        for (const RegisteredModel &model : registry.models())
            QCOMPARE(model.active, model.id == id);
    }
    // Another connection sees the same.
    Catalog other(m_made.path);
    QCOMPARE(ModelRegistry(other).activeModel()->id, ids[2]);
}

void TestModelRegistry::registeringAgainKeepsTheId()
{
    Catalog catalog(m_made.path);
    ModelRegistry registry(catalog);
    const QJsonObject card = handmadeModelCard(m_classes, 0.9);
    const qint64 id = registry.registerModel(m_dir.filePath(QStringLiteral("old/model.safetensors")), QStringLiteral("abc"), card);
    const qint64 again = registry.registerModel(m_dir.filePath(QStringLiteral("new/model.safetensors")), QStringLiteral("abc"), card);
    QCOMPARE(again, id);
    QCOMPARE(registry.models().size(), 1);
    QCOMPARE(registry.model(id)->weightsPath, m_dir.filePath(QStringLiteral("new/model.safetensors")));
    QCOMPARE(registry.modelIdByHash(QStringLiteral("abc")), std::optional<qint64>(id));
    QVERIFY(!registry.modelIdByHash(QStringLiteral("other")));
}

void TestModelRegistry::cardThresholdsOutsideZeroOneAreRefused_data()
{
    QTest::addColumn<double>("threshold");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("0") << 0.0 << true;
    QTest::newRow("0.5") << 0.5 << true;
    QTest::newRow("1") << 1.0 << true;
    QTest::newRow("-0.01") << -0.01 << false;
    QTest::newRow("1.0001") << 1.0001 << false;
    QTest::newRow("95 (a percentage)") << 95.0 << false;
}

void TestModelRegistry::cardThresholdsOutsideZeroOneAreRefused()
{
    QFETCH(double, threshold);
    QFETCH(bool, accepted);
    Catalog catalog(m_made.path);
    ModelRegistry registry(catalog);
    const QString error = catalogRefusal([&] {
        registry.registerModel(m_dir.filePath(QStringLiteral("model.safetensors")), QStringLiteral("hash"),
                               handmadeModelCard(m_classes, threshold));
    });
    if (accepted) {
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(registry.activeModel()->threshold, threshold);
    } else {
        QVERIFY2(error.contains(QStringLiteral("threshold")), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("model.safetensors")), qPrintable(error));
        QVERIFY(registry.models().isEmpty());
    }
}

void TestModelRegistry::badCardsAreRefused_data()
{
    QTest::addColumn<QJsonObject>("card");
    QTest::addColumn<QString>("reason");
    const QStringList classes = {QStringLiteral("Paintings"), QStringLiteral("Prints")};
    QJsonObject noClasses = handmadeModelCard(classes, 0.9);
    noClasses.remove(QStringLiteral("classes"));
    QTest::newRow("no classes") << noClasses << QStringLiteral("no classes");
    QTest::newRow("empty classes") << handmadeModelCard({}, 0.9) << QStringLiteral("no classes");
    QTest::newRow("temperature near zero") << handmadeModelCard(classes, 0.9, 1e-300) << QStringLiteral("temperature");
    QTest::newRow("temperature zero") << handmadeModelCard(classes, 0.9, 0.0) << QStringLiteral("temperature");
    QTest::newRow("temperature huge") << handmadeModelCard(classes, 0.9, 1e6) << QStringLiteral("temperature");
    QTest::newRow("temperature negative") << handmadeModelCard(classes, 0.9, -1.0) << QStringLiteral("temperature");
}

void TestModelRegistry::badCardsAreRefused()
{
    QFETCH(QJsonObject, card);
    QFETCH(QString, reason);
    Catalog catalog(m_made.path);
    ModelRegistry registry(catalog);
    const QString error = catalogRefusal([&] {
        registry.registerModel(m_dir.filePath(QStringLiteral("bad.safetensors")), QStringLiteral("hash"), card);
    });
    QVERIFY2(error.contains(reason), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("bad.safetensors")), qPrintable(error));
    QVERIFY(registry.models().isEmpty());
    QVERIFY(!registry.activeModel());
}

void TestModelRegistry::setThresholdKeepsAProbability()
{
    Catalog catalog(m_made.path);
    ModelRegistry registry(catalog);
    const qint64 id = registerHandmadeModel(catalog, QStringLiteral("model"), m_classes, 0.9);
    for (double threshold : {0.0, 1.0, 0.42}) {
        registry.setThreshold(id, threshold);
        QCOMPARE(registry.model(id)->threshold, threshold);
    }
    for (double threshold : {-0.5, 1.5, 100.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
        const QString error = catalogRefusal([&] { registry.setThreshold(id, threshold); });
        QVERIFY2(error.contains(QStringLiteral("between 0 and 1")), qPrintable(QString::number(threshold) + QStringLiteral(": ") + error));
        QCOMPARE(registry.model(id)->threshold, 0.42);
    }
    QVERIFY(!catalogRefusal([&] { registry.setThreshold(id + 100, 0.5); }).isEmpty());
}

void TestModelRegistry::activateRefusesUnknownAndBrokenRows()
{
    Catalog catalog(m_made.path);
    ModelRegistry registry(catalog);
    const qint64 good = registerHandmadeModel(catalog, QStringLiteral("good"), m_classes, 0.9);
    const qint64 broken = registerHandmadeModel(catalog, QStringLiteral("broken"), m_classes, 0.9);
    // A row written before registration checked models.
    catalog.run(QStringLiteral("UPDATE models SET threshold = 7 WHERE id = :id"), {{QStringLiteral("id"), broken}});
    QVERIFY(!registry.model(broken)->problem().isEmpty());
    const QString error = catalogRefusal([&] { registry.activate(broken); });
    QVERIFY2(error.contains(QStringLiteral("cannot be activated")), qPrintable(error));
    QVERIFY2(catalogRefusal([&] { registry.activate(good + 100); }).contains(QStringLiteral("no model")), "unknown id accepted");
    QCOMPARE(registry.activeModel()->id, good);
    QCOMPARE(activeRows(catalog), 1);
}

QTEST_GUILESS_MAIN(TestModelRegistry)
#include "tst_modelregistry.moc"
