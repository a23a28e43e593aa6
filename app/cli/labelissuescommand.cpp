#include "commands.h"

#include "cliutil.h"
#include "jobwait.h"

#include "catalog/cataloglocation.h"
#include "jobs/labelissuesjob.h"

#include <QJsonArray>

namespace accession::cli {

int runLabelIssues(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Rank the catalog's labelled items whose department is probably wrong: out-of-fold probabilities from a "
                       "head fitted on the backbone's features, then confident learning (per-department thresholds, the "
                       "confident joint). Most suspicious first, each with the department suggested instead."));
    parser.addOption(catalogOption());
    addBackboneOptions(parser);
    parser.addOption({QStringLiteral("folds"), QStringLiteral("Folds for the out-of-fold probabilities (default 5)."), QStringLiteral("K")});
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Seed of the folds and the heads (default 1)."), QStringLiteral("S")});
    parser.addOption({QStringLiteral("include-confirmed"),
                      QStringLiteral("Report items whose label a curator gave or confirmed too (by default they take part in the "
                                     "folds but are not reported).")});
    parser.addOption({QStringLiteral("limit"), QStringLiteral("Print at most N items (default: all)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Compute threads (default: one per core)."), QStringLiteral("N")});
    parser.addOption(jsonOption());
    const QString usage = QStringLiteral("accession-cli label-issues --catalog FILE [--model MODEL | --weights FILE --arch A] "
                                         "[--folds 5] [--seed S] [--include-confirmed] [--limit N] [--json]");
    if (!parseCommand(parser, arguments, usage))
        return 0;

    LabelIssueRequest request;
    request.catalogPath = requiredValue(parser, QStringLiteral("catalog"));
    requireExistingCatalog(request.catalogPath);
    const BackboneChoice backbone = backboneChoice(parser);
    request.modelPath = backbone.modelPath;
    request.weightsPath = backbone.weightsPath;
    request.architecture = backbone.architecture;
    request.folds = intValue(parser, QStringLiteral("folds"), 5, 2);
    request.seed = quint64(intValue(parser, QStringLiteral("seed"), 1, 0));
    request.threads = intValue(parser, QStringLiteral("threads"), 0, 0);
    request.includeConfirmed = parser.isSet(QStringLiteral("include-confirmed"));
    const int limit = intValue(parser, QStringLiteral("limit"), -1, 0);

    LabelIssuesJob job(request);
    if (!runJobInBackground(job, true))
        return 130;
    const LabelIssueReport report = job.report();
    const int shown = limit < 0 ? int(report.items.size()) : std::min(limit, int(report.items.size()));

    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray items;
        for (int i = 0; i < shown; ++i) {
            const LabelIssue &issue = report.items[i];
            items.append(QJsonObject{{QStringLiteral("item_id"), issue.itemId},
                                     {QStringLiteral("path"), issue.path},
                                     {QStringLiteral("given"), issue.given},
                                     {QStringLiteral("suggested"), issue.suggested},
                                     {QStringLiteral("given_department_id"), issue.givenDepartmentId},
                                     {QStringLiteral("suggested_department_id"), issue.suggestedDepartmentId},
                                     {QStringLiteral("score"), issue.score},
                                     {QStringLiteral("p_given"), issue.givenProbability},
                                     {QStringLiteral("p_suggested"), issue.suggestedProbability}});
        }
        QJsonObject thresholds;
        for (int i = 0; i < report.classes.size(); ++i)
            thresholds.insert(report.classes[i], report.thresholds.value(i));
        printJson(QJsonObject{{QStringLiteral("catalog"), CatalogLocation::parse(request.catalogPath).display()},
                              {QStringLiteral("backbone"), report.backbone},
                              {QStringLiteral("folds"), report.folds},
                              {QStringLiteral("items_checked"), report.itemsChecked},
                              {QStringLiteral("issues_found"), qint64(report.items.size())},
                              {QStringLiteral("confirmed_left_out"), report.confirmedLeftOut},
                              {QStringLiteral("estimated_error_rate"), report.estimatedErrorRate},
                              {QStringLiteral("thresholds"), thresholds},
                              {QStringLiteral("items"), items},
                              {QStringLiteral("failed"), problemsToJson(report.failures)},
                              {QStringLiteral("seconds"), report.seconds}});
        return 0;
    }
    printLine(QStringLiteral("%1 labelled items checked with %2 folds (backbone of %3): %4 probably mislabelled, estimated "
                             "error rate %5%")
                  .arg(report.itemsChecked).arg(report.folds).arg(report.backbone).arg(report.items.size())
                  .arg(report.estimatedErrorRate * 100, 0, 'f', 1));
    if (report.confirmedLeftOut > 0)
        printLine(QStringLiteral("  %1 more whose label a curator gave or confirmed are left out (--include-confirmed lists them)")
                      .arg(report.confirmedLeftOut));
    for (int i = 0; i < shown; ++i) {
        const LabelIssue &issue = report.items[i];
        printLine(QStringLiteral("  %1  item %2  %3 -> %4  %5")
                      .arg(issue.score, 6, 'f', 3).arg(issue.itemId).arg(issue.given, issue.suggested, issue.path));
    }
    if (shown < report.items.size())
        printLine(QStringLiteral("  ... %1 more (--limit)").arg(report.items.size() - shown));
    for (const Problem &problem : report.failures)
        printError(QStringLiteral("skipped: %1").arg(problem.toLine()));
    return 0;
}

} // namespace accession::cli
