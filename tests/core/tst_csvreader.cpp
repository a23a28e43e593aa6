#include "ingest/csvreader.h"

#include <QTemporaryDir>
#include <QTest>

using namespace accession;

class TestCsvReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsPlainRows();
    void quotedFieldsKeepCommasQuotesAndNewlines();
    void stripsUtf8ByteOrderMark();
    void acceptsCrlfAndMissingFinalNewline();
    void keepsEmptyFields();
    void reportsLineNumbersAcrossMultilineFields();
    void reportsUnclosedQuote();
    void readsLargeFilesAcrossBufferBoundaries();
    void reportsMissingFile();
};

void TestCsvReader::readsPlainRows()
{
    const auto rows = parseCsvText(QStringLiteral("Picture_name,department\na.jpg,Asian Art\nb.jpg,Arms and Armor\n"));
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[1], (QStringList{QStringLiteral("a.jpg"), QStringLiteral("Asian Art")}));
    QCOMPARE(rows[2][1], QStringLiteral("Arms and Armor"));
}

void TestCsvReader::quotedFieldsKeepCommasQuotesAndNewlines()
{
    const auto rows = parseCsvText(QStringLiteral(
        "id,title,department\n"
        "1,\"Armor (Gusoku), Japanese\",\"Arms and Armor\"\n"
        "2,\"The \"\"Great\"\" Vase\",Asian Art\n"
        "3,\"Line one\nLine two\",Drawings and Prints\n"));
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows[1][1], QStringLiteral("Armor (Gusoku), Japanese"));
    QCOMPARE(rows[1].size(), 3);
    QCOMPARE(rows[2][1], QStringLiteral("The \"Great\" Vase"));
    QCOMPARE(rows[3][1], QStringLiteral("Line one\nLine two"));
    QCOMPARE(rows[3][2], QStringLiteral("Drawings and Prints"));
}

void TestCsvReader::stripsUtf8ByteOrderMark()
{
    const auto rows = parseCsvText(QString(QChar(0xFEFF)) + QStringLiteral("Object ID,Department\n1,Égyptian Art\n"));
    QCOMPARE(rows[0][0], QStringLiteral("Object ID"));
    QCOMPARE(rows[1][1], QStringLiteral("Égyptian Art"));
}

void TestCsvReader::acceptsCrlfAndMissingFinalNewline()
{
    const auto rows = parseCsvText(QStringLiteral("a,b\r\n1,\"x\r\ny\"\r\n2,z"));
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[0], (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
    QCOMPARE(rows[1][1], QStringLiteral("x\r\ny"));
    QCOMPARE(rows[2], (QStringList{QStringLiteral("2"), QStringLiteral("z")}));
}

void TestCsvReader::keepsEmptyFields()
{
    const auto rows = parseCsvText(QStringLiteral("a,b,c\n,,\n\"\",x,\n"));
    QCOMPARE(rows[1], (QStringList{QString(), QString(), QString()}));
    QCOMPARE(rows[2], (QStringList{QString(), QStringLiteral("x"), QString()}));
}

void TestCsvReader::reportsLineNumbersAcrossMultilineFields()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("t.csv"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("h1,h2\n1,\"two\nlines\"\n2,x\r\n3,y\n");
    file.close();
    CsvReader reader(path);
    QVERIFY(reader.open());
    CsvReader::Row row;
    QList<qint64> lines;
    while (reader.readRow(row))
        lines.push_back(row.line);
    QCOMPARE(lines, (QList<qint64>{1, 2, 4, 5}));
}

void TestCsvReader::reportsUnclosedQuote()
{
    QString error;
    const auto rows = parseCsvText(QStringLiteral("a,b\n1,\"never closed\n2,3\n"), &error);
    QCOMPARE(rows.size(), 1);
    QVERIFY2(error.contains(QStringLiteral("line 2")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("never closed")), qPrintable(error));
}

void TestCsvReader::readsLargeFilesAcrossBufferBoundaries()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("big.csv"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("\xEF\xBB\xBFid,title\r\n");
    constexpr int kRows = 40000;
    for (int i = 0; i < kRows; ++i)
        file.write(QStringLiteral("%1,\"Ünïcode title, number \"\"%1\"\"\nsecond line\"\r\n").arg(i).toUtf8());
    file.close();
    QVERIFY(file.size() > (2 << 20)); // spans several read buffers

    CsvReader reader(path);
    QVERIFY(reader.open());
    CsvReader::Row row;
    QVERIFY(reader.readRow(row));
    QCOMPARE(row.fields[0], QStringLiteral("id"));
    int count = 0;
    while (reader.readRow(row)) {
        QCOMPARE(row.fields.size(), 2);
        QCOMPARE(row.fields[0], QString::number(count));
        QCOMPARE(row.fields[1], QStringLiteral("Ünïcode title, number \"%1\"\nsecond line").arg(count));
        ++count;
    }
    QVERIFY2(reader.error().isEmpty(), qPrintable(reader.error()));
    QCOMPARE(count, kRows);
}

void TestCsvReader::reportsMissingFile()
{
    CsvReader reader(QStringLiteral("/nonexistent/labels.csv"));
    QVERIFY(!reader.open());
    QVERIFY(reader.error().contains(QStringLiteral("/nonexistent/labels.csv")));
}

QTEST_GUILESS_MAIN(TestCsvReader)
#include "tst_csvreader.moc"
