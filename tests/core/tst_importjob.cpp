#include "catalog/catalog.h"
#include "ingest/csvreader.h"
#include "ingest/exporter.h"
#include "jobs/importjob.h"
#include "testcatalogs.h"
#include "testimages.h"

#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/resource.h>
#include <sys/stat.h>

using namespace accession;
using namespace accession::test;

namespace {

ImportSummary runImport(const QString &catalogPath, const ImportRequest &request, bool *finished = nullptr)
{
    ImportJob job(catalogPath, request);
    const bool ok = job.exec();
    if (finished)
        *finished = ok;
    return job.summary();
}

ImportRequest folderRequest(const QString &dir)
{
    ImportRequest request;
    request.source = ImportRequest::Source::DepartmentFolders;
    request.foldersDir = dir;
    return request;
}

ImportRequest pathRequest(const QStringList &paths)
{
    ImportRequest request;
    request.source = ImportRequest::Source::Unlabelled;
    request.paths = paths;
    return request;
}

QString reasonFor(const ImportSummary &summary, const QString &fileName)
{
    for (const Problem &failure : summary.failures) {
        if (failure.path.endsWith(fileName))
            return failure.reason;
    }
    return QString();
}

} // namespace

class TestImportJob : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void importsEveryFormatAndReportsEveryBadFile();
    void importsCsvWithLabelsAndMetadata();
    void recognisesDuplicatesByContent();
    void refusesUnknownDepartmentWhenListIsFixed();
    void cancelKeepsCommittedBatchesAndResumes();
    void copiesImagesBesideTheCatalogWhenAsked();
    void findsMovedFileAgainByHash();
    void failedWriteKeepsWhatWasStored();
    void reportsProgress();
    void refusesRowsWhoseDepartmentNameCannotBeOne();
    void neverOpensAFifo();
    void marksRunsOfDeadImportsInterruptedAndRecordsWarnings();
    void exportedCsvNeutralisesFormulasAndJsonStaysExact();
};

void TestImportJob::importsEveryFormatAndReportsEveryBadFile()
{
    QTemporaryDir dir;
    const QString in = dir.filePath(QStringLiteral("in"));
    writeFile(in + QStringLiteral("/Asian Art/vase.jpg"), solidImage(QStringLiteral("jpg"), 120, 80, {200, 10, 10}));
    writeFile(in + QStringLiteral("/Asian Art/scroll.png"), solidImage(QStringLiteral("png"), 50, 150, {10, 200, 10}));
    writeFile(in + QStringLiteral("/Asian Art/screen.tif"), sixteenBitImage(QStringLiteral("tif"), 64, 64, 1000, 50000, 3000));
    writeFile(in + QStringLiteral("/Arms and Armor/helmet.webp"), solidImage(QStringLiteral("webp"), 90, 90, {90, 90, 90}));
    writeFile(in + QStringLiteral("/Arms and Armor/sword.bmp"), solidImage(QStringLiteral("bmp"), 30, 200, {1, 2, 3}));
    writeFile(in + QStringLiteral("/Arms and Armor/rotated.jpg"),
              withExifOrientation(solidImage(QStringLiteral("jpg"), 100, 40, {5, 5, 250}), 6));
    writeFile(in + QStringLiteral("/Arms and Armor/cmyk.jpg"), cmykJpeg(40, 40, 0, 255, 0, 0));
    writeFile(in + QStringLiteral("/Arms and Armor/alpha.png"), alphaPng(40, 40, {0, 0, 0}, 0));
    const QByteArray good = solidImage(QStringLiteral("jpg"), 64, 64, {50, 60, 70});
    writeFile(in + QStringLiteral("/Asian Art/empty.jpg"), QByteArray());
    writeFile(in + QStringLiteral("/Asian Art/truncated.jpg"), good.left(good.size() / 2));
    writeFile(in + QStringLiteral("/Asian Art/notes.jpg"), "Inventory notes, typed in a text editor.\n");
    writeFile(in + QStringLiteral("/Asian Art/giant.png"), pngClaimingSize(100000, 100000));

    const QString catalogPath = dir.filePath(QStringLiteral("c.db"));
    bool finished = false;
    const ImportSummary summary = runImport(catalogPath, folderRequest(in), &finished);
    QVERIFY(finished);
    QCOMPARE(summary.imported, 8);
    QCOMPARE(summary.failures.size(), 4);
    QVERIFY2(reasonFor(summary, QStringLiteral("empty.jpg")).contains(QStringLiteral("empty file")), qPrintable(reasonFor(summary, QStringLiteral("empty.jpg"))));
    QVERIFY(reasonFor(summary, QStringLiteral("truncated.jpg")).contains(QStringLiteral("truncated")));
    QVERIFY(reasonFor(summary, QStringLiteral("notes.jpg")).contains(QStringLiteral("not an image")));
    QVERIFY(reasonFor(summary, QStringLiteral("giant.png")).contains(QStringLiteral("too large")));

    Catalog catalog(catalogPath);
    QCOMPARE(catalog.itemCount(), 8);
    const QVector<ImportFailureRecord> recorded = catalog.importFailures(summary.runId);
    QCOMPARE(recorded.size(), 4);
    const CatalogStats stats = catalog.stats();
    QCOMPARE(stats.labelled, 8);
    QCOMPARE(stats.byDepartment.size(), 2);
    for (const ItemRecord &item : catalog.items(0, 100)) {
        QVERIFY2(!catalog.thumbnailJpeg(item.id).isEmpty(), qPrintable(item.path));
        QCOMPARE(item.labelSource, std::optional<LabelSource>(LabelSource::Imported));
        if (item.path.endsWith(QStringLiteral("rotated.jpg"))) {
            QCOMPARE(item.width, 40); // orientation 6 turns 100 x 40 into 40 x 100
            QCOMPARE(item.height, 100);
        }
    }
}

void TestImportJob::importsCsvWithLabelsAndMetadata()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("img/1.jpg")), solidImage(QStringLiteral("jpg"), 20, 20, {1, 1, 1}));
    writeFile(dir.filePath(QStringLiteral("img/2.jpg")), solidImage(QStringLiteral("jpg"), 20, 20, {2, 2, 2}));
    writeFile(dir.filePath(QStringLiteral("c.csv")), "Object ID,Department,Title\n1,Asian Art,\"Bowl, celadon\"\n2,,Untitled\n");
    ImportRequest request;
    request.source = ImportRequest::Source::Csv;
    request.csvPath = dir.filePath(QStringLiteral("c.csv"));
    request.imagesDir = dir.filePath(QStringLiteral("img"));
    const ImportSummary summary = runImport(dir.filePath(QStringLiteral("c.db")), request);
    QCOMPARE(summary.imported, 2);
    Catalog catalog(dir.filePath(QStringLiteral("c.db")));
    const ItemRecord first = *catalog.item(summary.itemIds[0]);
    QCOMPARE(first.externalId, QStringLiteral("1"));
    QCOMPARE(first.department, QStringLiteral("Asian Art"));
    QCOMPARE(first.metadata.value(QStringLiteral("title")).toString(), QStringLiteral("Bowl, celadon"));
    QCOMPARE(catalog.item(summary.itemIds[1])->labelId, 0); // an empty department leaves it unlabelled
}

void TestImportJob::recognisesDuplicatesByContent()
{
    QTemporaryDir dir;
    const QByteArray bytes = solidImage(QStringLiteral("png"), 30, 30, {9, 8, 7});
    writeFile(dir.filePath(QStringLiteral("in/a.png")), bytes);
    writeFile(dir.filePath(QStringLiteral("in/copy of a.png")), bytes);
    writeFile(dir.filePath(QStringLiteral("in/b.png")), solidImage(QStringLiteral("png"), 31, 30, {9, 8, 7}));
    const QString catalogPath = dir.filePath(QStringLiteral("c.db"));
    const ImportSummary first = runImport(catalogPath, pathRequest({dir.filePath(QStringLiteral("in"))}));
    QCOMPARE(first.imported, 2);
    QCOMPARE(first.duplicates, 1);
    QCOMPARE(first.itemIds.size(), 3);
    QCOMPARE(first.itemIds[0], first.itemIds[2]); // "a.png" and "copy of a.png" are one item

    const ImportSummary again = runImport(catalogPath, pathRequest({dir.filePath(QStringLiteral("in"))}));
    QCOMPARE(again.imported, 0);
    QCOMPARE(again.duplicates, 3);
    QCOMPARE(Catalog(catalogPath).itemCount(), 2);
}

void TestImportJob::refusesUnknownDepartmentWhenListIsFixed()
{
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("c.db"));
    {
        Catalog catalog(catalogPath, Catalog::OpenMode::CreateIfMissing);
        catalog.addDepartment(QStringLiteral("Asian Art"));
        catalog.setDepartmentsFixed(true);
    }
    writeFile(dir.filePath(QStringLiteral("in/Asian Art/a.jpg")), solidImage(QStringLiteral("jpg"), 20, 20, {1, 2, 3}));
    writeFile(dir.filePath(QStringLiteral("in/Egyptian Art/b.jpg")), solidImage(QStringLiteral("jpg"), 20, 20, {3, 2, 1}));
    const ImportSummary summary = runImport(catalogPath, folderRequest(dir.filePath(QStringLiteral("in"))));
    QCOMPARE(summary.imported, 1);
    QCOMPARE(summary.failures.size(), 1);
    QVERIFY(summary.failures[0].reason.contains(QStringLiteral("unknown department 'Egyptian Art'")));
    QCOMPARE(Catalog(catalogPath).departments().size(), 1);
}

void TestImportJob::cancelKeepsCommittedBatchesAndResumes()
{
    QTemporaryDir dir;
    const QString in = dir.filePath(QStringLiteral("in"));
    constexpr int kPerDepartment = 200;
    writeDepartmentFolders(in, {QStringLiteral("Asian Art"), QStringLiteral("Arms and Armor"), QStringLiteral("Egyptian Art")},
                           kPerDepartment, 32);
    const QString catalogPath = dir.filePath(QStringLiteral("c.db"));

    ImportJob job(catalogPath, folderRequest(in));
    connect(&job, &Job::progress, &job, [&job](qint64 done, qint64, const QString &) {
        if (done >= ImportJob::kBatchSize)
            job.cancel();
    });
    QSignalSpy cancelled(&job, &Job::cancelled);
    QVERIFY(!job.exec());
    QCOMPARE(cancelled.size(), 1);
    const ImportSummary partial = job.summary();
    QVERIFY(partial.cancelled);

    Catalog catalog(catalogPath);
    const qint64 stored = catalog.itemCount();
    QCOMPARE(stored, partial.imported);
    QVERIFY2(stored > 0 && stored < 3 * kPerDepartment, qPrintable(QString::number(stored)));
    QCOMPARE(stored % ImportJob::kBatchSize, 0); // whole batches only
    QSqlQuery incomplete = catalog.run(QStringLiteral("SELECT COUNT(*) FROM items i LEFT JOIN thumbnails t ON t.item_id = i.id"
                                                      " WHERE t.item_id IS NULL OR i.current_label_id IS NULL"));
    QVERIFY(incomplete.next());
    QCOMPARE(incomplete.value(0).toLongLong(), 0);
    incomplete.finish(); // an open statement would pin this connection's snapshot

    const ImportSummary resumed = runImport(catalogPath, folderRequest(in));
    QCOMPARE(resumed.imported + resumed.duplicates, 3 * kPerDepartment);
    QCOMPARE(resumed.duplicates, stored);
    QCOMPARE(catalog.itemCount(), 3 * kPerDepartment);
}

void TestImportJob::copiesImagesBesideTheCatalogWhenAsked()
{
    QTemporaryDir dir;
    const QString source = dir.filePath(QStringLiteral("download/object.jpg"));
    writeFile(source, solidImage(QStringLiteral("jpg"), 20, 20, {100, 0, 0}));
    ImportRequest request = pathRequest({source});
    request.copyIntoCatalog = true;
    const QString catalogPath = dir.filePath(QStringLiteral("c.db"));
    const ImportSummary summary = runImport(catalogPath, request);
    QCOMPARE(summary.imported, 1);
    QVERIFY(QFile::remove(source));
    Catalog catalog(catalogPath);
    const ItemRecord item = *catalog.item(summary.itemIds[0]);
    QVERIFY(item.storedCopy);
    QVERIFY2(item.path.startsWith(catalog.imageStoreDir()), qPrintable(item.path));
    QVERIFY(QFile::exists(item.path));
    QCOMPARE(item.metadata.value(QStringLiteral("original_path")).toString(), source);
}

void TestImportJob::findsMovedFileAgainByHash()
{
    QTemporaryDir dir;
    const QString before = dir.filePath(QStringLiteral("old/place/object.jpg"));
    writeFile(before, solidImage(QStringLiteral("jpg"), 20, 20, {0, 100, 0}));
    const QString catalogPath = dir.filePath(QStringLiteral("c.db"));
    const ImportSummary first = runImport(catalogPath, pathRequest({before}));
    const QString after = dir.filePath(QStringLiteral("new/renamed.jpg"));
    QDir().mkpath(dir.filePath(QStringLiteral("new")));
    QVERIFY(QFile::rename(before, after));

    const ImportSummary second = runImport(catalogPath, pathRequest({dir.filePath(QStringLiteral("new"))}));
    QCOMPARE(second.imported, 0);
    QCOMPARE(second.duplicates, 1);
    QCOMPARE(second.relocated, 1);
    QCOMPARE(Catalog(catalogPath).item(first.itemIds[0])->path, after);
}

void TestImportJob::failedWriteKeepsWhatWasStored()
{
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("c.db"));
    writeDepartmentFolders(dir.filePath(QStringLiteral("first")), {QStringLiteral("Asian Art")}, 50, 32, 1);
    writeDepartmentFolders(dir.filePath(QStringLiteral("second")), {QStringLiteral("Asian Art")}, 600, 96, 2);
    QCOMPARE(runImport(catalogPath, folderRequest(dir.filePath(QStringLiteral("first")))).imported, 50);

    // Let files grow only a little further: the second import runs out of room, as on a full disk.
    const qint64 largest = std::max(QFileInfo(catalogPath).size(), QFileInfo(catalogPath + QStringLiteral("-wal")).size());
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit original{};
    getrlimit(RLIMIT_FSIZE, &original);
    rlimit limited = original;
    limited.rlim_cur = rlim_t(largest + 200 * 1024);
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &limited), 0);
    ImportJob job(catalogPath, folderRequest(dir.filePath(QStringLiteral("second"))));
    QSignalSpy failed(&job, &Job::failed);
    const bool ok = job.exec();
    setrlimit(RLIMIT_FSIZE, &original);
    QVERIFY(!ok);
    QCOMPARE(failed.size(), 1);
    const QString message = failed.first().first().toString();
    QVERIFY2(message.contains(catalogPath), qPrintable(message));

    Catalog catalog(catalogPath);
    QSqlQuery integrity = catalog.run(QStringLiteral("PRAGMA integrity_check"));
    QVERIFY(integrity.next());
    QCOMPARE(integrity.value(0).toString(), QStringLiteral("ok"));
    const qint64 count = catalog.itemCount();
    QVERIFY2(count >= 50 && count < 650, qPrintable(QString::number(count)));
    QCOMPARE((count - 50) % ImportJob::kBatchSize, 0);
}

void TestImportJob::reportsProgress()
{
    QTemporaryDir dir;
    writeDepartmentFolders(dir.filePath(QStringLiteral("in")), {QStringLiteral("A"), QStringLiteral("B")}, 150, 24);
    ImportJob job(dir.filePath(QStringLiteral("c.db")), folderRequest(dir.filePath(QStringLiteral("in"))));
    QSignalSpy progress(&job, &Job::progress);
    QSignalSpy finished(&job, &Job::finished);
    QVERIFY(job.exec());
    QCOMPARE(finished.size(), 1);
    QVERIFY(progress.size() >= 3);
    QCOMPARE(progress.last().at(0).toLongLong(), 300);
    QCOMPARE(progress.last().at(1).toLongLong(), 300);
}

void TestImportJob::refusesRowsWhoseDepartmentNameCannotBeOne()
{
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("c.db"));
    for (int i = 0; i < 4; ++i)
        writeFile(dir.filePath(QStringLiteral("img/%1.jpg").arg(i)), solidImage(QStringLiteral("jpg"), 20, 20, {i, 1, 1}));
    const QByteArray huge(100 * 1024, 'x');
    writeFile(dir.filePath(QStringLiteral("c.csv")), "Picture_name,department\n0.jpg,Asian Art\n1.jpg," + huge
                                                         + "\n2.jpg,\"Two\nlines\"\n3.jpg,Arms and Armor\n");
    ImportRequest request;
    request.source = ImportRequest::Source::Csv;
    request.csvPath = dir.filePath(QStringLiteral("c.csv"));
    request.imagesDir = dir.filePath(QStringLiteral("img"));
    ImportSummary summary = runImport(catalogPath, request);
    QCOMPARE(summary.imported, 2); // the rest goes on
    QCOMPARE(summary.failures.size(), 2);
    QVERIFY2(reasonFor(summary, QStringLiteral("1.jpg")).contains(QStringLiteral("too long: 102400 characters")),
             qPrintable(reasonFor(summary, QStringLiteral("1.jpg")).left(200)));
    QVERIFY(reasonFor(summary, QStringLiteral("1.jpg")).size() < 300); // the reason does not carry the name
    QVERIFY(reasonFor(summary, QStringLiteral("2.jpg")).contains(QStringLiteral("line break")));
    {
        Catalog catalog(catalogPath);
        QCOMPARE(catalog.departments().size(), 2);
        for (const Department &department : catalog.departments())
            QVERIFY(department.name.size() <= Catalog::kMaxDepartmentNameLength);
        QCOMPARE(catalog.importFailures(summary.runId).size(), 2); // recorded, not only reported
    }

    // The limit is the request's: with 10, "Asian Art" (already there) still resolves, new long names do not.
    writeFile(dir.filePath(QStringLiteral("img/4.jpg")), solidImage(QStringLiteral("jpg"), 20, 20, {4, 1, 1}));
    writeFile(dir.filePath(QStringLiteral("img/5.jpg")), solidImage(QStringLiteral("jpg"), 20, 20, {5, 1, 1}));
    writeFile(dir.filePath(QStringLiteral("c.csv")), "Picture_name,department\n4.jpg,Asian Art\n5.jpg,Egyptian Art\n");
    request.maxDepartmentNameLength = 10;
    summary = runImport(catalogPath, request);
    QCOMPARE(summary.imported, 1);
    QVERIFY(reasonFor(summary, QStringLiteral("5.jpg")).contains(QStringLiteral("the limit is 10")));
}

void TestImportJob::neverOpensAFifo()
{
    // Files handed over directly (as the collection importers do) are checked when opened: a FIFO put where
    // a file was would otherwise block the import forever, waiting for a writer.
    QTemporaryDir dir;
    const QString fifo = dir.filePath(QStringLiteral("pipe.jpg"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    writeFile(dir.filePath(QStringLiteral("good.jpg")), solidImage(QStringLiteral("jpg"), 20, 20, {1, 2, 3}));
    ImportRequest request;
    request.source = ImportRequest::Source::Tasks;
    request.tasks = {{fifo, QStringLiteral("Asian Art"), QString(), {}},
                     {dir.filePath(QStringLiteral("good.jpg")), QStringLiteral("Asian Art"), QString(), {}}};
    const ImportSummary summary = runImport(dir.filePath(QStringLiteral("c.db")), request);
    QCOMPARE(summary.imported, 1);
    QCOMPARE(summary.failures.size(), 1);
    QVERIFY2(summary.failures[0].reason.contains(QStringLiteral("not a regular file")), qPrintable(summary.failures[0].reason));
}

void TestImportJob::marksRunsOfDeadImportsInterruptedAndRecordsWarnings()
{
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("c.db"));
    qint64 killedRun = 0;
    {
        // An import whose process was killed: its run stays 'running' with a pid that no longer exists.
        Catalog catalog(catalogPath, Catalog::OpenMode::CreateIfMissing);
        killedRun = catalog.beginImportRun(QStringLiteral("killed"));
        const qint64 deadPid = pidOfAnEndedProcess();
        catalog.run(QStringLiteral("UPDATE import_runs SET pid = :pid WHERE id = :id"),
                    {{QStringLiteral("pid"), deadPid}, {QStringLiteral("id"), killedRun}});
    }
    // A Latin-1 CSV with a repeated column: both warnings are reported and kept with the run.
    writeFile(dir.filePath(QStringLiteral("img/caf\u00E9.jpg")), solidImage(QStringLiteral("jpg"), 20, 20, {1, 2, 3}));
    writeFile(dir.filePath(QStringLiteral("c.csv")), "Picture_name,department,note,note\ncaf\xE9.jpg,D\xE9" "cor,a,b\n");
    ImportRequest request;
    request.source = ImportRequest::Source::Csv;
    request.csvPath = dir.filePath(QStringLiteral("c.csv"));
    request.imagesDir = dir.filePath(QStringLiteral("img"));
    const ImportSummary summary = runImport(catalogPath, request);
    QCOMPARE(summary.imported, 1);
    QCOMPARE(summary.warnings.size(), 2);

    Catalog catalog(catalogPath);
    QVERIFY(catalog.departmentIdByName(QStringLiteral("D\u00E9cor")));
    const QVector<ImportRunRecord> runs = catalog.importRuns();
    QCOMPARE(runs.size(), 2);
    QCOMPARE(runs[0].id, killedRun);
    QCOMPARE(runs[0].status, QStringLiteral("interrupted"));
    QCOMPARE(runs[1].status, QStringLiteral("finished"));
    QCOMPARE(runs[1].warnings, summary.warnings);
    QVERIFY(runs[1].warnings.join(QLatin1Char('|')).contains(QStringLiteral("Windows-1252")));
    QVERIFY(runs[1].warnings.join(QLatin1Char('|')).contains(QStringLiteral("'note'")));
}

void TestImportJob::exportedCsvNeutralisesFormulasAndJsonStaysExact()
{
    ItemRow row;
    row.id = 7;
    row.externalId = QStringLiteral("=HYPERLINK(\"http://evil.example\",\"click\")");
    row.path = QStringLiteral("/images/-1.jpg");
    row.department = QStringLiteral("@SUM(A1:A9)");
    row.labelSource = LabelSource::Imported;
    row.predicted = QStringLiteral("+Asian Art");
    row.modelName = QStringLiteral("\tcmd");
    const QStringList fields = parseCsvText(exportCsvRow(row)).value(0);
    QCOMPARE(fields.size(), 11); // ... status, out_of_scope, out_of_scope_score
    QCOMPARE(fields[0], QStringLiteral("7"));
    QCOMPARE(fields[1], QStringLiteral("'=HYPERLINK(\"http://evil.example\",\"click\")"));
    QCOMPARE(fields[2], QStringLiteral("/images/-1.jpg")); // only the start of a cell counts
    QCOMPARE(fields[3], QStringLiteral("'@SUM(A1:A9)"));
    QCOMPARE(fields[5], QStringLiteral("'+Asian Art"));
    QCOMPARE(fields[7], QStringLiteral("'\tcmd"));
    const QJsonObject json = exportJsonRow(row);
    QCOMPARE(json.value(QStringLiteral("external_id")).toString(), row.externalId);
    QCOMPARE(json.value(QStringLiteral("department")).toString(), row.label());
    QCOMPARE(json.value(QStringLiteral("model")).toString(), row.modelName);

    // A negative-looking or carriage-return start is neutralised too.
    row.externalId = QStringLiteral("-2+3");
    row.department = QStringLiteral("\r=1");
    const QStringList second = parseCsvText(exportCsvRow(row)).value(0);
    QCOMPARE(second[1], QStringLiteral("'-2+3"));
    QCOMPARE(second[3], QStringLiteral("'\r=1"));
}

QTEST_GUILESS_MAIN(TestImportJob)
#include "tst_importjob.moc"
