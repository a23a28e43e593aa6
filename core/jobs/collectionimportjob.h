#pragma once

#include "ingest/collectionimport.h"
#include "jobs/job.h"

#include <QMutex>

namespace accession {

// What the collection import jobs share: a summary that grows as the job runs, readable from any thread.
class CollectionImportJob : public Job
{
    Q_OBJECT
public:
    using Job::Job;
    // Complete after finished()/cancelled(); partial while running.
    CollectionImportSummary summary() const;

protected:
    // Runs an ingest engine with this job's cancel and progress, publishing its summary at each report and at the end.
    void runEngine(const std::function<void(CollectionImportSummary &, const WorkControl &)> &engine);

private:
    void publish(const CollectionImportSummary &summary);

    mutable QMutex m_mutex;
    CollectionImportSummary m_summary;
};

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
