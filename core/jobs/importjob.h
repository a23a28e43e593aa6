#pragma once

#include "ingest/importer.h"
#include "jobs/summaryjob.h"


namespace accession {

// Brings photographs into a catalog off the GUI thread (ingest's importIntoCatalog), its summary readable meanwhile.
class ImportJob : public SummaryJob<ImportSummary>
{
    Q_OBJECT
public:
    ImportJob(QString catalogPath, ImportRequest request, QObject *parent = nullptr);

    static constexpr int kBatchSize = kImportBatchSize;

protected:
    void run() override;

private:
    QString m_catalogPath;
    ImportRequest m_request;
};

} // namespace accession
