#include "commands.h"

#include "cliutil.h"
#include "jobwait.h"

#include "catalog/catalog.h"
#include "imaging/decodebudget.h"
#include "jobs/importjob.h"

#include <QJsonArray>

namespace accession::cli {

QJsonObject importSummaryToJson(const ImportSummary &summary)
{
    return QJsonObject{{QStringLiteral("imported"), summary.imported},
                       {QStringLiteral("duplicates"), summary.duplicates},
                       {QStringLiteral("near_duplicates"), summary.nearDuplicates},
                       {QStringLiteral("relocated"), summary.relocated},
                       {QStringLiteral("ignored"), summary.ignoredFiles},
                       {QStringLiteral("failed"), problemsToJson(summary.failures)},
                       {QStringLiteral("warnings"), QJsonArray::fromStringList(summary.warnings)},
                       {QStringLiteral("seconds"), summary.seconds},
                       {QStringLiteral("cancelled"), summary.cancelled},
                       {QStringLiteral("run_id"), summary.runId}};
}

int runImport(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Import photographs into a catalog."));
    parser.addOption(catalogOption());
    parser.addOption({QStringLiteral("csv"), QStringLiteral("CSV of images and departments."), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("images"), QStringLiteral("Folder the CSV's files are in."), QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("id-column"), QStringLiteral("CSV column with the object id (default: Object ID, object_id)."), QStringLiteral("C")});
    parser.addOption({QStringLiteral("file-column"), QStringLiteral("CSV column with the image file (default: Picture_name, file)."), QStringLiteral("C")});
    parser.addOption({QStringLiteral("label-column"), QStringLiteral("CSV column with the department (default: department, Department)."), QStringLiteral("C")});
    parser.addOption({QStringLiteral("title-column"), QStringLiteral("CSV column with the work's title (default: Title, title). Other columns are kept but not shown as details."), QStringLiteral("C")});
    parser.addOption({QStringLiteral("folders"), QStringLiteral("Folder with one subfolder per department."), QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("copy"), QStringLiteral("Copy images into the catalog's shared image folder as content-addressed blobs (see storage), or without one into a folder beside the catalog.")});
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Decoding threads (default: one per core)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("max-megapixels"), QStringLiteral("Largest decoded image; bigger JPEGs are decoded at reduced size (default 100)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("decode-budget-megapixels"), QStringLiteral("Memory all decoding threads may hold at once, in megapixels of 8-bit colour (default 340, about 2 GB; env ACCESSION_DECODE_BUDGET_MP)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("max-department-name"),
                      QStringLiteral("Longest new department name, in characters; rows with longer labels fail (default %1).")
                          .arg(Catalog::kMaxDepartmentNameLength),
                      QStringLiteral("N")});
    parser.addOption(jsonOption());
    parser.addPositionalArgument(QStringLiteral("paths"), QStringLiteral("Unlabelled files or folders."), QStringLiteral("[PATH...]"));
    const QString usage = QStringLiteral(
        "accession-cli import --catalog FILE --csv FILE --images DIR [--id-column C --file-column C --label-column C --title-column C] [--json]\n"
        "       accession-cli import --catalog FILE --folders DIR [--json]\n"
        "       accession-cli import --catalog FILE [--json] PATH...");
    if (!parseCommand(parser, arguments, usage))
        return 0;

    ImportRequest request;
    const QString catalogPath = requiredValue(parser, QStringLiteral("catalog"));
    const bool csv = parser.isSet(QStringLiteral("csv"));
    const bool folders = parser.isSet(QStringLiteral("folders"));
    const QStringList paths = parser.positionalArguments();
    if (int(csv) + int(folders) + int(!paths.isEmpty()) != 1)
        throw CliError(QStringLiteral("give exactly one of --csv (with --images), --folders, or paths (see --help)"), 2);
    if (csv) {
        request.source = ImportRequest::Source::Csv;
        request.csvPath = parser.value(QStringLiteral("csv"));
        request.imagesDir = requiredValue(parser, QStringLiteral("images"));
        request.columns = {parser.value(QStringLiteral("id-column")), parser.value(QStringLiteral("file-column")),
                           parser.value(QStringLiteral("label-column")), parser.value(QStringLiteral("title-column"))};
    } else if (folders) {
        request.source = ImportRequest::Source::DepartmentFolders;
        request.foldersDir = parser.value(QStringLiteral("folders"));
    } else {
        request.source = ImportRequest::Source::Unlabelled;
        request.paths = paths;
    }
    request.copyIntoCatalog = parser.isSet(QStringLiteral("copy"));
    request.threads = intValue(parser, QStringLiteral("threads"), 0, 0);
    request.decode.maxPixels = qint64(intValue(parser, QStringLiteral("max-megapixels"), 100, 1)) * 1'000'000;
    if (parser.isSet(QStringLiteral("decode-budget-megapixels")))
        setDecodeBudgetMegapixels(intValue(parser, QStringLiteral("decode-budget-megapixels"), 0, 1));
    request.maxDepartmentNameLength =
        intValue(parser, QStringLiteral("max-department-name"), Catalog::kMaxDepartmentNameLength, 1);

    const bool json = parser.isSet(QStringLiteral("json"));
    ImportJob job(catalogPath, request);
    runJobInBackground(job, true);
    const ImportSummary summary = job.summary();
    if (json) {
        printJson(importSummaryToJson(summary));
    } else {
        for (const Problem &problem : summary.failures)
            printError(QStringLiteral("failed: %1").arg(problem.toLine()));
        for (const QString &warning : summary.warnings)
            printError(QStringLiteral("warning: %1").arg(warning));
        printLine(QStringLiteral("%1 imported, %2 duplicates (%3 relocated), %4 failed, %5 ignored in %6 s%7")
                      .arg(summary.imported)
                      .arg(summary.duplicates)
                      .arg(summary.relocated)
                      .arg(summary.failures.size())
                      .arg(summary.ignoredFiles)
                      .arg(summary.seconds, 0, 'f', 1)
                      .arg(summary.cancelled ? QStringLiteral(" (cancelled)") : QString()));
    }
    return importExitStatus(summary.cancelled, summary.imported > 0 || summary.duplicates > 0, !summary.failures.isEmpty());
}

} // namespace accession::cli
