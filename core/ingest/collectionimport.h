#pragma once

#include "httpfetcher.h"
#include "importplan.h"
#include "jobs/job.h"

#include <QElapsedTimer>
#include <QMap>
#include <QMutex>

namespace accession {

// What a collection import did; objects are counted once, across resumed runs.
struct CollectionImportSummary
{
    qint64 imported = 0;
    qint64 duplicates = 0;        // images the catalog already held
    qint64 skipped = 0;           // left out for good: no image, not public domain
    qint64 alreadyDone = 0;       // recorded by an earlier run and not fetched again
    QVector<ImportFailure> skippedReasons; // what was skipped and why
    QVector<ImportFailure> failures;       // could not be fetched or decoded now; tried again next time
    QMap<QString, int> importedPerGroup;   // per department (Met) or manifest (IIIF)
    qint64 requests = 0;
    double seconds = 0;
    bool cancelled = false;
};

// What the collection importers share: a summary that grows as the job runs, readable from any thread.
class CollectionImportJob : public Job
{
    Q_OBJECT
public:
    using Job::Job;
    CollectionImportSummary summary() const;

protected:
    // Stamps the elapsed time on the summary and makes it the one summary() returns.
    void publish(CollectionImportSummary &summary, const QElapsedTimer &timer);

private:
    mutable QMutex m_mutex;
    CollectionImportSummary m_summary;
};

struct MetImportRequest
{
    QString catalogPath;
    QString baseUrl = QStringLiteral("https://collectionapi.metmuseum.org/public/collection/v1");
    QStringList departments;  // names or ids; empty: all
    int perDepartment = 0;    // 0: every object with an image
    bool publicDomainOnly = false;
    bool fullImages = false;  // primaryImage instead of primaryImageSmall
    HttpPolicy policy;
};

struct MetDepartment
{
    int id = 0;
    QString name;
    qint64 objects = -1; // -1: not counted
};

// Builds a catalog from The Met's Collection API: the department list, the objects of each department
// (sampled evenly when a number per department is given), each object's JSON and image. Objects are
// recorded as they finish, so an interrupted import resumes without fetching anything twice.
class MetImportJob : public CollectionImportJob
{
    Q_OBJECT
public:
    explicit MetImportJob(MetImportRequest request, QObject *parent = nullptr);
    // The API's departments, optionally with their object counts (one request each). Throws on failure.
    static QVector<MetDepartment> fetchDepartments(const QString &baseUrl, bool countObjects, const HttpPolicy &policy,
                                                   const std::function<bool()> &cancelled = {});
    // Indices 0..n-1 in an order whose every prefix is spread evenly over the range.
    static QVector<int> evenlySpreadOrder(int n);

protected:
    void run() override;

private:
    MetImportRequest m_request;
};

struct IiifImportRequest
{
    QString catalogPath;
    QString source;      // a manifest or collection: URL or local file
    QString labelField;  // a metadata label whose value becomes the item's department
    int maxImageSide = 1024;
    HttpPolicy policy;
};

// Imports the canvases of a IIIF Presentation 2.1 or 3.0 manifest, or of every manifest in a collection
// (nested collections followed), through the Image API; keeps labels and metadata on the items.
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
