#pragma once

#include "catalog/problem.h"

#include "catalog/itemquery.h"
#include "catalog/reviewstore.h"

#include <QJsonObject>

#include <functional>

class QIODevice;

namespace accession {

class Catalog;

// One exported row per item: its labels and predictions with their provenance. In CSV a text that a
// spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage return) is written with a
// leading apostrophe; JSON keeps every value exactly.
QString exportCsvHeader();
QString exportCsvRow(const ItemRow &row);
QJsonObject exportJsonRow(const ItemRow &row);

enum class ExportFormat { Csv, Json };

// Every item of the catalog (or those the filter keeps) as CSV (a header, then a row per line) or a JSON array,
// written to device. afterEachRow (optional) is called with the count written so far; it may throw to stop.
// Returns the count.
qint64 exportItems(Catalog &catalog, QIODevice *device, ExportFormat format,
                   const std::function<void(qint64 written)> &afterEachRow = {}, const ItemFilter &filter = {});

struct FolderExportSummary
{
    qint64 written = 0;
    qint64 total = 0; // items with a department label
    QVector<Problem> failures; // a missing image, a file that cannot be written
    bool cancelled = false;
};

// How a long folder export reports and stops: progress after each file (done, total), and a cancel
// check between files and between the chunks of a large one.
struct FolderExportControl
{
    std::function<void(qint64 done, qint64 total)> progress;
    std::function<bool()> isCancelled;
};

// DIR/<department>/<file>: every item with a department label (imported or a curator's), the layout
// other ML tools read, with labels.csv and labels.json beside the folders. Existing files are replaced.
// Each image is copied to a .part file and renamed when whole. Cancelled, it removes the .part file and
// stops: labels.csv and labels.json then list exactly the images copied so far, and cancelled is set.
FolderExportSummary exportDepartmentFolders(Catalog &catalog, const QString &dir, const FolderExportControl &control = {});

} // namespace accession
