#pragma once

#include "importplan.h"
#include "catalog/catalog.h"
#include "catalog/workcontrol.h"
#include "imaging/imagedecoder.h"

#include <QVector>

namespace accession {

struct ImportRequest
{
    enum class Source { Csv, DepartmentFolders, Unlabelled, Tasks };

    Source source = Source::Unlabelled;
    QString csvPath;
    QString imagesDir;
    CsvColumns columns;
    QString foldersDir;
    QStringList paths;
    QVector<ImportTask> tasks; // Source::Tasks: files already chosen, with their labels and metadata
    QString description;       // how the import run is described in the catalog (default: from the source)
    // Copy each image into the catalog's own image folder instead of leaving it where it is.
    bool copyIntoCatalog = false;
    DecodeRequest decode;
    int threads = 0; // 0: one per core
    // A label naming a department not yet in the catalog must fit this (see Catalog::kMaxDepartmentNameLength);
    // a row whose label does not is reported and the rest goes on.
    int maxDepartmentNameLength = Catalog::kMaxDepartmentNameLength;
};

struct ImportSummary
{
    qint64 runId = 0;
    qint64 imported = 0;
    qint64 duplicates = 0;
    qint64 relocated = 0; // duplicates whose stored path had gone missing and now point at the new file
    qint64 ignoredFiles = 0;
    QVector<Problem> failures;
    QStringList warnings; // recorded with the run too
    qint64 nearDuplicates = 0; // new photographs whose perceptual hash is near an item's already stored
    QVector<qint64> itemIds; // the catalog item of every input that is now in the catalog, in input order
    double seconds = 0.0;
    bool cancelled = false;
};

// Files are decoded and written in batches of this many; a cancel keeps whole batches.
constexpr int kImportBatchSize = 128;

// Brings photographs into a catalog: decodes them in parallel, writes them in batches (one transaction each) and
// records every failure. Fills summary as it goes, so that a cancel (WorkCancelled) or a failure (CatalogError,
// ImportSetupError) leaves in it what was done; reports progress after each batch.
void importIntoCatalog(const QString &catalogPath, const ImportRequest &request, ImportSummary &summary,
                       const WorkControl &control = {});

} // namespace accession
