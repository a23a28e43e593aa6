#pragma once

#include "ingest/collectionimport.h"
#include "jobs/summaryjob.h"

namespace accession {

// What the collection import jobs share: a summary that grows as the job runs, readable from any thread.
using CollectionImportJob = SummaryJob<CollectionImportSummary>;

// Imports from The Met's Collection API off the GUI thread (ingest's importFromMet); resumable.
class MetImportJob : public CollectionImportJob
{
    Q_OBJECT
public:
    explicit MetImportJob(MetImportRequest request, QObject *parent = nullptr);

protected:
    void run() override;

private:
    MetImportRequest m_request;
};

// Imports a IIIF manifest or collection off the GUI thread (ingest's importFromIiif).
class IiifImportJob : public CollectionImportJob
{
    Q_OBJECT
public:
    explicit IiifImportJob(IiifImportRequest request, QObject *parent = nullptr);

protected:
    void run() override;

private:
    IiifImportRequest m_request;
};

} // namespace accession
