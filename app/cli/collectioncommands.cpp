#include "commands.h"

#include "cliutil.h"
#include "jobwait.h"

#include "jobs/collectionimportjob.h"

#include <QJsonArray>

namespace accession::cli {

namespace {

// A whole-number option within [minimum, maximum] (the limits multiply it into milliseconds or bytes).
int boundedValue(const QCommandLineParser &parser, const QString &option, int fallback, int minimum, int maximum)
{
    const int value = intValue(parser, option, fallback, minimum);
    if (value > maximum)
        throw CliError(QStringLiteral("--%1 takes at most %2, not %3").arg(option).arg(maximum).arg(value), 2);
    return value;
}

void addPolicyOptions(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("rate"), QStringLiteral("Most requests per second (default 20; The Met asks for under 80)."), QStringLiteral("R")});
    parser.addOption({QStringLiteral("connections"), QStringLiteral("Requests in flight at once (default 4)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("retries"), QStringLiteral("Retries after 429, 5xx, time-outs and broken transfers (default 4)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("stall-seconds"),
                      QStringLiteral("Abort (and retry) a transfer that receives nothing for this long (default %1).").arg(kDefaultStallSeconds),
                      QStringLiteral("S")});
    QCommandLineOption timeout(QStringLiteral("timeout"), QStringLiteral("Old name of --stall-seconds."), QStringLiteral("S"));
    timeout.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(timeout);
    parser.addOption({QStringLiteral("request-seconds"),
                      QStringLiteral("Abort a transfer not complete after this long, however it trickles (default %1).").arg(kDefaultRequestSeconds),
                      QStringLiteral("S")});
    parser.addOption({QStringLiteral("max-json-mb"),
                      QStringLiteral("Largest JSON document accepted (lists, records, manifests), in MB (default %1).").arg(kDefaultMaxJsonBytes >> 20),
                      QStringLiteral("MB")});
    parser.addOption({QStringLiteral("max-image-mb"),
                      QStringLiteral("Largest image accepted, in MB (default %1).").arg(kDefaultMaxImageBytes >> 20), QStringLiteral("MB")});
}

HttpPolicy policyFrom(const QCommandLineParser &parser)
{
    HttpPolicy policy;
    policy.requestsPerSecond = doubleValue(parser, QStringLiteral("rate"), policy.requestsPerSecond);
    if (policy.requestsPerSecond <= 0)
        throw CliError(QStringLiteral("--rate must be above 0"), 2);
    policy.connections = intValue(parser, QStringLiteral("connections"), policy.connections, 1);
    policy.retries = intValue(parser, QStringLiteral("retries"), policy.retries, 0);
    const QString stallOption = parser.isSet(QStringLiteral("stall-seconds")) ? QStringLiteral("stall-seconds") : QStringLiteral("timeout");
    policy.stallMs = boundedValue(parser, stallOption, kDefaultStallSeconds, 1, 24 * 3600) * 1000;
    policy.requestMs = boundedValue(parser, QStringLiteral("request-seconds"), kDefaultRequestSeconds, 1, 24 * 3600) * 1000;
    policy.maxJsonBytes = qint64(boundedValue(parser, QStringLiteral("max-json-mb"), int(kDefaultMaxJsonBytes >> 20), 1, 1 << 20)) << 20;
    policy.maxImageBytes = qint64(boundedValue(parser, QStringLiteral("max-image-mb"), int(kDefaultMaxImageBytes >> 20), 1, 1 << 20)) << 20;
    return policy;
}

int report(const CollectionImportSummary &summary, bool json, const QString &groupName)
{
    if (json) {
        QJsonObject perGroup;
        for (auto it = summary.importedPerGroup.cbegin(); it != summary.importedPerGroup.cend(); ++it)
            perGroup.insert(it.key(), it.value());
        printJson(QJsonObject{{QStringLiteral("imported"), summary.imported},
                              {QStringLiteral("duplicates"), summary.duplicates},
                              {QStringLiteral("skipped"), problemsToJson(summary.skippedReasons)},
                              {QStringLiteral("already_done"), summary.alreadyDone},
                              {QStringLiteral("failed"), problemsToJson(summary.failures)},
                              {groupName, perGroup},
                              {QStringLiteral("requests"), summary.requests},
                              {QStringLiteral("seconds"), summary.seconds},
                              {QStringLiteral("cancelled"), summary.cancelled}});
    } else {
        for (const Problem &problem : summary.failures)
            printError(QStringLiteral("failed: %1").arg(problem.toLine()));
        for (auto it = summary.importedPerGroup.cbegin(); it != summary.importedPerGroup.cend(); ++it)
            printLine(QStringLiteral("  %1  %2").arg(it.value(), 6).arg(it.key()));
        printLine(QStringLiteral("%1 imported, %2 already in the catalog, %3 skipped (no image or not public domain), %4 done "
                                 "by an earlier run, %5 failed (tried again next time); %6 requests in %7 s%8")
                      .arg(summary.imported).arg(summary.duplicates).arg(summary.skipped).arg(summary.alreadyDone)
                      .arg(summary.failures.size()).arg(summary.requests).arg(summary.seconds, 0, 'f', 1)
                      .arg(summary.cancelled ? QStringLiteral(" (cancelled: run again to resume)") : QString()));
    }
    return importExitStatus(summary.cancelled, summary.imported > 0 || summary.duplicates > 0 || summary.alreadyDone > 0,
                            !summary.failures.isEmpty());
}

} // namespace

int runMetImport(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Build or grow a catalog from The Met's Collection API (resumable). With a shared image folder "
                                                    "(see storage) the images are stored in it as content-addressed blobs."));
    parser.addOption(catalogOption());
    parser.addOption({QStringLiteral("departments"), QStringLiteral("Departments by name or id, comma-separated (default: all)."), QStringLiteral("LIST")});
    parser.addOption({QStringLiteral("per-department"), QStringLiteral("Objects with images per department, sampled evenly (default: all)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("public-domain-only"), QStringLiteral("Skip objects that are not in the public domain.")});
    parser.addOption({QStringLiteral("image"), QStringLiteral("small (default) or full."), QStringLiteral("SIZE")});
    parser.addOption({QStringLiteral("base-url"), QStringLiteral("API root (default https://collectionapi.metmuseum.org/public/collection/v1)."), QStringLiteral("URL")});
    parser.addOption({QStringLiteral("list-departments"), QStringLiteral("Print the API's departments with their object counts and stop.")});
    addPolicyOptions(parser);
    parser.addOption(jsonOption());
    const QString usage = QStringLiteral(
        "accession-cli met-import --catalog FILE [--departments NAME|ID,...] [--per-department N]\n"
        "                         [--public-domain-only] [--image small|full] [--base-url URL] [--json]");
    if (!parseCommand(parser, arguments, usage))
        return 0;
    MetImportRequest request;
    if (parser.isSet(QStringLiteral("base-url")))
        request.baseUrl = parser.value(QStringLiteral("base-url"));
    request.policy = policyFrom(parser);
    if (parser.isSet(QStringLiteral("list-departments"))) {
        const QVector<MetDepartment> departments = fetchMetDepartments(request.baseUrl, true, request.policy);
        QJsonArray list;
        for (const MetDepartment &department : departments) {
            list.append(QJsonObject{{QStringLiteral("id"), department.id}, {QStringLiteral("name"), department.name},
                                    {QStringLiteral("objects"), department.objects}});
            if (!parser.isSet(QStringLiteral("json")))
                printLine(QStringLiteral("%1  %2  (%3 objects)").arg(department.id, 3).arg(department.name).arg(department.objects));
        }
        if (parser.isSet(QStringLiteral("json")))
            printJson(QJsonObject{{QStringLiteral("departments"), list}});
        return 0;
    }
    request.catalogPath = requiredValue(parser, QStringLiteral("catalog"));
    request.departments = parser.value(QStringLiteral("departments")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    request.perDepartment = intValue(parser, QStringLiteral("per-department"), 0, 1);
    request.publicDomainOnly = parser.isSet(QStringLiteral("public-domain-only"));
    const QString image = parser.value(QStringLiteral("image"));
    if (!image.isEmpty() && image != QLatin1String("small") && image != QLatin1String("full"))
        throw CliError(QStringLiteral("--image takes small or full, not '%1'").arg(image), 2);
    request.fullImages = image == QLatin1String("full");
    MetImportJob job(request);
    const bool finished = runJobInBackground(job, true);
    CollectionImportSummary summary = job.summary();
    summary.cancelled = !finished;
    return report(summary, parser.isSet(QStringLiteral("json")), QStringLiteral("per_department"));
}

int runIiifImport(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Import the canvases of a IIIF manifest or collection (Presentation 2.1 or 3.0). With a shared "
                                                    "image folder (see storage) the images are stored in it as content-addressed blobs."));
    parser.addOption(catalogOption());
    parser.addOption({QStringLiteral("label-field"), QStringLiteral("Metadata field whose value becomes the item's department."), QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("max-size"), QStringLiteral("Longest side asked of the Image API (default 1024)."), QStringLiteral("PX")});
    addPolicyOptions(parser);
    parser.addOption(jsonOption());
    parser.addPositionalArgument(QStringLiteral("source"), QStringLiteral("Manifest or collection: URL or file."), QStringLiteral("URL_OR_FILE"));
    if (!parseCommand(parser, arguments, QStringLiteral("accession-cli iiif-import --catalog FILE URL_OR_FILE [--label-field NAME] [--json]")))
        return 0;
    IiifImportRequest request;
    request.catalogPath = requiredValue(parser, QStringLiteral("catalog"));
    if (parser.positionalArguments().size() != 1)
        throw CliError(QStringLiteral("give one manifest or collection (URL or file)"), 2);
    request.source = parser.positionalArguments().first();
    request.labelField = parser.value(QStringLiteral("label-field"));
    request.maxImageSide = intValue(parser, QStringLiteral("max-size"), request.maxImageSide, 16);
    request.policy = policyFrom(parser);
    IiifImportJob job(request);
    const bool finished = runJobInBackground(job, true);
    CollectionImportSummary summary = job.summary();
    summary.cancelled = !finished;
    return report(summary, parser.isSet(QStringLiteral("json")), QStringLiteral("per_manifest"));
}

} // namespace accession::cli
