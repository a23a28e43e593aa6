#include "ingest/csvreader.h"

#include <QBuffer>
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
    void readsLatin1AsWindows1252WithAWarning();
    void utf8SplitAcrossReadsIsNoEncodingProblem();
    void stopsAtAnOverlongRecord();
};

namespace {

QList<QStringList> readAll(const QByteArray &bytes, QStringList *warnings, QString *error = nullptr,
                           qsizetype maxRecordChars = CsvReader::kMaxRecordChars)
{
    QByteArray copy = bytes;
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    CsvReader reader(&buffer, QStringLiteral("labels.csv"));
    reader.setMaxRecordChars(maxRecordChars);
    reader.open();
    QList<QStringList> rows;
    CsvReader::Row row;
    while (reader.readRow(row))
        rows.push_back(row.fields);
    *warnings = reader.warnings();
    if (error)
        *error = reader.error();
    return rows;
}

} // namespace

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

void TestCsvReader::readsLatin1AsWindows1252WithAWarning()
{
    // As Excel on Windows saves it: é is one byte (0xE9), the curly apostrophe is 0x92.
    QStringList warnings;
    const auto rows = readAll(QByteArray("Picture_name,department,title\r\na.jpg,Asian Art,Vase\r\n"
                                         "caf\xE9.jpg,D\xE9partement,Saint\x92s day\r\n"),
                              &warnings);
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[2][0], QStringLiteral("caf\u00E9.jpg"));
    QCOMPARE(rows[2][1], QStringLiteral("D\u00E9partement"));
    QCOMPARE(rows[2][2], QStringLiteral("Saint\u2019s day"));
    QCOMPARE(warnings.size(), 1);
    QVERIFY2(warnings[0].contains(QStringLiteral("labels.csv")) && warnings[0].contains(QStringLiteral("line 3"))
                 && warnings[0].contains(QStringLiteral("Windows-1252")),
             qPrintable(warnings[0]));

    // UTF-8 text says nothing.
    readAll(QStringLiteral("a,b\nD\u00E9partement,\u6771\u6D0B\n").toUtf8(), &warnings);
    QVERIFY(warnings.isEmpty());
    // A byte sequence cut off by the end of the file is not UTF-8 either.
    const auto cut = readAll(QByteArray("a,b\n1,x\xC3"), &warnings);
    QCOMPARE(cut.last().last(), QStringLiteral("x\u00C3"));
    QCOMPARE(warnings.size(), 1);
}

void TestCsvReader::utf8SplitAcrossReadsIsNoEncodingProblem()
{
    // A two-byte é straddling the reader's 1 MiB read, and a four-byte character on the next one.
    QByteArray bytes = "id,title\n";
    const QByteArray filler(((1 << 20) - 1) - bytes.size() - 2, 'x');
    bytes += "1," + filler + "\xC3\xA9\n";
    QVERIFY(bytes.indexOf("\xC3\xA9") == (1 << 20) - 1);
    bytes += "2,\xF0\x9F\x8F\xBA\n";
    QStringList warnings;
    const auto rows = readAll(bytes, &warnings);
    QVERIFY(warnings.isEmpty());
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[1][1], QString::fromLatin1(filler) + QChar(0x00E9));
    QCOMPARE(rows[2][1], QString::fromUcs4(U"\U0001F3FA"));
}

void TestCsvReader::stopsAtAnOverlongRecord()
{
    // An unclosed quote early in a big file would otherwise hold the rest of the file as one field.
    QByteArray bytes = "a,b\n1,2\n3,\"never closed\n";
    for (int i = 0; i < 2000; ++i)
        bytes += "more text that belongs to no record,\n";
    QStringList warnings;
    QString error;
    const auto rows = readAll(bytes, &warnings, &error, 1000);
    QCOMPARE(rows.size(), 2);
    QVERIFY2(error.contains(QStringLiteral("labels.csv")) && error.contains(QStringLiteral("line 3"))
                 && error.contains(QStringLiteral("longer than 1000")),
             qPrintable(error));
    // Records up to the limit are fine.
    const auto fits = readAll("a,b\n1," + QByteArray(990, 'y') + "\n", &warnings, &error, 1000);
    QCOMPARE(fits.size(), 2);
    QVERIFY(error.isEmpty());
}

QTEST_GUILESS_MAIN(TestCsvReader)
#include "tst_csvreader.moc"
