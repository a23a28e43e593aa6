#pragma once

#include "catalog/problem.h"

#include <QIODevice>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <stdexcept>

namespace accession {

// An import that cannot start at all (no such CSV, a named column missing, ...).
class ImportSetupError : public std::runtime_error
{
public:
    explicit ImportSetupError(const QString &message)
        : std::runtime_error(message.toStdString())
    {
    }
};

// One file to bring into the catalog, with what its source said about it.
struct ImportTask
{
    QString path;
    QString label;      // department name; empty for unlabelled
    QString externalId;
    QJsonObject metadata;
};

struct ImportPlan
{
    QVector<ImportTask> tasks;
    QVector<Problem> failures;
    QStringList warnings;    // what was put right and the user should know (a CSV read as Windows-1252, ...)
    qint64 ignoredFiles = 0; // files in scanned folders whose names are not images
};

// CSV column names; an empty name means: find it among the usual names.
struct CsvColumns
{
    QString idColumn;
    QString fileColumn;
    QString labelColumn;
    QString titleColumn; // kept as the item's "title"
};

// The usual names, in order: the original study's file, the MET Open Access CSV, common ML layouts.
const QStringList &defaultIdColumns();
const QStringList &defaultFileColumns();
const QStringList &defaultLabelColumns();
const QStringList &defaultTitleColumns();

// Where an item from a CSV keeps the columns no role was mapped to, as a JSON object of header name to value:
// stored, exported with the catalog, but not shown as the item's metadata.
inline constexpr char kUnmappedCsvColumnsKey[] = "csv_columns";

bool hasImageExtension(const QString &fileName);

// The mapped columns become the item's path, external id, label and title; the others are kept under
// kUnmappedCsvColumnsKey. Images are looked up inside imagesDir only: a name or a symbolic link that leads out of it is refused.
ImportPlan planCsvImport(const QString &csvPath, const QString &imagesDir, const CsvColumns &columns);
// The same over CSV text from a device (csvName names it in messages).
ImportPlan planCsvImport(QIODevice *csv, const QString &csvName, const QString &imagesDir, const CsvColumns &columns);
// Folder scans report, and never open, dangling symbolic links, links leading out of the folder, FIFOs,
// sockets and devices.
ImportPlan planDepartmentFolderImport(const QString &rootDir);
ImportPlan planUnlabelledImport(const QStringList &paths);

} // namespace accession
