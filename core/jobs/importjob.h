#pragma once

#include "ingest/importer.h"
#include "jobs/job.h"

#include <QMutex>

namespace accession {

// Brings photographs into a catalog off the GUI thread (ingest's importIntoCatalog), its summary readable meanwhile.
class ImportJob : public Job
{
    Q_OBJECT
public:
    ImportJob(QString catalogPath, ImportRequest request, QObject *parent = nullptr);

    // Complete after finished()/cancelled(); partial while running.
    ImportSummary summary() const;

    static constexpr int kBatchSize = kImportBatchSize;

protected:
    void run() override;

private:
    void publish(const ImportSummary &summary);

    QString m_catalogPath;
    ImportRequest m_request;
    mutable QMutex m_summaryMutex;
    ImportSummary m_summary;
};

} // namespace accession
