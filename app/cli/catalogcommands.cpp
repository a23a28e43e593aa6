#include "commands.h"

#include "cliutil.h"

#include "catalog/catalog.h"
#include "catalog/classificationlevel.h"

#include <QJsonArray>

#include <algorithm>

namespace accession::cli {

int runStats(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addOption(catalogOption());
    parser.addOption(jsonOption());
    if (!parseCommand(parser, arguments, QStringLiteral("accession-cli stats --catalog FILE [--json]")))
        return 0;
    Catalog catalog(requiredValue(parser, QStringLiteral("catalog")));
    try {
        catalog.markInterruptedImportRuns();
    } catch (const CatalogError &) {
        // A catalog this user may read but not write: the counts below are still right, runs keep their status.
    }
    const CatalogStats stats = catalog.stats();
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonObject byDepartment;
        for (const DepartmentCount &count : stats.byDepartment)
            byDepartment.insert(count.department, count.count);
        QJsonObject runs;
        for (const auto &[status, count] : stats.importRunsByStatus)
            runs.insert(status, count);
        printJson(QJsonObject{{QStringLiteral("items"), stats.items},
                              {QStringLiteral("labelled"), stats.labelled},
                              {QStringLiteral("unlabelled"), stats.unlabelled},
                              {QStringLiteral("by_department"), byDepartment},
                              {QStringLiteral("import_failures"), stats.importFailures},
                              {QStringLiteral("import_runs"), runs}});
        return 0;
    }
    printLine(QStringLiteral("%1 items: %2 labelled, %3 unlabelled").arg(stats.items).arg(stats.labelled).arg(stats.unlabelled));
    for (const DepartmentCount &count : stats.byDepartment)
        printLine(QStringLiteral("  %1  %2").arg(count.count, 8).arg(count.department));
    if (stats.importFailures > 0)
        printLine(QStringLiteral("%1 import failures recorded").arg(stats.importFailures));
    QStringList runs;
    for (const auto &[status, count] : stats.importRunsByStatus)
        runs << QStringLiteral("%1 %2").arg(count).arg(status);
    if (!runs.isEmpty())
        printLine(QStringLiteral("import runs: %1").arg(runs.join(QStringLiteral(", "))));
    for (const auto &[status, count] : stats.importRunsByStatus) {
        if (status == QLatin1String("interrupted"))
            printLine(QStringLiteral("%1 import runs were interrupted (their process ended before they finished); "
                                     "running the same import again finishes the rest").arg(count));
    }
    return 0;
}

int runDepartments(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("List or edit the catalog's departments."));
    parser.addOption(catalogOption());
    parser.addOption(jsonOption());
    parser.addOption({QStringLiteral("add"), QStringLiteral("Add a department (repeatable)."), QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("rename"), QStringLiteral("Rename a department; the old name keeps resolving."), QStringLiteral("OLD=NEW")});
    parser.addOption({QStringLiteral("group"), QStringLiteral("Put a department in a coarser group (empty GROUP removes it)."), QStringLiteral("DEPARTMENT=GROUP")});
    parser.addOption({QStringLiteral("fixed"), QStringLiteral("yes: imports refuse unknown departments; no: they add them."), QStringLiteral("yes|no")});
    parser.addOption({QStringLiteral("level"),
                      QStringLiteral("Classify by department or by department group: group files, reviews and measures by the "
                                     "groups (a department in none counts as its own group), summing a department model's "
                                     "probabilities; existing predictions are filed again without running the network."),
                      QStringLiteral("department|group")});
    parser.addOption({QStringLiteral("group-threshold"),
                      QStringLiteral("A group's own filing threshold at group level, 0 to 1 (empty THRESHOLD: the model's)."),
                      QStringLiteral("GROUP=THRESHOLD")});
    const QString usage = QStringLiteral("accession-cli departments --catalog FILE [--add NAME] [--rename OLD=NEW] "
                                         "[--group DEPARTMENT=GROUP] [--fixed yes|no] [--level department|group] "
                                         "[--group-threshold GROUP=THRESHOLD] [--json]");
    if (!parseCommand(parser, arguments, usage))
        return 0;
    // Refused before any edit is made.
    const std::optional<ClassificationLevel> level = parser.isSet(QStringLiteral("level"))
        ? classificationLevelFromName(parser.value(QStringLiteral("level")))
        : std::nullopt;
    if (parser.isSet(QStringLiteral("level")) && !level)
        throw CliError(QStringLiteral("--level takes department or group, not '%1'").arg(parser.value(QStringLiteral("level"))), 2);
    Catalog catalog(requiredValue(parser, QStringLiteral("catalog")),
                    parser.isSet(QStringLiteral("add")) ? Catalog::OpenMode::CreateIfMissing : Catalog::OpenMode::OpenExisting);

    const auto splitPair = [](const QString &value, const QString &option) {
        const qsizetype at = value.indexOf(QLatin1Char('='));
        if (at <= 0)
            throw CliError(QStringLiteral("--%1 needs the form A=B, not '%2'").arg(option, value), 2);
        return std::make_pair(value.left(at).trimmed(), value.mid(at + 1).trimmed());
    };
    const auto departmentId = [&](const QString &name) {
        const auto id = catalog.departmentIdByName(name);
        if (!id)
            throw CliError(QStringLiteral("no department named '%1' in %2").arg(name, catalog.path()));
        return *id;
    };
    for (const QString &name : parser.values(QStringLiteral("add")))
        catalog.addDepartment(name);
    for (const QString &value : parser.values(QStringLiteral("rename"))) {
        const auto [from, to] = splitPair(value, QStringLiteral("rename"));
        catalog.renameDepartment(departmentId(from), to);
    }
    for (const QString &value : parser.values(QStringLiteral("group"))) {
        const auto [department, group] = splitPair(value, QStringLiteral("group"));
        catalog.setDepartmentGroup(departmentId(department), group.isEmpty() ? 0 : catalog.addDepartmentGroup(group));
    }
    if (parser.isSet(QStringLiteral("fixed"))) {
        const QString value = parser.value(QStringLiteral("fixed"));
        if (value != QLatin1String("yes") && value != QLatin1String("no"))
            throw CliError(QStringLiteral("--fixed takes yes or no, not '%1'").arg(value), 2);
        catalog.setDepartmentsFixed(value == QLatin1String("yes"));
    }
    if (level)
        setClassificationLevel(catalog, *level);
    const QVector<DepartmentGroupInfo> groupsBefore = departmentGroups(catalog);
    for (const QString &value : parser.values(QStringLiteral("group-threshold"))) {
        const auto [group, text] = splitPair(value, QStringLiteral("group-threshold"));
        const auto found = std::find_if(groupsBefore.begin(), groupsBefore.end(), [&](const DepartmentGroupInfo &g) { return g.name == group; });
        if (found == groupsBefore.end())
            throw CliError(QStringLiteral("no department group named '%1' in %2").arg(group, catalog.path()));
        bool ok = true;
        const double threshold = text.isEmpty() ? 0.0 : text.toDouble(&ok);
        if (!ok || threshold < 0.0 || threshold > 1.0)
            throw CliError(QStringLiteral("--group-threshold %1: the threshold is a number from 0 to 1, not '%2'").arg(group, text), 2);
        setGroupThreshold(catalog, found->id, text.isEmpty() ? std::nullopt : std::optional<double>(threshold));
    }

    const QVector<Department> departments = catalog.departments();
    const CatalogStats stats = catalog.stats();
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray list;
        for (int i = 0; i < departments.size(); ++i) {
            QJsonObject entry{{QStringLiteral("id"), departments[i].id},
                              {QStringLiteral("name"), departments[i].name},
                              {QStringLiteral("position"), departments[i].position},
                              {QStringLiteral("items"), stats.byDepartment.value(i).count}};
            entry.insert(QStringLiteral("group"), departments[i].groupName.isEmpty() ? QJsonValue() : QJsonValue(departments[i].groupName));
            list.append(entry);
        }
        QJsonArray groups;
        for (const DepartmentGroupInfo &group : departmentGroups(catalog)) {
            groups.append(QJsonObject{{QStringLiteral("id"), group.id},
                                      {QStringLiteral("name"), group.name},
                                      {QStringLiteral("threshold"), group.threshold ? QJsonValue(*group.threshold) : QJsonValue()}});
        }
        printJson(QJsonObject{{QStringLiteral("departments"), list},
                              {QStringLiteral("groups"), groups},
                              {QStringLiteral("level"), classificationLevelName(classificationLevel(catalog))},
                              {QStringLiteral("fixed"), catalog.departmentsFixed()}});
        return 0;
    }
    for (int i = 0; i < departments.size(); ++i) {
        printLine(QStringLiteral("%1  %2%3  (%4 items)")
                      .arg(departments[i].id, 4)
                      .arg(departments[i].name,
                           departments[i].groupName.isEmpty() ? QString() : QStringLiteral("  [%1]").arg(departments[i].groupName))
                      .arg(stats.byDepartment.value(i).count));
    }
    printLine(catalog.departmentsFixed() ? QStringLiteral("The list is fixed: imports refuse other departments.")
                                         : QStringLiteral("The list grows with imports."));
    printLine(classificationLevel(catalog) == ClassificationLevel::Group
                  ? QStringLiteral("Classification level: group (items are filed, reviewed and measured by department group).")
                  : QStringLiteral("Classification level: department."));
    for (const DepartmentGroupInfo &group : departmentGroups(catalog)) {
        printLine(QStringLiteral("Group %1: threshold %2").arg(group.name,
                      group.threshold ? QString::number(*group.threshold, 'f', 3) : QStringLiteral("the model's")));
    }
    return 0;
}

} // namespace accession::cli

namespace accession::cli {

int runStorage(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Show or set the catalog's shared image folder: import --copy, met-import and iiif-import write content-addressed blobs there "
                       "(FOLDER/ab/<sha256>.<ext>) and items record blob:<sha256>.<ext>, which each machine resolves "
                       "against its own mount. A machine that mounts the share elsewhere sets %1.")
            .arg(QLatin1String(Catalog::kImageFolderEnvironment)));
    parser.addOption(catalogOption());
    parser.addOption(jsonOption());
    parser.addOption({QStringLiteral("image-folder"),
                      QStringLiteral("The shared image folder as the curators' machines see it (empty: none, copies go "
                                     "beside the catalog). It must exist and be writable."),
                      QStringLiteral("DIR")});
    if (!parseCommand(parser, arguments,
                      QStringLiteral("accession-cli storage --catalog FILE|URL [--image-folder DIR] [--json]")))
        return 0;
    Catalog catalog(requiredValue(parser, QStringLiteral("catalog")));
    if (parser.isSet(QStringLiteral("image-folder")))
        catalog.setImageFolderSetting(parser.value(QStringLiteral("image-folder"))); // CatalogError names the folder
    const QString setting = catalog.imageFolderSetting();
    const QString here = catalog.imageFolder();
    const QString problem = here.isEmpty() ? QString() : Catalog::imageFolderProblem(here);
    if (parser.isSet(QStringLiteral("json"))) {
        printJson(QJsonObject{{QStringLiteral("image_folder"), setting},
                              {QStringLiteral("image_folder_here"), here},
                              {QStringLiteral("override"), catalog.imageFolderOverride()},
                              {QStringLiteral("problem"), problem}});
        return 0;
    }
    if (setting.isEmpty())
        printLine(QStringLiteral("image folder: none (import --copy copies beside the catalog: %1)").arg(catalog.imageStoreDir()));
    else
        printLine(QStringLiteral("image folder: %1").arg(setting));
    if (!catalog.imageFolderOverride().isEmpty())
        printLine(QStringLiteral("on this machine (%1): %2")
                      .arg(QLatin1String(Catalog::kImageFolderEnvironment), catalog.imageFolderOverride()));
    if (!problem.isEmpty())
        printLine(problem);
    return 0;
}

} // namespace accession::cli
