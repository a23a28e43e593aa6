#include "importplan.h"

#include "csvreader.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHash>

#include <algorithm>
#include <memory>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif

namespace accession {

namespace {

const QStringList kImageExtensions = {QStringLiteral("jpg"), QStringLiteral("jpeg"), QStringLiteral("jpe"),
                                      QStringLiteral("jfif"), QStringLiteral("png"), QStringLiteral("tif"),
                                      QStringLiteral("tiff"), QStringLiteral("webp"), QStringLiteral("bmp"),
                                      QStringLiteral("dib")};

// Index of the column: the one asked for by name (required), or the first of the usual names present.
int findColumn(const QStringList &header, const QString &requested, const QStringList &usualNames,
               const QString &role, const QString &csvPath)
{
    if (!requested.isEmpty()) {
        const int index = header.indexOf(requested);
        if (index < 0) {
            throw ImportSetupError(QStringLiteral("%1: no %2 column named '%3' (the header has: %4)")
                                       .arg(csvPath, role, requested, header.join(QStringLiteral(", "))));
        }
        return index;
    }
    for (const QString &name : usualNames) {
        const int index = header.indexOf(name);
        if (index >= 0)
            return index;
    }
    return -1;
}

bool isInside(const QString &path, const QString &dir)
{
    QString cleanDir = QDir::cleanPath(dir);
    if (!cleanDir.endsWith(QLatin1Char('/'))) // the root is already "/"
        cleanDir += QLatin1Char('/');
    return path.startsWith(cleanDir);
}

// What a path that exists is, when it is not a regular file or a folder: "a FIFO", "a socket", ... Following
// symbolic links. Empty for regular files, folders and paths that do not exist.
QString specialFileKind(const QString &path)
{
#ifdef Q_OS_UNIX
    struct stat info;
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return QString();
    if (S_ISFIFO(info.st_mode))
        return QStringLiteral("a FIFO (named pipe)");
    if (S_ISSOCK(info.st_mode))
        return QStringLiteral("a socket");
    if (S_ISCHR(info.st_mode))
        return QStringLiteral("a character device");
    if (S_ISBLK(info.st_mode))
        return QStringLiteral("a block device");
    if (!S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode))
        return QStringLiteral("not a regular file");
    return QString();
#else
    const QFileInfo info(path);
    return info.exists() && !info.isFile() && !info.isDir() ? QStringLiteral("not a regular file") : QString();
#endif
}

// Why the path, found in or named under root (both absolute and clean, realRoot canonical), cannot be imported
// as an image: missing, a dangling link, a link out of the folder, not a regular file. Empty when it can.
QString imageFileProblem(const QString &path, const QString &root, const QString &realRoot)
{
    const QFileInfo info(path);
    const QString real = info.canonicalFilePath();
    if (real.isEmpty()) {
        if (info.isSymLink()) {
            return QStringLiteral("dangling symbolic link (to %1, which does not exist)")
                .arg(info.symLinkTarget().isEmpty() ? QStringLiteral("nothing") : info.symLinkTarget());
        }
        return QStringLiteral("no such file");
    }
    if (!isInside(real, realRoot))
        return QStringLiteral("path escapes the image folder %1 through a symbolic link (it leads to %2)").arg(root, real);
    const QString special = specialFileKind(real);
    if (!special.isEmpty())
        return QStringLiteral("%1, not an image file (not opened)").arg(special);
    if (!info.isFile())
        return QStringLiteral("not a file");
    return QString();
}

QString canonicalFolder(const QString &dir)
{
    const QString real = QFileInfo(dir).canonicalFilePath();
    return real.isEmpty() ? QDir::cleanPath(QFileInfo(dir).absoluteFilePath()) : real;
}

// Files under dir whose names are images become tasks, sorted; hidden files and folders are left out, other
// names counted as ignored; links and special files that cannot be read safely become failures.
void scanFolder(const QString &dir, const QString &label, ImportPlan &plan)
{
    const QString root = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    const QString realRoot = canonicalFolder(root);
    QStringList files;
    // System lists FIFOs, sockets, devices and dangling links, which Files alone passes over in silence.
    QDirIterator it(root, QDir::Files | QDir::System | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QStringList parts = QDir(root).relativeFilePath(path).split(QLatin1Char('/'));
        if (std::any_of(parts.begin(), parts.end(), [](const QString &part) { return part.startsWith(QLatin1Char('.')); }))
            continue;
        const QFileInfo info(path);
        if (info.isDir())
            continue; // a link to a folder; folders are walked, not linked to
        const QString problem = imageFileProblem(path, root, realRoot);
        if (!problem.isEmpty()) {
            plan.failures.push_back({info.absoluteFilePath(), problem});
        } else if (hasImageExtension(path)) {
            files.push_back(info.absoluteFilePath());
        } else {
            ++plan.ignoredFiles;
        }
    }
    std::sort(files.begin(), files.end());
    for (const QString &file : files)
        plan.tasks.push_back({file, label, QString(), QJsonObject()});
}

// The header's names that appear more than once, with the (0-based) columns they appear in.
QHash<QString, QVector<int>> duplicateColumns(const QStringList &header)
{
    QHash<QString, QVector<int>> columns;
    for (int i = 0; i < header.size(); ++i)
        columns[header[i]].push_back(i);
    for (auto it = columns.begin(); it != columns.end();) {
        if (it.value().size() < 2)
            it = columns.erase(it);
        else
            ++it;
    }
    return columns;
}

QString columnList(const QVector<int> &columns)
{
    QStringList numbers;
    for (const int column : columns)
        numbers << QString::number(column + 1);
    return numbers.join(QStringLiteral(", "));
}

} // namespace

const QStringList &defaultIdColumns()
{
    static const QStringList names = {QStringLiteral("Object ID"), QStringLiteral("object_id"),
                                      QStringLiteral("objectID"), QStringLiteral("id")};
    return names;
}

const QStringList &defaultFileColumns()
{
    static const QStringList names = {QStringLiteral("Picture_name"), QStringLiteral("file"), QStringLiteral("filename"),
                                      QStringLiteral("file_name"), QStringLiteral("image"), QStringLiteral("path")};
    return names;
}

const QStringList &defaultLabelColumns()
{
    static const QStringList names = {QStringLiteral("department"), QStringLiteral("Department"),
                                      QStringLiteral("label")};
    return names;
}

const QStringList &defaultTitleColumns()
{
    static const QStringList names = {QStringLiteral("Title"), QStringLiteral("title")};
    return names;
}

bool hasImageExtension(const QString &fileName)
{
    return kImageExtensions.contains(QFileInfo(fileName).suffix().toLower());
}

ImportPlan planCsvImport(const QString &csvPath, const QString &imagesDir, const CsvColumns &columns)
{
    if (!QFileInfo(imagesDir).isDir())
        throw ImportSetupError(QStringLiteral("no image folder at %1").arg(imagesDir));
    QFile file(csvPath);
    if (!file.open(QIODevice::ReadOnly))
        throw ImportSetupError(QStringLiteral("cannot open CSV %1: %2").arg(csvPath, file.errorString()));
    return planCsvImport(&file, csvPath, imagesDir, columns);
}

ImportPlan planCsvImport(QIODevice *csv, const QString &csvPath, const QString &imagesDir, const CsvColumns &columns)
{
    const QFileInfo imagesInfo(imagesDir);
    if (!imagesInfo.isDir())
        throw ImportSetupError(QStringLiteral("no image folder at %1").arg(imagesDir));
    const QString root = QDir::cleanPath(imagesInfo.absoluteFilePath());
    const QString realRoot = canonicalFolder(root);

    CsvReader reader(csv, csvPath);
    if (!reader.open())
        throw ImportSetupError(reader.error());
    CsvReader::Row header;
    if (!reader.readRow(header)) {
        throw ImportSetupError(reader.error().isEmpty()
                                   ? QStringLiteral("%1: the file is empty or has no header row").arg(csvPath)
                                   : reader.error());
    }
    for (QString &name : header.fields)
        name = name.trimmed();

    const int idColumn = findColumn(header.fields, columns.idColumn, defaultIdColumns(), QStringLiteral("id"), csvPath);
    const int fileColumn =
        findColumn(header.fields, columns.fileColumn, defaultFileColumns(), QStringLiteral("file"), csvPath);
    const int labelColumn =
        findColumn(header.fields, columns.labelColumn, defaultLabelColumns(), QStringLiteral("label"), csvPath);
    const int titleColumn =
        findColumn(header.fields, columns.titleColumn, defaultTitleColumns(), QStringLiteral("title"), csvPath);
    if (fileColumn < 0 && idColumn < 0) {
        throw ImportSetupError(QStringLiteral("%1: no file column (%2) and no id column (%3) to find images by; "
                                              "name one with --file-column or --id-column")
                                   .arg(csvPath, defaultFileColumns().join(QStringLiteral(", ")),
                                        defaultIdColumns().join(QStringLiteral(", "))));
    }

    ImportPlan plan;
    // Metadata keys by column. A name the header repeats would let the second column overwrite the first:
    // for the columns that say where the image is and what it is that is ambiguous, and refused; other
    // repeats keep every value, the later ones under "name (column N)".
    QStringList metadataKeys = header.fields;
    const QHash<QString, QVector<int>> duplicates = duplicateColumns(header.fields);
    for (auto it = duplicates.cbegin(); it != duplicates.cend(); ++it) {
        const QVector<int> &at = it.value();
        for (const auto &[index, role] : {std::pair{idColumn, "id"}, std::pair{fileColumn, "file"}, std::pair{labelColumn, "label"}}) {
            if (index >= 0 && at.contains(index)) {
                throw ImportSetupError(QStringLiteral("%1: the header names the %2 column '%3' more than once (columns %4); "
                                                      "rename the others, or name another column with --%2-column")
                                           .arg(csvPath, QLatin1String(role), it.key(), columnList(at)));
            }
        }
        for (int k = 1; k < at.size(); ++k)
            metadataKeys[at[k]] = QStringLiteral("%1 (column %2)").arg(it.key()).arg(at[k] + 1);
        plan.warnings.push_back(QStringLiteral("%1: the header names column '%2' more than once (columns %3); the "
                                               "later ones are kept in metadata as '%2 (column N)'")
                                    .arg(csvPath, it.key(), columnList(at)));
    }
    std::sort(plan.warnings.begin(), plan.warnings.end());

    const QString csvName = QFileInfo(csvPath).fileName();
    CsvReader::Row row;
    while (reader.readRow(row)) {
        if (row.fields.size() == 1 && row.fields.first().trimmed().isEmpty())
            continue; // blank line
        const QString where = QStringLiteral("%1 line %2").arg(csvName).arg(row.line);
        if (row.fields.size() < header.fields.size()) {
            plan.failures.push_back({QStringLiteral("%1:%2").arg(csvPath).arg(row.line),
                                     QStringLiteral("%1: too few fields (%2 of %3)")
                                         .arg(where)
                                         .arg(row.fields.size())
                                         .arg(header.fields.size())});
            continue;
        }
        const bool extraFieldsEmpty = std::all_of(row.fields.begin() + header.fields.size(), row.fields.end(),
                                                  [](const QString &field) { return field.trimmed().isEmpty(); });
        if (!extraFieldsEmpty) {
            plan.failures.push_back({QStringLiteral("%1:%2").arg(csvPath).arg(row.line),
                                     QStringLiteral("%1: too many fields (%2 of %3)")
                                         .arg(where)
                                         .arg(row.fields.size())
                                         .arg(header.fields.size())});
            continue;
        }

        ImportTask task;
        task.externalId = idColumn >= 0 ? row.fields[idColumn].trimmed() : QString();
        task.label = labelColumn >= 0 ? row.fields[labelColumn].trimmed() : QString();
        if (titleColumn >= 0 && !row.fields[titleColumn].trimmed().isEmpty())
            task.metadata.insert(QStringLiteral("title"), row.fields[titleColumn].trimmed());
        // What no role was mapped to is a spreadsheet's own bookkeeping, not the work's description: kept apart.
        QJsonObject unmapped;
        for (int column = 0; column < header.fields.size(); ++column) {
            if (column != fileColumn && column != labelColumn && column != idColumn && column != titleColumn
                && !row.fields[column].isEmpty())
                unmapped.insert(metadataKeys[column], row.fields[column]);
        }
        if (!unmapped.isEmpty())
            task.metadata.insert(QLatin1String(kUnmappedCsvColumnsKey), unmapped);

        if (fileColumn >= 0) {
            const QString named = row.fields[fileColumn].trimmed();
            if (named.isEmpty()) {
                plan.failures.push_back({QStringLiteral("%1:%2").arg(csvPath).arg(row.line),
                                         QStringLiteral("%1: the file name is empty").arg(where)});
                continue;
            }
            const QString resolved = QDir::cleanPath(QDir(root).absoluteFilePath(named));
            if (!isInside(resolved, root)) {
                plan.failures.push_back({resolved, QStringLiteral("%1: path escapes the image folder %2 ('%3')")
                                                       .arg(where, root, named)});
                continue;
            }
            const QString problem = imageFileProblem(resolved, root, realRoot);
            if (!problem.isEmpty()) {
                plan.failures.push_back({resolved, QStringLiteral("%1: %2").arg(where, problem)});
                continue;
            }
            task.path = resolved;
        } else {
            if (task.externalId.isEmpty()) {
                plan.failures.push_back({QStringLiteral("%1:%2").arg(csvPath).arg(row.line),
                                         QStringLiteral("%1: the object id is empty").arg(where)});
                continue;
            }
            QString problem;
            for (const QString &extension : kImageExtensions) {
                const QString candidate =
                    QDir::cleanPath(root + QLatin1Char('/') + task.externalId + QLatin1Char('.') + extension);
                const QFileInfo info(candidate);
                if (!isInside(candidate, root) || (!info.exists() && !info.isSymLink()))
                    continue;
                problem = imageFileProblem(candidate, root, realRoot);
                if (problem.isEmpty())
                    task.path = candidate;
                else
                    problem = QStringLiteral("%1: %2: %3").arg(where, candidate, problem);
                break;
            }
            if (!problem.isEmpty()) {
                plan.failures.push_back({root + QLatin1Char('/') + task.externalId, problem});
                continue;
            }
            if (task.path.isEmpty()) {
                plan.failures.push_back({root + QLatin1Char('/') + task.externalId + QStringLiteral(".jpg"),
                                         QStringLiteral("%1: no image for object id %2 in %3")
                                             .arg(where, task.externalId, root)});
                continue;
            }
        }
        plan.tasks.push_back(task);
    }
    if (!reader.error().isEmpty())
        plan.failures.push_back({csvPath, reader.error()});
    plan.warnings += reader.warnings();
    return plan;
}

ImportPlan planDepartmentFolderImport(const QString &rootDir)
{
    const QFileInfo rootInfo(rootDir);
    if (!rootInfo.isDir())
        throw ImportSetupError(QStringLiteral("no folder at %1").arg(rootDir));
    const QDir root(rootInfo.absoluteFilePath());
    const QString rootPath = QDir::cleanPath(root.absolutePath());
    const QString realRoot = canonicalFolder(rootPath);

    ImportPlan plan;
    for (const QFileInfo &loose : root.entryInfoList(QDir::Files | QDir::System | QDir::NoDotAndDotDot, QDir::Name)) {
        if (loose.isDir())
            continue;
        const QString problem = imageFileProblem(loose.absoluteFilePath(), rootPath, realRoot);
        if (!problem.isEmpty()) {
            plan.failures.push_back({loose.absoluteFilePath(), problem});
        } else if (hasImageExtension(loose.fileName())) {
            plan.failures.push_back({loose.absoluteFilePath(),
                                     QStringLiteral("not inside a department folder (expected %1/<department>/%2)")
                                         .arg(root.absolutePath(), loose.fileName())});
        } else {
            ++plan.ignoredFiles;
        }
    }
    const QFileInfoList departmentDirs = root.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QFileInfo &departmentDir : departmentDirs) {
        if (!isInside(departmentDir.canonicalFilePath(), realRoot)) {
            plan.failures.push_back({departmentDir.absoluteFilePath(),
                                     QStringLiteral("department folder escapes %1 through a symbolic link (it leads to %2)")
                                         .arg(rootPath, departmentDir.canonicalFilePath())});
            continue;
        }
        scanFolder(departmentDir.absoluteFilePath(), departmentDir.fileName(), plan);
    }
    return plan;
}

ImportPlan planUnlabelledImport(const QStringList &paths)
{
    ImportPlan plan;
    for (const QString &path : paths) {
        const QFileInfo info(path);
        if (info.isDir()) {
            scanFolder(info.absoluteFilePath(), QString(), plan);
            continue;
        }
        // A file named on the command line may be a link to anywhere: the user chose it.
        const QString special = specialFileKind(info.absoluteFilePath());
        if (!special.isEmpty())
            plan.failures.push_back({info.absoluteFilePath(), QStringLiteral("%1, not an image file (not opened)").arg(special)});
        else if (info.isFile())
            plan.tasks.push_back({info.absoluteFilePath(), QString(), QString(), QJsonObject()});
        else if (info.isSymLink())
            plan.failures.push_back({info.absoluteFilePath(), QStringLiteral("dangling symbolic link (to %1, which does not exist)")
                                                                  .arg(info.symLinkTarget())});
        else
            plan.failures.push_back({info.absoluteFilePath(), QStringLiteral("no such file or folder")});
    }
    return plan;
}

} // namespace accession
