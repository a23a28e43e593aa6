#include "importplan.h"

#include "csvreader.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>

#include <algorithm>

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

// Files under dir whose names are images, sorted, hidden files and folders left out.
QStringList imageFilesUnder(const QString &dir, qint64 *ignored)
{
    QStringList files;
    QDirIterator it(dir, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QStringList parts = QDir(dir).relativeFilePath(path).split(QLatin1Char('/'));
        if (std::any_of(parts.begin(), parts.end(), [](const QString &part) { return part.startsWith(QLatin1Char('.')); }))
            continue;
        if (hasImageExtension(path))
            files.push_back(QFileInfo(path).absoluteFilePath());
        else if (ignored)
            ++*ignored;
    }
    std::sort(files.begin(), files.end());
    return files;
}

bool isInside(const QString &path, const QString &dir)
{
    QString cleanDir = QDir::cleanPath(dir);
    if (!cleanDir.endsWith(QLatin1Char('/'))) // the root is already "/"
        cleanDir += QLatin1Char('/');
    return path.startsWith(cleanDir);
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

bool hasImageExtension(const QString &fileName)
{
    return kImageExtensions.contains(QFileInfo(fileName).suffix().toLower());
}

ImportPlan planCsvImport(const QString &csvPath, const QString &imagesDir, const CsvColumns &columns)
{
    const QFileInfo imagesInfo(imagesDir);
    if (!imagesInfo.isDir())
        throw ImportSetupError(QStringLiteral("no image folder at %1").arg(imagesDir));
    const QString root = QDir::cleanPath(imagesInfo.absoluteFilePath());

    CsvReader reader(csvPath);
    if (!reader.open())
        throw ImportSetupError(reader.error());
    CsvReader::Row header;
    if (!reader.readRow(header))
        throw ImportSetupError(QStringLiteral("%1: the file is empty or has no header row").arg(csvPath));
    for (QString &name : header.fields)
        name = name.trimmed();

    const int idColumn = findColumn(header.fields, columns.idColumn, defaultIdColumns(), QStringLiteral("id"), csvPath);
    const int fileColumn =
        findColumn(header.fields, columns.fileColumn, defaultFileColumns(), QStringLiteral("file"), csvPath);
    const int labelColumn =
        findColumn(header.fields, columns.labelColumn, defaultLabelColumns(), QStringLiteral("label"), csvPath);
    if (fileColumn < 0 && idColumn < 0) {
        throw ImportSetupError(QStringLiteral("%1: no file column (%2) and no id column (%3) to find images by; "
                                              "name one with --file-column or --id-column")
                                   .arg(csvPath, defaultFileColumns().join(QStringLiteral(", ")),
                                        defaultIdColumns().join(QStringLiteral(", "))));
    }
    const QString csvName = QFileInfo(csvPath).fileName();

    ImportPlan plan;
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
        for (int column = 0; column < header.fields.size(); ++column) {
            if (column != fileColumn && column != labelColumn && column != idColumn && !row.fields[column].isEmpty())
                task.metadata.insert(header.fields[column], row.fields[column]);
        }

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
            if (!QFileInfo(resolved).isFile()) {
                plan.failures.push_back({resolved, QStringLiteral("%1: no such file").arg(where)});
                continue;
            }
            task.path = resolved;
        } else {
            if (task.externalId.isEmpty()) {
                plan.failures.push_back({QStringLiteral("%1:%2").arg(csvPath).arg(row.line),
                                         QStringLiteral("%1: the object id is empty").arg(where)});
                continue;
            }
            for (const QString &extension : kImageExtensions) {
                const QString candidate = root + QLatin1Char('/') + task.externalId + QLatin1Char('.') + extension;
                if (isInside(QDir::cleanPath(candidate), root) && QFileInfo(candidate).isFile()) {
                    task.path = candidate;
                    break;
                }
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
    return plan;
}

ImportPlan planDepartmentFolderImport(const QString &rootDir)
{
    const QFileInfo rootInfo(rootDir);
    if (!rootInfo.isDir())
        throw ImportSetupError(QStringLiteral("no folder at %1").arg(rootDir));
    const QDir root(rootInfo.absoluteFilePath());

    ImportPlan plan;
    for (const QFileInfo &loose : root.entryInfoList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name)) {
        if (hasImageExtension(loose.fileName())) {
            plan.failures.push_back({loose.absoluteFilePath(),
                                     QStringLiteral("not inside a department folder (expected %1/<department>/%2)")
                                         .arg(root.absolutePath(), loose.fileName())});
        } else {
            ++plan.ignoredFiles;
        }
    }
    const QFileInfoList departmentDirs = root.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QFileInfo &departmentDir : departmentDirs) {
        for (const QString &file : imageFilesUnder(departmentDir.absoluteFilePath(), &plan.ignoredFiles)) {
            ImportTask task;
            task.path = file;
            task.label = departmentDir.fileName();
            plan.tasks.push_back(task);
        }
    }
    return plan;
}

ImportPlan planUnlabelledImport(const QStringList &paths)
{
    ImportPlan plan;
    for (const QString &path : paths) {
        const QFileInfo info(path);
        if (info.isDir()) {
            for (const QString &file : imageFilesUnder(info.absoluteFilePath(), &plan.ignoredFiles))
                plan.tasks.push_back({file, QString(), QString(), QJsonObject()});
        } else if (info.isFile()) {
            plan.tasks.push_back({info.absoluteFilePath(), QString(), QString(), QJsonObject()});
        } else {
            plan.failures.push_back({info.absoluteFilePath(), QStringLiteral("no such file or folder")});
        }
    }
    return plan;
}

} // namespace accession
