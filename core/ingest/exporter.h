#pragma once

#include "importplan.h"

#include "catalog/reviewstore.h"

#include <QJsonObject>

namespace accession {

class Catalog;

// One exported row per item: its labels and predictions with their provenance. In CSV a text that a
// spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage return) is written with a
// leading apostrophe; JSON keeps every value exactly.
QString exportCsvHeader();
QString exportCsvRow(const ItemOverview &row);
QJsonObject exportJsonRow(const ItemOverview &row);

struct FolderExportSummary
{
    qint64 written = 0;
    QVector<ImportFailure> failures; // a missing image, a file that cannot be written
};

// DIR/<department>/<file>: every item with a department label (imported or a curator's), the layout
// other ML tools read, with labels.csv and labels.json beside the folders. Existing files are replaced.
FolderExportSummary exportDepartmentFolders(Catalog &catalog, const QString &dir);

} // namespace accession
