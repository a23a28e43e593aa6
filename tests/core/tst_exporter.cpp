#include "catalog/catalog.h"
#include "catalog/reviewstore.h"
#include "ingest/csvreader.h"
#include "ingest/exporter.h"

#include "handmadecatalog.h"

#include <QBuffer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

namespace {

// One exported row as the test expects it, written down from what it put in the catalog.
struct ExpectedRow
{
    qint64 id = 0;
    QString externalId;
    QString path;
    QString department;
    QString labelSource;
    QString predicted;
    double confidence = -1;
    QString model;
    QString status;
};

// What a spreadsheet-safe CSV cell holds for a value: formulas get a leading apostrophe.
QString csvCell(const QString &value)
{
    return !value.isEmpty() && QStringLiteral("=+-@\t\r").contains(value.front()) ? QLatin1Char('\'') + value : value;
}

QJsonValue orNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue() : QJsonValue(text);
}

} // namespace

// CSV and JSON export on a catalog filled by hand: every row equals what the catalog holds, and names with commas,
// quotes, newlines, HTML and formula starts come back exactly (CSV through a real CSV parser).
class TestExporter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void csvRowsEqualTheCatalog();
    void jsonRowsEqualTheCatalog();
    void rowsFollowDecisions();

private:
    QByteArray exported(ExportFormat format, QVector<qint64> *progress = nullptr);

    QTemporaryDir m_dir;
    HandmadeCatalog m_made;
    QVector<ExpectedRow> m_expected;
};

void TestExporter::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QStringList departments = {QStringLiteral("Arms, and \"Armor\""), QStringLiteral("<b>Prints</b> & <i>Drawings</i>"),
                                     QStringLiteral("=HYPERLINK(\"http://example.com\")"), QStringLiteral("Plain")};
    m_made = makeHandmadeCatalog(m_dir.filePath(QStringLiteral("catalog")), departments);
    Catalog catalog(m_made.path);
    const QString modelName = QStringLiteral("model, \"v2\" <b>");
    const qint64 model = registerHandmadeModel(catalog, modelName, departments, 0.9);
    struct Input
    {
        QString externalId;
        QString path;
        int importedLabel; // department index, -1: none
        std::vector<float> probabilities; // empty: not classified
    };
    const QVector<Input> inputs = {
        {QStringLiteral("plain-1"), QStringLiteral("/photos/plain.jpg"), 3, {}},
        {QStringLiteral("a, b"), QStringLiteral("/photos/with, comma.jpg"), 0, {0.1f, 0.2f, 0.3f, 0.4f}},
        {QStringLiteral("say \"cheese\""), QStringLiteral("/photos/\"quoted\".jpg"), -1, {0.96f, 0.02f, 0.01f, 0.01f}},
        {QStringLiteral("line one\nline two\r\nline three"), QStringLiteral("/photos/new\nline.jpg"), -1, {0.2f, 0.7f, 0.05f, 0.05f}},
        {QStringLiteral("<script>alert('x')</script>"), QStringLiteral("/photos/<img src=x>.jpg"), 1, {}},
        {QStringLiteral("=1+2"), QStringLiteral("-rm.jpg"), 2, {0.05f, 0.05f, 0.85f, 0.05f}},
        {QString(), QStringLiteral("/photos/no id é ü 漢.jpg"), -1, {}},
        {QStringLiteral("@SUM(A1)"), QStringLiteral("+plus.jpg"), -1, {0.01f, 0.01f, 0.01f, 0.97f}},
    };
    for (const Input &input : inputs) {
        ExpectedRow row;
        row.externalId = input.externalId;
        row.path = input.path;
        row.id = addHandmadeItem(catalog, input.path, input.externalId);
        row.status = QStringLiteral("unlabelled");
        if (input.importedLabel >= 0) {
            catalog.addLabel(row.id, m_made.departmentIds[input.importedLabel], LabelSource::Imported);
            row.department = departments[input.importedLabel];
            row.labelSource = QStringLiteral("imported");
            row.status = QStringLiteral("labelled");
        }
        if (!input.probabilities.empty()) {
            addHandmadePrediction(catalog, model, row.id, input.probabilities);
            const auto top = std::max_element(input.probabilities.begin(), input.probabilities.end());
            row.predicted = departments[int(top - input.probabilities.begin())];
            row.confidence = double(*top);
            row.model = modelName;
            if (input.importedLabel < 0)
                row.status = *top >= 0.9f ? QStringLiteral("auto-filed") : QStringLiteral("needs-review");
        }
        m_expected << row;
    }
}

QByteArray TestExporter::exported(ExportFormat format, QVector<qint64> *progress)
{
    Catalog catalog(m_made.path);
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    const qint64 written = exportItems(catalog, &buffer, format, [progress](qint64 count) {
        if (progress)
            *progress << count;
    });
    if (written != m_expected.size())
        qWarning("exportItems returned %lld", written);
    return buffer.data();
}

void TestExporter::csvRowsEqualTheCatalog()
{
    QVector<qint64> progress;
    const QByteArray csv = exported(ExportFormat::Csv, &progress);
    QCOMPARE(progress, (QVector<qint64>{1, 2, 3, 4, 5, 6, 7, 8}));
    QString error;
    const QList<QStringList> rows = parseCsvText(QString::fromUtf8(csv), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(rows.size(), m_expected.size() + 1);
    QCOMPARE(rows[0], exportCsvHeader().split(QLatin1Char(',')));
    QCOMPARE(rows[0], (QStringList{QStringLiteral("id"), QStringLiteral("external_id"), QStringLiteral("path"), QStringLiteral("department"),
                                   QStringLiteral("label_source"), QStringLiteral("predicted"), QStringLiteral("confidence"),
                                   QStringLiteral("model"), QStringLiteral("status"), QStringLiteral("out_of_scope"),
                                   QStringLiteral("out_of_scope_score")}));
    for (int i = 0; i < m_expected.size(); ++i) {
        const ExpectedRow &e = m_expected[i];
        const QStringList expected = {QString::number(e.id), csvCell(e.externalId), csvCell(e.path), csvCell(e.department), e.labelSource,
                                      csvCell(e.predicted), e.confidence >= 0 ? QString::number(e.confidence, 'f', 4) : QString(),
                                      csvCell(e.model), e.status,
                                      // classified by a model that gave no out-of-scope score: not flagged, no score
                                      e.confidence >= 0 ? QStringLiteral("0") : QString(), QString()};
        QCOMPARE(rows[i + 1], expected);
    }
}

void TestExporter::jsonRowsEqualTheCatalog()
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(exported(ExportFormat::Json), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QVERIFY(document.isArray());
    const QJsonArray rows = document.array();
    QCOMPARE(rows.size(), m_expected.size());
    for (int i = 0; i < m_expected.size(); ++i) {
        const ExpectedRow &e = m_expected[i];
        const QJsonObject expected{{QStringLiteral("id"), e.id},
                                   {QStringLiteral("external_id"), orNull(e.externalId)},
                                   {QStringLiteral("path"), e.path},
                                   {QStringLiteral("department"), orNull(e.department)},
                                   {QStringLiteral("label_source"), orNull(e.labelSource)},
                                   {QStringLiteral("predicted"), orNull(e.predicted)},
                                   {QStringLiteral("confidence"), e.confidence >= 0 ? QJsonValue(e.confidence) : QJsonValue()},
                                   {QStringLiteral("model"), orNull(e.model)},
                                   {QStringLiteral("status"), e.status},
                                   {QStringLiteral("out_of_scope"), e.confidence >= 0 ? QJsonValue(false) : QJsonValue()},
                                   {QStringLiteral("out_of_scope_score"), QJsonValue()}};
        QCOMPARE(rows[i].toObject(), expected);
    }
}

void TestExporter::rowsFollowDecisions()
{
    {
        Catalog catalog(m_made.path);
        ReviewStore(catalog).choose(m_expected[3].id, m_made.departmentIds[2]);
    }
    const QJsonArray rows = QJsonDocument::fromJson(exported(ExportFormat::Json)).array();
    const QJsonObject row = rows[3].toObject();
    QCOMPARE(row.value(QStringLiteral("department")).toString(), QStringLiteral("=HYPERLINK(\"http://example.com\")"));
    QCOMPARE(row.value(QStringLiteral("label_source")).toString(), QStringLiteral("curator"));
    QCOMPARE(row.value(QStringLiteral("status")).toString(), QStringLiteral("confirmed"));
    QCOMPARE(row.value(QStringLiteral("predicted")).toString(), m_expected[3].predicted);
    const QList<QStringList> csv = parseCsvText(QString::fromUtf8(exported(ExportFormat::Csv)));
    QCOMPARE(csv[4][3], QStringLiteral("'=HYPERLINK(\"http://example.com\")"));
    QCOMPARE(csv[4][8], QStringLiteral("confirmed"));
}

QTEST_GUILESS_MAIN(TestExporter)
#include "tst_exporter.moc"
