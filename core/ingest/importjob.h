#pragma once

#include "importplan.h"
#include "catalog/catalog.h"
#include "jobs/job.h"
#include "imaging/imagedecoder.h"

#include <QMutex>
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
    QVector<qint64> itemIds; // the catalog item of every input that is now in the catalog, in input order
    double seconds = 0.0;
    bool cancelled = false;
};

// Brings photographs into a catalog: decodes them in parallel, writes them in batches, records every failure.
class ImportJob : public Job
{
    Q_OBJECT
public:
    ImportJob(QString catalogPath, ImportRequest request, QObject *parent = nullptr);

    // Complete after finished()/cancelled(); partial while running.
    ImportSummary summary() const;

    static constexpr int kBatchSize = 128;

protected:
    void run() override;

private:
    ImportPlan makePlan() const;

    QString m_catalogPath;
    ImportRequest m_request;
    mutable QMutex m_summaryMutex;
    ImportSummary m_summary;
};

} // namespace accession
