#include "catalog/catalog.h"
#include "testcatalogs.h"
#include "testimages.h"
#include "throwawaypostgres.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

namespace {

QJsonObject parseJson(const QByteArray &text)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("not JSON (%s): %s", qPrintable(error.errorString()), text.constData());
    return document.object();
}

// The catalog a case's commands share: DIR/c.db, or a fresh database of the throwaway PostgreSQL cluster in the
// tst_cli_import_postgresql variant.
QString catalogIn(const QTemporaryDir &dir, const QString &fileName = QStringLiteral("c.db"))
{
    return newCatalogLocation(dir.path(), fileName);
}

} // namespace

class TestCliImport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void importsCsvAndPrintsJsonSummary();
    void titleColumnIsMapped();
    void importsDepartmentFoldersThenStats();
    void importsUnlabelledPaths();
    void departmentsCommandEditsAndLists();
    void twoConcurrentCsvImportsBothSucceed();
    void exitsThreeWhenNothingWasImported();
    void statsSaysWhichRunsWereInterrupted();
    void failsWithOneLineWhenItCannotRun_data();
    void failsWithOneLineWhenItCannotRun();
    void everyCommandHasHelp_data();
    void everyCommandHasHelp();
    void usageListsEachCommandInColumns();
};

void TestCliImport::initTestCase()
{
    QString error;
    QVERIFY2(prepareCatalogBackend(&error), qPrintable(error));
}

void TestCliImport::importsCsvAndPrintsJsonSummary()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("images/a.jpg")), solidImage(QStringLiteral("jpg"), 40, 30, {200, 0, 0}));
    writeFile(dir.filePath(QStringLiteral("images/b.png")), solidImage(QStringLiteral("png"), 40, 30, {0, 200, 0}));
    writeFile(dir.filePath(QStringLiteral("images/bad.jpg")), "plain text");
    writeFile(dir.filePath(QStringLiteral("labels.csv")),
              "Picture_name,department\r\na.jpg,Asian Art\r\nb.png,\"Arms and Armor\"\r\nbad.jpg,Asian Art\r\n"
              "missing.jpg,Asian Art\r\nonly-one-field\r\n");
    QByteArray out;
    QByteArray err;
    const int code = runCli({QStringLiteral("import"), QStringLiteral("--catalog"), catalogIn(dir),
                             QStringLiteral("--csv"), dir.filePath(QStringLiteral("labels.csv")), QStringLiteral("--images"),
                             dir.filePath(QStringLiteral("images")), QStringLiteral("--json")},
                            &out, &err);
    QCOMPARE(code, 0);
    const QJsonObject summary = parseJson(out);
    QCOMPARE(summary.value(QStringLiteral("imported")).toInt(), 2);
    QCOMPARE(summary.value(QStringLiteral("duplicates")).toInt(), 0);
    QVERIFY(summary.value(QStringLiteral("seconds")).isDouble());
    const QJsonArray failed = summary.value(QStringLiteral("failed")).toArray();
    QCOMPARE(failed.size(), 3);
    QStringList reasons;
    for (const QJsonValue &failure : failed) {
        QVERIFY(!failure.toObject().value(QStringLiteral("path")).toString().isEmpty());
        reasons << failure.toObject().value(QStringLiteral("reason")).toString();
    }
    QVERIFY2(reasons.join(QLatin1Char('|')).contains(QStringLiteral("not an image")), qPrintable(reasons.join(QLatin1Char('|'))));
    QVERIFY(reasons.join(QLatin1Char('|')).contains(QStringLiteral("no such file")));
    QVERIFY(reasons.join(QLatin1Char('|')).contains(QStringLiteral("too few fields")));
}

void TestCliImport::titleColumnIsMapped()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("images/a.jpg")), solidImage(QStringLiteral("jpg"), 40, 30, {200, 0, 0}));
    writeFile(dir.filePath(QStringLiteral("labels.csv")), "file,department,Name,notes\na.jpg,Asian Art,Celadon bowl,box 4\n");
    const QString catalogPath = catalogIn(dir);
    const int code = runCli({QStringLiteral("import"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--csv"),
                             dir.filePath(QStringLiteral("labels.csv")), QStringLiteral("--images"), dir.filePath(QStringLiteral("images")),
                             QStringLiteral("--title-column"), QStringLiteral("Name")});
    QCOMPARE(code, 0);
    Catalog catalog(catalogPath);
    QSqlQuery query = catalog.run(QStringLiteral("SELECT metadata FROM items"));
    QVERIFY(query.next());
    const QJsonObject metadata = QJsonDocument::fromJson(query.value(0).toByteArray()).object();
    QCOMPARE(metadata.value(QStringLiteral("title")).toString(), QStringLiteral("Celadon bowl"));
    QCOMPARE(metadata.value(QStringLiteral("csv_columns")).toObject().value(QStringLiteral("notes")).toString(), QStringLiteral("box 4"));
    QVERIFY(!metadata.contains(QStringLiteral("Name")) && !metadata.contains(QStringLiteral("notes")));
}

void TestCliImport::importsDepartmentFoldersThenStats()
{
    QTemporaryDir dir;
    writeDepartmentFolders(dir.filePath(QStringLiteral("tree")), {QStringLiteral("Asian Art"), QStringLiteral("Musical Instruments")}, 6);
    const QString catalogPath = catalogIn(dir);
    QByteArray out;
    QCOMPARE(runCli({QStringLiteral("import"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--folders"),
                     dir.filePath(QStringLiteral("tree")), QStringLiteral("--json")}, &out), 0);
    QCOMPARE(parseJson(out).value(QStringLiteral("imported")).toInt(), 12);

    QCOMPARE(runCli({QStringLiteral("stats"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--json")}, &out), 0);
    const QJsonObject stats = parseJson(out);
    QCOMPARE(stats.value(QStringLiteral("items")).toInt(), 12);
    QCOMPARE(stats.value(QStringLiteral("labelled")).toInt(), 12);
    QCOMPARE(stats.value(QStringLiteral("unlabelled")).toInt(), 0);
    const QJsonObject byDepartment = stats.value(QStringLiteral("by_department")).toObject();
    QCOMPARE(byDepartment.value(QStringLiteral("Asian Art")).toInt(), 6);
    QCOMPARE(byDepartment.value(QStringLiteral("Musical Instruments")).toInt(), 6);

    // Plain output is for people: a line per department.
    QCOMPARE(runCli({QStringLiteral("stats"), QStringLiteral("--catalog"), catalogPath}, &out), 0);
    QVERIFY(out.contains("12 items"));
    QVERIFY(out.contains("Musical Instruments"));
}

void TestCliImport::importsUnlabelledPaths()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("new/one.jpg")), solidImage(QStringLiteral("jpg"), 40, 30, {10, 0, 0}));
    writeFile(dir.filePath(QStringLiteral("new/two.tif")), solidImage(QStringLiteral("tif"), 40, 30, {0, 10, 0}));
    writeFile(dir.filePath(QStringLiteral("three.webp")), solidImage(QStringLiteral("webp"), 40, 30, {0, 0, 10}));
    const QString catalogPath = catalogIn(dir);
    QByteArray out;
    QCOMPARE(runCli({QStringLiteral("import"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--json"),
                     dir.filePath(QStringLiteral("new")), dir.filePath(QStringLiteral("three.webp"))}, &out), 0);
    QCOMPARE(parseJson(out).value(QStringLiteral("imported")).toInt(), 3);
    QCOMPARE(runCli({QStringLiteral("stats"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--json")}, &out), 0);
    QCOMPARE(parseJson(out).value(QStringLiteral("unlabelled")).toInt(), 3);
}

void TestCliImport::departmentsCommandEditsAndLists()
{
    QTemporaryDir dir;
    const QString catalogPath = catalogIn(dir);
    QByteArray out;
    QCOMPARE(runCli({QStringLiteral("departments"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--add"),
                     QStringLiteral("Arms and Armor"), QStringLiteral("--add"), QStringLiteral("American Decorative Arts")}), 0);
    QCOMPARE(runCli({QStringLiteral("departments"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--rename"),
                     QStringLiteral("American Decorative Arts=The American Wing"), QStringLiteral("--group"),
                     QStringLiteral("Arms and Armor=Objects"), QStringLiteral("--fixed"), QStringLiteral("yes"),
                     QStringLiteral("--json")}, &out), 0);
    const QJsonObject result = parseJson(out);
    QVERIFY(result.value(QStringLiteral("fixed")).toBool());
    const QJsonArray departments = result.value(QStringLiteral("departments")).toArray();
    QCOMPARE(departments.size(), 2);
    QCOMPARE(departments[0].toObject().value(QStringLiteral("group")).toString(), QStringLiteral("Objects"));
    QCOMPARE(departments[1].toObject().value(QStringLiteral("name")).toString(), QStringLiteral("The American Wing"));

    // A fixed list refuses departments it does not know.
    writeFile(dir.filePath(QStringLiteral("tree/Egyptian Art/x.jpg")), solidImage(QStringLiteral("jpg"), 20, 20, {}));
    writeFile(dir.filePath(QStringLiteral("tree/American Decorative Arts/y.jpg")), solidImage(QStringLiteral("jpg"), 21, 20, {}));
    QCOMPARE(runCli({QStringLiteral("import"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--folders"),
                     dir.filePath(QStringLiteral("tree")), QStringLiteral("--json")}, &out), 0);
    const QJsonObject summary = parseJson(out);
    QCOMPARE(summary.value(QStringLiteral("imported")).toInt(), 1); // the old name still resolves
    QVERIFY(summary.value(QStringLiteral("failed")).toArray()[0].toObject().value(QStringLiteral("reason")).toString().contains(QStringLiteral("unknown department")));
}

void TestCliImport::twoConcurrentCsvImportsBothSucceed()
{
    // Two overlapping CSVs of more than one batch each, sharing departments: the writers interleave batches,
    // create the same departments and meet each other's items as duplicates.
    QTemporaryDir dir;
    constexpr int kImages = 300;
    const QStringList departments = {QStringLiteral("Asian Art"), QStringLiteral("Arms and Armor"), QStringLiteral("Egyptian Art")};
    QByteArray first = "Picture_name,department\n";
    QByteArray second = first;
    for (int i = 0; i < kImages; ++i) {
        const QString name = QStringLiteral("img%1.png").arg(i);
        writeFile(dir.filePath(QStringLiteral("images/") + name), solidImage(QStringLiteral("png"), 16, 16, {i % 256, i / 256, 7}));
        const QByteArray row = name.toUtf8() + ',' + departments[i % departments.size()].toUtf8() + '\n';
        if (i < 200)
            first += row;
        if (i >= 100)
            second += row;
    }
    writeFile(dir.filePath(QStringLiteral("first.csv")), first);
    writeFile(dir.filePath(QStringLiteral("second.csv")), second);

    for (int trial = 0; trial < 6; ++trial) {
        const QString catalogPath = catalogIn(dir, QStringLiteral("c%1.db").arg(trial));
        QProcess processes[2];
        const QString csvs[2] = {dir.filePath(QStringLiteral("first.csv")), dir.filePath(QStringLiteral("second.csv"))};
        for (int p = 0; p < 2; ++p) {
            processes[p].start(QStringLiteral(ACCESSION_CLI_PATH),
                               {QStringLiteral("import"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--csv"), csvs[p],
                                QStringLiteral("--images"), dir.filePath(QStringLiteral("images")), QStringLiteral("--json")});
        }
        qint64 imported = 0;
        qint64 duplicates = 0;
        for (QProcess &process : processes) {
            QVERIFY(process.waitForFinished(300000));
            const QByteArray err = process.readAllStandardError();
            QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
                     qPrintable(QStringLiteral("trial %1: %2").arg(trial).arg(QString::fromUtf8(err))));
            const QJsonObject summary = parseJson(process.readAllStandardOutput());
            QVERIFY2(summary.value(QStringLiteral("failed")).toArray().isEmpty(),
                     QJsonDocument(summary).toJson().constData());
            imported += summary.value(QStringLiteral("imported")).toInt();
            duplicates += summary.value(QStringLiteral("duplicates")).toInt();
        }
        QCOMPARE(imported, qint64(kImages));
        QCOMPARE(duplicates, qint64(100));

        Catalog catalog(catalogPath);
        const CatalogStats stats = catalog.stats();
        QCOMPARE(stats.items, qint64(kImages));
        QCOMPARE(stats.labelled, qint64(kImages));
        QCOMPARE(catalog.departments().size(), departments.size());
        QCOMPARE(stats.importFailures, qint64(0));
        QSqlQuery labels = catalog.run(QStringLiteral("SELECT COUNT(*) FROM labels"));
        QVERIFY(labels.next());
        QCOMPARE(labels.value(0).toLongLong(), qint64(kImages)); // each item labelled once, not once per run
    }
}

void TestCliImport::exitsThreeWhenNothingWasImported()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("images/bad.jpg")), "plain text");
    writeFile(dir.filePath(QStringLiteral("labels.csv")), "Picture_name,department\nbad.jpg,Asian Art\nmissing.jpg,Asian Art\n");
    const QStringList arguments = {QStringLiteral("import"), QStringLiteral("--catalog"), catalogIn(dir),
                                   QStringLiteral("--csv"), dir.filePath(QStringLiteral("labels.csv")), QStringLiteral("--images"),
                                   dir.filePath(QStringLiteral("images"))};
    QByteArray out;
    QByteArray err;
    QCOMPARE(runCli(arguments + QStringList{QStringLiteral("--json")}, &out, &err), 3);
    const QJsonObject summary = parseJson(out); // the summary is still printed in full
    QCOMPARE(summary.value(QStringLiteral("imported")).toInt(), 0);
    QCOMPARE(summary.value(QStringLiteral("failed")).toArray().size(), 2);

    QCOMPARE(runCli(arguments, &out, &err), 3);
    QVERIFY2(out.contains("0 imported"), out.constData());
    QVERIFY2(err.contains("bad.jpg") && err.contains("missing.jpg"), err.constData());

    // Once one row is good the command succeeded, although others failed; and a later run that finds
    // everything good already in the catalog is no failure either.
    writeFile(dir.filePath(QStringLiteral("images/good.jpg")), solidImage(QStringLiteral("jpg"), 20, 20, {1, 2, 3}));
    writeFile(dir.filePath(QStringLiteral("labels.csv")),
              "Picture_name,department\nbad.jpg,Asian Art\nmissing.jpg,Asian Art\ngood.jpg,Asian Art\n");
    QCOMPARE(runCli(arguments, &out, &err), 0);
    QCOMPARE(runCli(arguments, &out, &err), 0);
    QVERIFY2(out.contains("0 imported, 1 duplicates"), out.constData());
}

void TestCliImport::statsSaysWhichRunsWereInterrupted()
{
    QTemporaryDir dir;
    const QString catalogPath = catalogIn(dir);
    writeFile(dir.filePath(QStringLiteral("in/a.jpg")), solidImage(QStringLiteral("jpg"), 20, 20, {1, 2, 3}));
    QCOMPARE(runCli({QStringLiteral("import"), QStringLiteral("--catalog"), catalogPath, dir.filePath(QStringLiteral("in"))}), 0);
    {
        // As a killed import leaves it: 'running', with the pid of a process that has ended.
        QProcess child;
        child.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("exit 0")});
        QVERIFY(child.waitForStarted());
        const qint64 deadPid = child.processId();
        QVERIFY(child.waitForFinished());
        Catalog catalog(catalogPath);
        const qint64 run = catalog.beginImportRun(QStringLiteral("killed"));
        catalog.run(QStringLiteral("UPDATE import_runs SET pid = :pid WHERE id = :id"),
                    {{QStringLiteral("pid"), deadPid}, {QStringLiteral("id"), run}});
    }
    QByteArray out;
    QCOMPARE(runCli({QStringLiteral("stats"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--json")}, &out), 0);
    const QJsonObject runs = parseJson(out).value(QStringLiteral("import_runs")).toObject();
    QCOMPARE(runs.value(QStringLiteral("finished")).toInt(), 1);
    QCOMPARE(runs.value(QStringLiteral("interrupted")).toInt(), 1);
    QVERIFY(!runs.contains(QStringLiteral("running")));
    QCOMPARE(runCli({QStringLiteral("stats"), QStringLiteral("--catalog"), catalogPath}, &out), 0);
    QVERIFY2(out.contains("1 import runs were interrupted"), out.constData());
}

void TestCliImport::failsWithOneLineWhenItCannotRun_data()
{
    QTest::addColumn<QString>("scenario");
    QTest::newRow("no such csv") << QStringLiteral("missing-csv");
    QTest::newRow("newer schema") << QStringLiteral("newer-schema");
    QTest::newRow("catalog unwritable") << QStringLiteral("unwritable");
    QTest::newRow("stats on missing catalog") << QStringLiteral("missing-catalog");
    QTest::newRow("unknown option") << QStringLiteral("bad-option");
    QTest::newRow("two sources") << QStringLiteral("two-sources");
}

void TestCliImport::failsWithOneLineWhenItCannotRun()
{
    // File cases (a catalog file of a newer schema, an unwritable one, a missing one): SQLite only. A PostgreSQL
    // catalog's own failures (an unreachable server, a wrong password, a newer schema) are tst_catalog_postgresql's.
    if (testsUsePostgres())
        QSKIP("catalog files only: the SQLite run covers these");
    QFETCH(QString, scenario);
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("c.db"));
    QDir().mkpath(dir.filePath(QStringLiteral("images")));
    QStringList arguments;
    if (scenario == QLatin1String("missing-csv")) {
        arguments = {QStringLiteral("import"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--csv"),
                     dir.filePath(QStringLiteral("nope.csv")), QStringLiteral("--images"), dir.filePath(QStringLiteral("images"))};
    } else if (scenario == QLatin1String("newer-schema")) {
        {
            Catalog catalog(catalogPath, Catalog::OpenMode::CreateIfMissing);
            catalog.setSetting(QStringLiteral("schema_version"), QStringLiteral("99"));
        }
        arguments = {QStringLiteral("import"), QStringLiteral("--catalog"), catalogPath, dir.filePath(QStringLiteral("images"))};
    } else if (scenario == QLatin1String("unwritable")) {
        arguments = {QStringLiteral("import"), QStringLiteral("--catalog"), dir.filePath(QStringLiteral("images")),
                     dir.filePath(QStringLiteral("images"))};
    } else if (scenario == QLatin1String("missing-catalog")) {
        arguments = {QStringLiteral("stats"), QStringLiteral("--catalog"), catalogPath};
    } else if (scenario == QLatin1String("bad-option")) {
        arguments = {QStringLiteral("stats"), QStringLiteral("--catalgo"), catalogPath};
    } else {
        arguments = {QStringLiteral("import"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--folders"),
                     dir.path(), dir.filePath(QStringLiteral("images"))};
    }
    QByteArray out;
    QByteArray err;
    const int code = runCli(arguments, &out, &err);
    QVERIFY2(code != 0, err.constData());
    const QList<QByteArray> lines = err.trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines[0].contains("error"), err.constData());
    QVERIFY(!err.contains("terminate called"));
    QVERIFY(out.isEmpty());
}

void TestCliImport::everyCommandHasHelp_data()
{
    QTest::addColumn<QString>("command");
    for (const char *command : {"import", "stats", "departments", "train", "evaluate", "models", "classify", "review", "decide",
                                "export", "met-import", "iiif-import"})
        QTest::newRow(command) << QString::fromLatin1(command);
}

void TestCliImport::everyCommandHasHelp()
{
    QFETCH(QString, command);
    QByteArray out;
    QCOMPARE(runCli({command, QStringLiteral("--help")}, &out), 0);
    QVERIFY2(out.contains(QByteArray("Usage: accession-cli " + command.toUtf8())), out.constData());
    QVERIFY(out.contains("--catalog"));
}

// The man page is made from this list: a name that runs into its summary ("near-duplicatesfind ...") reads as one word.
void TestCliImport::usageListsEachCommandInColumns()
{
    QByteArray out;
    QCOMPARE(runCli({QStringLiteral("--help")}, &out), 0);
    const QString text = QString::fromUtf8(out);
    const qsizetype commandsAt = text.indexOf(QStringLiteral("Commands:\n"));
    QVERIFY2(commandsAt >= 0, out.constData());
    const QStringList lines = text.mid(commandsAt + 10).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY2(lines.size() >= 12, out.constData());
    const QRegularExpression row(QStringLiteral("^  ([a-z-]+)  +(\\S.*)$"));
    qsizetype summaryColumn = -1;
    QStringList names;
    for (const QString &line : lines) {
        const QRegularExpressionMatch match = row.match(line);
        QVERIFY2(match.hasMatch(), qPrintable(QStringLiteral("not 'name  summary': '%1'").arg(line)));
        if (summaryColumn < 0)
            summaryColumn = match.capturedStart(2);
        QCOMPARE(match.capturedStart(2), summaryColumn);
        names << match.captured(1);
    }
    for (const char *command : {"label-issues", "near-duplicates", "met-import", "iiif-import"})
        QVERIFY2(names.contains(QLatin1String(command)), command);
    // Each listed command answers --help with its own usage.
    for (const QString &name : std::as_const(names)) {
        QCOMPARE(runCli({name, QStringLiteral("--help")}, &out), 0);
        QVERIFY2(out.startsWith(QByteArray("Usage: accession-cli " + name.toUtf8())), out.constData());
    }
}

QTEST_GUILESS_MAIN(TestCliImport)
#include "tst_cli_import.moc"
