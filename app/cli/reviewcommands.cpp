#include "commands.h"

#include "cliutil.h"
#include "jobwait.h"

#include "catalog/catalog.h"
#include "catalog/classificationlevel.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "ingest/exporter.h"
#include "jobs/classifyjob.h"
#include "ml/modelregistration.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <cstdio>

namespace accession::cli {

namespace {

QJsonObject modelToJson(const RegisteredModel &model)
{
    const QJsonObject validation = model.card.value(QStringLiteral("validation")).toObject();
    return QJsonObject{{QStringLiteral("id"), model.id},
                       {QStringLiteral("name"), model.name},
                       {QStringLiteral("architecture"), model.architecture},
                       {QStringLiteral("path"), model.weightsPath},
                       {QStringLiteral("classes"), QJsonArray::fromStringList(model.classes)},
                       {QStringLiteral("validation_accuracy"), validation.value(QStringLiteral("accuracy"))},
                       {QStringLiteral("temperature"), model.temperature},
                       {QStringLiteral("threshold"), model.threshold},
                       {QStringLiteral("registered_at"), model.registeredAt.toString(Qt::ISODate)},
                       {QStringLiteral("active"), model.active},
                       {QStringLiteral("problem"), model.problem().isEmpty() ? QJsonValue() : QJsonValue(model.problem())}};
}

QJsonObject decisionToJson(const Decision &decision)
{
    return QJsonObject{{QStringLiteral("decision_id"), decision.id},
                       {QStringLiteral("item_id"), decision.itemId},
                       {QStringLiteral("action"), decisionActionName(decision.action)},
                       {QStringLiteral("department"), decision.department.isEmpty() ? QJsonValue() : QJsonValue(decision.department)},
                       {QStringLiteral("label_id"), decision.labelId > 0 ? QJsonValue(decision.labelId) : QJsonValue()},
                       {QStringLiteral("model_id"), decision.modelId > 0 ? QJsonValue(decision.modelId) : QJsonValue()},
                       {QStringLiteral("undoes"), decision.undoesDecisionId > 0 ? QJsonValue(decision.undoesDecisionId) : QJsonValue()},
                       {QStringLiteral("decided_at"), decision.decidedAt.toString(Qt::ISODateWithMs)},
                       {QStringLiteral("decided_by"), decision.decidedBy.isEmpty() ? QJsonValue() : QJsonValue(decision.decidedBy)}};
}

} // namespace

int runModels(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Register, list and activate the catalog's models."));
    parser.addOption(catalogOption());
    parser.addOption({QStringLiteral("register"), QStringLiteral("Register a model file (.safetensors with its .json card)."), QStringLiteral("MODEL")});
    parser.addOption({QStringLiteral("activate"), QStringLiteral("Make the model with this id the active one."), QStringLiteral("ID")});
    parser.addOption({QStringLiteral("threshold"), QStringLiteral("Set the active (or --activate'd) model's auto-file threshold."), QStringLiteral("P")});
    parser.addOption(jsonOption());
    if (!parseCommand(parser, arguments, QStringLiteral("accession-cli models --catalog FILE [--register MODEL] [--activate ID] [--threshold P] [--json]")))
        return 0;
    const QString catalogPath = requiredValue(parser, QStringLiteral("catalog"));
    requireExistingCatalog(catalogPath);
    if (parser.isSet(QStringLiteral("register")))
        registerModelFile(catalogPath, parser.value(QStringLiteral("register")));
    Catalog catalog(catalogPath);
    ModelRegistry registry(catalog);
    if (parser.isSet(QStringLiteral("activate")))
        registry.activate(intValue(parser, QStringLiteral("activate"), 0, 1));
    if (parser.isSet(QStringLiteral("threshold"))) {
        const auto active = registry.activeModel();
        if (!active)
            throw CliError(QStringLiteral("%1 has no active model to set a threshold on").arg(catalog.path()));
        registry.setThreshold(active->id, doubleValue(parser, QStringLiteral("threshold"), active->threshold));
    }
    const QVector<RegisteredModel> models = registry.models();
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray list;
        for (const RegisteredModel &model : models)
            list.append(modelToJson(model));
        printJson(QJsonObject{{QStringLiteral("models"), list}});
        return 0;
    }
    if (models.isEmpty())
        printLine(QStringLiteral("No models registered (accession-cli models --register MODEL.safetensors)."));
    for (const RegisteredModel &model : models) {
        const QString problem = model.problem();
        printLine(QStringLiteral("%1 %2  %3  %4, %5 classes, validation accuracy %6, threshold %7%8")
                      .arg(model.active ? QStringLiteral("*") : QStringLiteral(" "))
                      .arg(model.id, 3)
                      .arg(model.name, model.architecture)
                      .arg(model.classes.size())
                      .arg(model.card.value(QStringLiteral("validation")).toObject().value(QStringLiteral("accuracy")).toDouble(), 0, 'f', 3)
                      .arg(model.threshold, 0, 'f', 3)
                      .arg(problem.isEmpty() ? QString() : QStringLiteral("  (unusable: %1)").arg(problem)));
    }
    return 0;
}

int runClassify(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Classify catalog items (or new files, imported first) and file the confident ones."));
    parser.addOption(catalogOption());
    parser.addOption({QStringLiteral("model"), QStringLiteral("Model file to use (registered if new); default: the active model."), QStringLiteral("MODEL")});
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Compute threads (default: one per core)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("batch-size"), QStringLiteral("Images per batch (default 32)."), QStringLiteral("N")});
    parser.addOption(jsonOption());
    parser.addPositionalArgument(QStringLiteral("paths"), QStringLiteral("Files or folders to import and classify."), QStringLiteral("[PATH...]"));
    if (!parseCommand(parser, arguments, QStringLiteral("accession-cli classify --catalog FILE [--model MODEL.safetensors] [PATH...] [--json]")))
        return 0;
    ClassifyRequest request;
    request.catalogPath = requiredValue(parser, QStringLiteral("catalog"));
    requireExistingCatalog(request.catalogPath);
    request.modelPath = parser.value(QStringLiteral("model"));
    request.paths = parser.positionalArguments();
    request.threads = intValue(parser, QStringLiteral("threads"), 0, 0);
    request.batchSize = intValue(parser, QStringLiteral("batch-size"), 32, 1);
    ClassifyJob job(request);
    runJobInBackground(job, true);
    const ClassifySummary summary = job.summary();
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray failed;
        for (const Problem &problem : summary.failures)
            failed.append(problem.toJson());
        QJsonObject output{{QStringLiteral("classified"), summary.classified},
                           {QStringLiteral("auto_filed"), summary.autoFiled},
                           {QStringLiteral("to_review"), summary.toReview},
                           {QStringLiteral("out_of_scope"), summary.outOfScope},
                           {QStringLiteral("skipped"), summary.skipped},
                           {QStringLiteral("failed"), failed},
                           {QStringLiteral("seconds"), summary.seconds},
                           {QStringLiteral("images_per_second"), summary.imagesPerSecond},
                           {QStringLiteral("model_id"), summary.modelId},
                           {QStringLiteral("peak_memory_mb"), summary.peakMemoryMb},
                           {QStringLiteral("cancelled"), summary.cancelled}};
        if (!request.paths.isEmpty())
            output.insert(QStringLiteral("imported"), importSummaryToJson(summary.import));
        printJson(output);
    } else {
        for (const Problem &problem : summary.failures)
            printError(QStringLiteral("failed: %1").arg(problem.toLine()));
        printLine(QStringLiteral("%1 classified (%2 filed automatically, %3 to review, %4 of them out of scope), %5 already done, %6 failed, in %7 s")
                      .arg(summary.classified).arg(summary.autoFiled).arg(summary.toReview).arg(summary.outOfScope).arg(summary.skipped)
                      .arg(summary.failures.size()).arg(summary.seconds, 0, 'f', 1));
    }
    return summary.cancelled ? 130 : 0;
}

namespace {

// Why an item waits in the review queue, most telling first.
QString reviewReason(const ItemRow &entry)
{
    if (entry.outOfScope)
        return outOfScopeReason();
    if (entry.sentBack)
        return QStringLiteral("sent back by a curator");
    return QStringLiteral("below the confidence threshold");
}

} // namespace

int runReview(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("List the review queue: most uncertain items first."));
    parser.addOption(catalogOption());
    parser.addOption({QStringLiteral("threshold"), QStringLiteral("Items below this confidence need review (default: the model's)."), QStringLiteral("P")});
    parser.addOption({QStringLiteral("limit"), QStringLiteral("At most this many items (default 50)."), QStringLiteral("N")});
    parser.addOption(jsonOption());
    if (!parseCommand(parser, arguments, QStringLiteral("accession-cli review --catalog FILE [--threshold P] [--limit N] --json")))
        return 0;
    const QString catalogPath = requiredValue(parser, QStringLiteral("catalog"));
    requireExistingCatalog(catalogPath);
    Catalog catalog(catalogPath);
    const auto active = ModelRegistry(catalog).activeModel();
    if (!active)
        throw CliError(QStringLiteral("%1 has no active model: classify with one first").arg(catalog.path()));
    const double threshold = doubleValue(parser, QStringLiteral("threshold"), active->threshold);
    const int limit = intValue(parser, QStringLiteral("limit"), 50, 1);
    ReviewStore store(catalog);
    const QVector<ItemRow> entries = store.queue(active->id, threshold, limit);
    const qint64 remaining = store.queueSize(active->id, threshold);
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray items;
        for (const ItemRow &entry : entries) {
            QJsonArray candidates;
            for (const Candidate &candidate : entry.candidates)
                candidates.append(QJsonObject{{QStringLiteral("department"), candidate.department},
                                              {QStringLiteral("probability"), candidate.probability}});
            items.append(QJsonObject{{QStringLiteral("item_id"), entry.id},
                                     {QStringLiteral("path"), entry.path},
                                     {QStringLiteral("external_id"), entry.externalId},
                                     {QStringLiteral("predicted"), entry.predicted},
                                     {QStringLiteral("confidence"), entry.confidence},
                                     {QStringLiteral("margin"), entry.margin},
                                     {QStringLiteral("skipped"), entry.skipped},
                                     {QStringLiteral("reason"), reviewReason(entry)},
                                     {QStringLiteral("out_of_scope"), entry.outOfScope},
                                     {QStringLiteral("out_of_scope_score"), std::isfinite(entry.outOfScopeScore) ? QJsonValue(entry.outOfScopeScore) : QJsonValue()},
                                     {QStringLiteral("candidates"), candidates}});
        }
        // At group level predicted and the candidates' "department" name department groups.
        printJson(QJsonObject{{QStringLiteral("model_id"), active->id},
                              {QStringLiteral("level"), classificationLevelName(classificationLevel(catalog))},
                              {QStringLiteral("threshold"), threshold},
                              {QStringLiteral("remaining"), remaining},
                              {QStringLiteral("items"), items}});
        return 0;
    }
    printLine(QStringLiteral("%1 items need review (threshold %2); most uncertain first:").arg(remaining).arg(threshold, 0, 'f', 3));
    for (const ItemRow &entry : entries) {
        QStringList candidates;
        for (const Candidate &candidate : entry.candidates)
            candidates << QStringLiteral("%1 %2").arg(candidate.department).arg(candidate.probability, 0, 'f', 2);
        printLine(QStringLiteral("%1  %2  [%3]%4  %5").arg(entry.id, 7).arg(QFileInfo(entry.path).fileName(),
                                                                                candidates.join(QStringLiteral(" | ")),
                                                                                entry.skipped ? QStringLiteral(" (skipped)") : QString(),
                                                                                reviewReason(entry)));
    }
    return 0;
}

namespace {

Decision decideOnItem(const QCommandLineParser &parser, Catalog &catalog, ReviewStore &store, qint64 item, std::optional<qint64> seen)
{
    Decision decision;
    if (parser.isSet(QStringLiteral("accept"))) {
        decision = store.accept(item, seen);
    } else if (parser.isSet(QStringLiteral("department"))) {
        const QString name = parser.value(QStringLiteral("department"));
        const auto department = catalog.departmentIdByName(name);
        if (!department)
            throw CliError(QStringLiteral("no department named '%1' in %2").arg(name, catalog.path()));
        decision = store.choose(item, *department, seen);
    } else if (parser.isSet(QStringLiteral("skip"))) {
        decision = store.skip(item, seen);
    } else if (parser.isSet(QStringLiteral("unfile"))) {
        decision = store.unfile(item, seen);
    } else {
        decision = store.undoLatest(item, seen);
    }
    return decision;
}

} // namespace

int runDecide(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Record a curator's decision on an item; it becomes the item's label."));
    parser.addOption(catalogOption());
    parser.addOption({QStringLiteral("item"), QStringLiteral("Item id."), QStringLiteral("ID")});
    parser.addOption({QStringLiteral("accept"), QStringLiteral("Accept the active model's prediction.")});
    parser.addOption({QStringLiteral("department"), QStringLiteral("File the item under this department."), QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("skip"), QStringLiteral("Leave it for later (it moves to the end of the queue).")});
    parser.addOption({QStringLiteral("unfile"), QStringLiteral("Send an automatically filed item back to review.")});
    parser.addOption({QStringLiteral("undo"), QStringLiteral("Undo the item's latest decision (kept in the history).")});
    parser.addOption({QStringLiteral("seen"), QStringLiteral("The item's latest decision id you have seen (0: none, the default): "
                                                             "refused (exit 3) when another curator decided the item after it: another user@host, "
                                                             "or a window (each is a session of its own); the runs of this command by one "
                                                             "user@host are one curator unless ACCESSION_CLIENT_SESSION names another."),
                      QStringLiteral("DECISION")});
    parser.addOption({QStringLiteral("force"), QStringLiteral("Decide even over other curators' decisions not seen.")});
    parser.addOption(jsonOption());
    if (!parseCommand(parser, arguments, QStringLiteral("accession-cli decide --catalog FILE --item ID (--accept | --department NAME | --skip | --unfile | --undo) [--seen DECISION | --force] [--json]")))
        return 0;
    const QString catalogPath = requiredValue(parser, QStringLiteral("catalog"));
    requireExistingCatalog(catalogPath);
    const qint64 item = intValue(parser, QStringLiteral("item"), 0, 1);
    if (item == 0)
        throw CliError(QStringLiteral("--item is required (see --help)"), 2);
    const int actions = int(parser.isSet(QStringLiteral("accept"))) + int(parser.isSet(QStringLiteral("department")))
        + int(parser.isSet(QStringLiteral("skip"))) + int(parser.isSet(QStringLiteral("unfile"))) + int(parser.isSet(QStringLiteral("undo")));
    if (actions != 1)
        throw CliError(QStringLiteral("give exactly one of --accept, --department, --skip, --unfile, --undo"), 2);
    if (parser.isSet(QStringLiteral("seen")) && parser.isSet(QStringLiteral("force")))
        throw CliError(QStringLiteral("give --seen or --force, not both"), 2);
    // A curator at the command line has seen no decision of another's on the item unless --seen says which.
    const std::optional<qint64> seen = parser.isSet(QStringLiteral("force")) ? std::nullopt
                                                                             : std::optional<qint64>(intValue(parser, QStringLiteral("seen"), 0, 0));
    Catalog catalog(catalogPath);
    // One account's runs are one curator (decide, then --undo in the next run, is no conflict); a window is a session
    // of its own, and ACCESSION_CLIENT_SESSION (already taken by the Catalog) names a terminal of a shared login.
    if (qEnvironmentVariableIsEmpty("ACCESSION_CLIENT_SESSION"))
        catalog.setClientSession(QStringLiteral("command line of ") + catalog.clientName());
    ReviewStore store(catalog);
    Decision decision;
    try {
        decision = decideOnItem(parser, catalog, store, item, seen);
    } catch (const DecisionConflict &conflict) {
        throw CliError(QStringLiteral("item %1: %2 (decision %3); nothing was written. Pass --seen %3 to decide having seen it, "
                                      "or --force")
                           .arg(item).arg(DecisionConflict::describe(conflict.other())).arg(conflict.other().id),
                       3);
    }
    const QString status = itemStatusName(store.status(item));
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonObject output = decisionToJson(decision);
        output.insert(QStringLiteral("status"), status);
        printJson(output);
    } else {
        printLine(QStringLiteral("item %1: %2%3 (now %4)").arg(item).arg(decisionActionName(decision.action),
                  decision.department.isEmpty() ? QString() : QStringLiteral(" ") + decision.department, status));
    }
    return 0;
}


int runExport(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Write every item with its labels and predictions and their provenance, or "
                                                    "the labelled images as one folder per department."));
    parser.addOption(catalogOption());
    parser.addOption({QStringLiteral("format"), QStringLiteral("csv, json, or folders (needs --out)."), QStringLiteral("FORMAT")});
    parser.addOption({QStringLiteral("out"), QStringLiteral("File (csv, json; default: standard output) or folder (folders)."), QStringLiteral("PATH")});
    parser.addOption({QStringLiteral("out-of-scope"), QStringLiteral("csv, json: only the items the active model found unlike any department's photographs.")});
    parser.addOption(jsonOption());
    if (!parseCommand(parser, arguments, QStringLiteral("accession-cli export --catalog FILE --format csv|json|folders [--out PATH] [--out-of-scope]")))
        return 0;
    const QString catalogPath = requiredValue(parser, QStringLiteral("catalog"));
    requireExistingCatalog(catalogPath);
    const QString format = requiredValue(parser, QStringLiteral("format"));
    if (format != QLatin1String("csv") && format != QLatin1String("json") && format != QLatin1String("folders"))
        throw CliError(QStringLiteral("--format takes csv, json or folders, not '%1'").arg(format), 2);
    Catalog catalog(catalogPath);

    if (format == QLatin1String("folders")) {
        const FolderExportSummary summary = exportDepartmentFolders(catalog, requiredValue(parser, QStringLiteral("out")));
        for (const Problem &problem : summary.failures)
            printError(QStringLiteral("not exported: %1").arg(problem.toLine()));
        if (parser.isSet(QStringLiteral("json"))) {
            QJsonArray failed;
            for (const Problem &problem : summary.failures)
                failed.append(problem.toJson());
            printJson(QJsonObject{{QStringLiteral("written"), summary.written}, {QStringLiteral("failed"), failed}});
        } else {
            printLine(QStringLiteral("%1 images written into %2, with labels.csv and labels.json").arg(summary.written).arg(parser.value(QStringLiteral("out"))));
        }
        return 0;
    }

    QSaveFile file(parser.value(QStringLiteral("out")));
    QFile standardOutput;
    QIODevice *device = nullptr;
    if (parser.isSet(QStringLiteral("out"))) {
        if (!file.open(QIODevice::WriteOnly))
            throw CliError(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
        device = &file;
    } else {
        standardOutput.open(stdout, QIODevice::WriteOnly);
        device = &standardOutput;
    }
    ItemFilter filter;
    filter.outOfScopeOnly = parser.isSet(QStringLiteral("out-of-scope"));
    exportItems(catalog, device, format == QLatin1String("csv") ? ExportFormat::Csv : ExportFormat::Json, {}, filter);
    if (parser.isSet(QStringLiteral("out")) && !file.commit())
        throw CliError(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    return 0;
}

} // namespace accession::cli
