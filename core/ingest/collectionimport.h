#pragma once

#include "httpfetcher.h"
#include "importplan.h"
#include "catalog/workcontrol.h"

#include <QJsonObject>
#include <QMap>

#include <functional>

namespace accession {

// What a collection import did; objects are counted once, across resumed runs.
struct CollectionImportSummary
{
    qint64 imported = 0;
    qint64 duplicates = 0;        // images the catalog already held
    qint64 skipped = 0;           // left out for good: no image, not public domain
    qint64 alreadyDone = 0;       // recorded by an earlier run and not fetched again
    QVector<Problem> skippedReasons; // what was skipped and why
    QVector<Problem> failures;       // could not be fetched or decoded now; tried again next time
    QMap<QString, int> importedPerGroup;   // per department (Met) or manifest (IIIF)
    qint64 requests = 0;
    double seconds = 0;
    bool cancelled = false;
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

// One object of The Met as its record describes it; imageUrl empty when it has none.
struct MetObject
{
    QString objectId;
    QString department;
    QString imageUrl;
    bool publicDomain = false;
    QJsonObject metadata; // the fields an item keeps (title, culture, date, ...)
};

// The Met's JSON documents, parsed apart from fetching (the importer and the fuzz targets use these).
// Each sets *error (a reason, no address) and returns what it could read when the body is not as expected.
QVector<MetDepartment> parseMetDepartments(const QByteArray &body, QString *error);
QVector<qint64> parseMetObjectIds(const QByteArray &body, QString *error);
// fullImages: primaryImage rather than primaryImageSmall. An image address that is not http(s) is refused.
MetObject parseMetObject(const QByteArray &body, bool fullImages, QString *error);

// The API's departments, optionally with their object counts (one request each). Throws on failure.
QVector<MetDepartment> fetchMetDepartments(const QString &baseUrl, bool countObjects, const HttpPolicy &policy,
                                           const std::function<bool()> &cancelled = {});
// Indices 0..n-1 in an order whose every prefix is spread evenly over the range.
QVector<int> evenlySpreadOrder(int n);

// Builds a catalog from The Met's Collection API: the department list, the objects of each department
// (sampled evenly when a number per department is given), each object's JSON and image. Objects are
// recorded as they finish, so an interrupted import resumes without fetching anything twice. Fills summary as it
// goes (a cancel, WorkCancelled, or a failure leaves what was done in it).
void importFromMet(const MetImportRequest &request, CollectionImportSummary &summary, const WorkControl &control = {});

// One canvas of a IIIF manifest, with the image to fetch for it (an Image API request or a direct URL).
struct IiifCanvas
{
    QString id;
    QString label;
    QString imageUrl;
    QVector<QPair<QString, QString>> metadata;
};

// A IIIF Presentation 2.1 or 3.0 document, parsed apart from fetching. Every reference in it (member,
// image, service) must be an http or https URL: anything else is refused with one message, and never
// looked up on disk, so a document can neither read local files nor tell whether they exist.
struct IiifDocument
{
    QString type;  // "Manifest", "Collection" or what the document said
    QString label;
    QVector<QPair<QString, QString>> metadata;
    QVector<IiifCanvas> canvases;     // a manifest's canvases with an id and an acceptable image
    QVector<QJsonObject> members;     // a collection's members with an acceptable id (embedded or referenced)
    QVector<Problem> problems;  // what was refused or left out, and why
};

// address: where the document came from, to name it in problems; maxImageSide: asked of the Image API.
IiifDocument parseIiifDocument(const QJsonObject &document, const QString &address, int maxImageSide);
// Sets *error for a body that is not a JSON object.
IiifDocument parseIiifDocument(const QByteArray &body, const QString &address, int maxImageSide, QString *error);
// A member's id ("id" or "@id") and whether it carries its content (rather than a reference to fetch).
QString iiifMemberId(const QJsonObject &member);
bool iiifMemberIsEmbedded(const QJsonObject &member);

struct IiifImportRequest
{
    QString catalogPath;
    QString source;      // a manifest or collection: URL or local file (only this one may be local)
    QString labelField;  // a metadata label whose value becomes the item's department
    int maxImageSide = 1024;
    HttpPolicy policy;
};

// Imports the canvases of a IIIF Presentation 2.1 or 3.0 manifest, or of every manifest in a collection
// (nested collections followed), through the Image API; keeps labels and metadata on the items. Fills summary as
// it goes, like importFromMet.
void importFromIiif(const IiifImportRequest &request, CollectionImportSummary &summary, const WorkControl &control = {});

} // namespace accession
