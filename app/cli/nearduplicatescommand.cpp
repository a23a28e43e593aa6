#include "commands.h"

#include "cliutil.h"
#include "jobwait.h"

#include "catalog/cataloglocation.h"
#include "jobs/nearduplicatesjob.h"

#include <QJsonArray>

#include <cmath>

namespace accession::cli {

namespace {

QVector<double> channelValues(const QCommandLineParser &parser, const QString &name)
{
    if (!parser.isSet(name))
        return {};
    QVector<double> values;
    for (const QString &part : parser.value(name).split(QLatin1Char(','))) {
        bool ok = false;
        const double value = part.trimmed().toDouble(&ok);
        if (!ok || !std::isfinite(value))
            throw CliError(QStringLiteral("--%1 must be three numbers, as 0.5,0.5,0.5 (got '%2')").arg(name, parser.value(name)), 2);
        values.push_back(value);
    }
    if (values.size() != 3)
        throw CliError(QStringLiteral("--%1 must be three numbers, as 0.5,0.5,0.5 (got '%2')").arg(name, parser.value(name)), 2);
    return values;
}

} // namespace

int runNearDuplicates(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Find groups of near-duplicate photographs (the same object re-photographed, cropped, resized or "
                       "recompressed): perceptual hashes a few bits apart, or backbone features with a cosine above the "
                       "threshold. The groups are saved in the catalog, where training keeps each group on one side of "
                       "the split."));
    parser.addOption(catalogOption());
    addBackboneOptions(parser);
    parser.addOption({QStringLiteral("mean"), QStringLiteral("With --weights: the input mean per channel (default ImageNet's)."), QStringLiteral("R,G,B")});
    parser.addOption({QStringLiteral("std"), QStringLiteral("With --weights: the input std per channel (default ImageNet's)."), QStringLiteral("R,G,B")});
    parser.addOption({QStringLiteral("threshold"),
                      QStringLiteral("Cosine of the features at or above which two photographs are near-duplicates (default %1).")
                          .arg(kDefaultNearDuplicateCosine),
                      QStringLiteral("T")});
    parser.addOption({QStringLiteral("hash-distance"),
                      QStringLiteral("Perceptual hashes at most this many bits apart are near-duplicates (default %1).")
                          .arg(kNearDuplicateHashDistance),
                      QStringLiteral("D")});
    parser.addOption({QStringLiteral("most-alike"),
                      QStringLiteral("A photograph alike by features to more than N others is compared by its hash alone: the "
                                     "backbone cannot tell it apart from them (default %1; 0: no limit).")
                          .arg(kMostFeatureNeighbours),
                      QStringLiteral("N")});
    parser.addOption({QStringLiteral("hashes-only"), QStringLiteral("Compare perceptual hashes alone (no network).")});
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Compute threads (default: one per core)."), QStringLiteral("N")});
    parser.addOption(jsonOption());
    const QString usage = QStringLiteral("accession-cli near-duplicates --catalog FILE [--model MODEL | --weights FILE --arch A "
                                         "[--mean R,G,B --std R,G,B]] [--threshold T] [--hash-distance D] [--most-alike N] [--hashes-only] [--json]");
    if (!parseCommand(parser, arguments, usage))
        return 0;

    NearDuplicateRequest request;
    request.catalogPath = requiredValue(parser, QStringLiteral("catalog"));
    requireExistingCatalog(request.catalogPath);
    const BackboneChoice backbone = backboneChoice(parser);
    request.modelPath = backbone.modelPath;
    request.weightsPath = backbone.weightsPath;
    request.architecture = backbone.architecture;
    request.mean = channelValues(parser, QStringLiteral("mean"));
    request.std = channelValues(parser, QStringLiteral("std"));
    if (parser.isSet(QStringLiteral("threshold"))) {
        bool ok = false;
        request.cosineThreshold = parser.value(QStringLiteral("threshold")).toDouble(&ok);
        if (!ok || !(request.cosineThreshold > 0.0 && request.cosineThreshold <= 1.0))
            throw CliError(QStringLiteral("--threshold must be a number in (0, 1] (got '%1')").arg(parser.value(QStringLiteral("threshold"))), 2);
    }
    request.hashDistance = intValue(parser, QStringLiteral("hash-distance"), kNearDuplicateHashDistance, 0);
    request.mostFeatureNeighbours = intValue(parser, QStringLiteral("most-alike"), kMostFeatureNeighbours, 0);
    if (request.hashDistance > 32)
        throw CliError(QStringLiteral("--hash-distance must be at most 32"), 2);
    request.useEmbeddings = !parser.isSet(QStringLiteral("hashes-only"));
    request.threads = intValue(parser, QStringLiteral("threads"), 0, 0);

    NearDuplicatesJob job(request);
    if (!runJobInBackground(job, true))
        return 130;
    const NearDuplicateReport report = job.report();

    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray groups;
        for (const NearDuplicateGroup &group : report.groups) {
            QJsonArray items;
            for (const qint64 item : group.items)
                items.append(item);
            QJsonArray pairs;
            for (const NearDuplicatePair &pair : group.pairs) {
                pairs.append(QJsonObject{{QStringLiteral("a"), pair.a},
                                         {QStringLiteral("b"), pair.b},
                                         {QStringLiteral("cosine"), std::isnan(pair.cosine) ? QJsonValue() : QJsonValue(pair.cosine)},
                                         {QStringLiteral("hash_distance"), pair.hashDistance < 0 ? QJsonValue() : QJsonValue(pair.hashDistance)}});
            }
            groups.append(QJsonObject{{QStringLiteral("id"), group.id},
                                      {QStringLiteral("items"), items},
                                      {QStringLiteral("paths"), QJsonArray::fromStringList(group.paths)},
                                      {QStringLiteral("pairs"), pairs}});
        }
        printJson(QJsonObject{{QStringLiteral("catalog"), CatalogLocation::parse(request.catalogPath).display()},
                              {QStringLiteral("backbone"), report.backbone},
                              {QStringLiteral("note"), report.note},
                              {QStringLiteral("threshold"), request.cosineThreshold},
                              {QStringLiteral("hash_distance"), request.hashDistance},
                              {QStringLiteral("items_checked"), report.itemsChecked},
                              {QStringLiteral("hashes_filled"), report.hashesFilled},
                              {QStringLiteral("embedding_pairs"), report.embeddingPairs},
                              {QStringLiteral("crowded_items"), report.crowdedItems},
                              {QStringLiteral("most_alike"), request.mostFeatureNeighbours},
                              {QStringLiteral("hash_pairs"), report.hashPairs},
                              {QStringLiteral("groups"), groups},
                              {QStringLiteral("failures"), problemsToJson(report.failures)},
                              {QStringLiteral("seconds"), report.seconds}});
        return 0;
    }
    printLine(QStringLiteral("%1 items checked (%2): %3 groups of near-duplicates")
                  .arg(report.itemsChecked)
                  .arg(report.backbone.isEmpty() ? QStringLiteral("perceptual hashes only")
                                                 : QStringLiteral("perceptual hashes and the backbone of %1").arg(report.backbone))
                  .arg(report.groups.size()));
    if (!report.note.isEmpty())
        printLine(report.note);
    for (const NearDuplicateGroup &group : report.groups) {
        printLine(QStringLiteral("group %1: %2 photographs").arg(group.id).arg(group.items.size()));
        for (int i = 0; i < group.items.size(); ++i)
            printLine(QStringLiteral("  item %1  %2").arg(group.items[i]).arg(group.paths.value(i)));
        for (const NearDuplicatePair &pair : group.pairs) {
            printLine(QStringLiteral("    %1 ~ %2: cosine %3, hashes %4 bits apart")
                          .arg(pair.a).arg(pair.b)
                          .arg(std::isnan(pair.cosine) ? QStringLiteral("-") : QString::number(pair.cosine, 'f', 3))
                          .arg(pair.hashDistance < 0 ? QStringLiteral("-") : QString::number(pair.hashDistance)));
        }
    }
    for (const Problem &problem : report.failures)
        printError(QStringLiteral("skipped: %1").arg(problem.toLine()));
    return 0;
}

} // namespace accession::cli
