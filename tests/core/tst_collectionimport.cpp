#include "catalog/catalog.h"
#include "demo/syntheticimages.h"
#include "fakecollectionserver.h"
#include "jobs/collectionimportjob.h"
#include "testcatalogs.h"
#include "testimages.h"
#include "throwawaypostgres.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace accession;
using namespace accession::test;

namespace {

const QStringList kDepartments = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art"), QStringLiteral("Egyptian Art")};

using FakeServer = FakeCollectionServer;

// A Met-shaped object; image "" for none.
QJsonObject metObject(int id, int department, bool publicDomain, const QString &image)
{
    return QJsonObject{{QStringLiteral("objectID"), id},
                       {QStringLiteral("isPublicDomain"), publicDomain},
                       {QStringLiteral("primaryImage"), image.isEmpty() ? QString() : QStringLiteral("{BASE}/images/") + image},
                       {QStringLiteral("primaryImageSmall"), image.isEmpty() ? QString() : QStringLiteral("{BASE}/images/") + image},
                       {QStringLiteral("department"), kDepartments[department - 1]},
                       {QStringLiteral("title"), QStringLiteral("Object %1").arg(id)},
                       {QStringLiteral("culture"), QStringLiteral("Culture %1").arg(department)},
                       {QStringLiteral("objectDate"), QStringLiteral("ca. %1").arg(1500 + id)},
                       {QStringLiteral("objectURL"), QStringLiteral("https://www.metmuseum.org/art/collection/search/%1").arg(id)},
                       {QStringLiteral("_departmentId"), department}};
}

// Departments 1-3, each with perDepartment objects (ids department*100 + i), every one with its own image.
QJsonObject cleanConfig(FakeServer &server, int perDepartment)
{
    QJsonArray departments;
    QJsonObject objects;
    for (int d = 1; d <= 3; ++d) {
        departments.append(QJsonObject{{QStringLiteral("departmentId"), d}, {QStringLiteral("displayName"), kDepartments[d - 1]}});
        for (int i = 0; i < perDepartment; ++i) {
            const int id = d * 100 + i;
            server.writeImage(QStringLiteral("%1.jpg").arg(id), renderSyntheticImage(d - 1, 64, quint32(id), QStringLiteral("jpg")));
            objects.insert(QString::number(id), metObject(id, d, true, QStringLiteral("%1.jpg").arg(id)));
        }
    }
    return QJsonObject{{QStringLiteral("departments"), departments}, {QStringLiteral("objects"), objects}, {QStringLiteral("faults"), QJsonObject()}};
}

HttpPolicy quickPolicy(double rate = 50)
{
    HttpPolicy policy;
    policy.requestsPerSecond = rate;
    policy.connections = 4;
    policy.retries = 3;
    policy.backoffMs = 100;
    policy.stallMs = 10000;
    return policy;
}

CollectionImportSummary runMet(const QString &catalog, const FakeServer &server, int perDepartment = 0, bool publicDomainOnly = false,
                               HttpPolicy policy = quickPolicy(), QStringList departments = {})
{
    MetImportRequest request;
    request.catalogPath = catalog;
    request.baseUrl = server.api();
    request.perDepartment = perDepartment;
    request.publicDomainOnly = publicDomainOnly;
    request.policy = policy;
    request.departments = departments;
    MetImportJob job(request);
    QString error;
    QObject::connect(&job, &Job::failed, &job, [&error](const QString &message) { error = message; });
    if (!job.exec())
        qWarning("met import did not finish: %s", qPrintable(error));
    return job.summary();
}

bool anyReason(const QVector<Problem> &failures, const QString &part)
{
    return std::any_of(failures.begin(), failures.end(), [&](const Problem &f) { return f.reason.contains(part); });
}

// The reason recorded for the one failure whose path ends with pathEnd; empty when none.
QString reasonFor(const QVector<Problem> &failures, const QString &pathEnd)
{
    for (const Problem &failure : failures) {
        if (failure.path.endsWith(pathEnd))
            return failure.reason;
    }
    return QString();
}

QString describe(const QVector<Problem> &failures)
{
    QStringList lines;
    for (const Problem &failure : failures)
        lines << failure.path + QStringLiteral(": ") + failure.reason;
    return lines.join(QLatin1Char('\n'));
}

// Tiny limits, no retries: a misbehaving server costs a few seconds, whatever it sends.
HttpPolicy tightPolicy()
{
    HttpPolicy policy = quickPolicy();
    policy.retries = 0;
    policy.maxJsonBytes = 1024 * 1024;
    policy.maxImageBytes = 1024 * 1024;
    policy.stallMs = 2500; // the trickling server sends a byte a second: that is progress, not a stall
    policy.requestMs = 5000;
    return policy;
}

// What the items table holds, before the catalog resolves it for this machine.
QString storedPath(Catalog &catalog, qint64 itemId)
{
    QSqlQuery query = catalog.run(QStringLiteral("SELECT path FROM items WHERE id = :id"), {{QStringLiteral("id"), itemId}});
    return query.next() ? query.value(0).toString() : QString();
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString sha256Hex(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}


// A catalog whose shared image folder is share.
QString catalogWithSharedFolder(const QString &catalogPath, const QString &share)
{
    QDir().mkpath(share);
    Catalog catalog(catalogPath, Catalog::OpenMode::CreateIfMissing);
    catalog.setImageFolderSetting(share);
    return catalog.imageFolderSetting();
}

} // namespace

class TestCollectionImport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void spreadsSamplesEvenly();
    void importsMetObjectsAndReportsEveryProblem();
    void holdsTheRequestRate();
    void sampleSizePerDepartmentAndUnknownDepartment();
    void resumesWithoutFetchingAnythingTwice();
    void importsIiifV2ManifestWithLabelField();
    void followsIiifV3CollectionsAndReportsBrokenManifests();
    void exportsFoldersWithProvenance();
    void boundsEndlessTricklingAndSilentResponses();
    void boundsIiifDocumentsAndImages();
    void iiifReferencesMustBeWebAddresses();
    void parsesMetAndIiifDocumentsWithoutFetching();
    void downloadsAreStoredAsBlobsOfTheSharedFolder();
    void aSharedFolderThatCannotBeWrittenFailsEachDownload();

private:
    QByteArray servedImage(const QString &name) const { return readAll(m_dir.filePath(QStringLiteral("server/images/") + name)); }
    QTemporaryDir m_dir;
    std::unique_ptr<FakeServer> m_server;
};

void TestCollectionImport::initTestCase()
{
    QString error;
    QVERIFY2(prepareCatalogBackend(&error), qPrintable(error));
    m_server = std::make_unique<FakeServer>(m_dir.filePath(QStringLiteral("server")));
    m_server->writeConfig(cleanConfig(*m_server, 2));
    QVERIFY2(m_server->start(), "the loopback collection server did not start");
}

void TestCollectionImport::spreadsSamplesEvenly()
{
    const QVector<int> order = evenlySpreadOrder(8);
    QCOMPARE(order.size(), 8);
    QCOMPARE(order.mid(0, 2), (QVector<int>{0, 4}));
    QVector<int> firstFour = order.mid(0, 4);
    std::sort(firstFour.begin(), firstFour.end());
    QCOMPARE(firstFour, (QVector<int>{0, 2, 4, 6}));
    QVector<int> all = evenlySpreadOrder(101);
    std::sort(all.begin(), all.end());
    for (int i = 0; i < 101; ++i)
        QCOMPARE(all[i], i);
}

void TestCollectionImport::importsMetObjectsAndReportsEveryProblem()
{
    QJsonObject config = cleanConfig(*m_server, 3);
    QJsonObject objects = config.value(QStringLiteral("objects")).toObject();
    // Department 1: an object without an image, one not in the public domain.
    objects.insert(QStringLiteral("150"), metObject(150, 1, true, QString()));
    m_server->writeImage(QStringLiteral("151.jpg"), renderSyntheticImage(0, 64, 151, QStringLiteral("jpg")));
    objects.insert(QStringLiteral("151"), metObject(151, 1, false, QStringLiteral("151.jpg")));
    // Objects that misbehave once or twice and then answer; and ones that never will.
    for (int id : {160, 161, 162, 163, 164, 165, 166, 167}) {
        m_server->writeImage(QStringLiteral("%1.jpg").arg(id), renderSyntheticImage(1, 64, quint32(id), QStringLiteral("jpg")));
        objects.insert(QString::number(id), metObject(id, 2, true, QStringLiteral("%1.jpg").arg(id)));
    }
    config.insert(QStringLiteral("objects"), objects);
    config.insert(QStringLiteral("faults"), QJsonObject{
        {QStringLiteral("slow"), QJsonObject{{QStringLiteral("160"), 1.5}}},
        {QStringLiteral("rate_limited"), QJsonObject{{QStringLiteral("161"), 2}}},
        {QStringLiteral("server_error"), QJsonObject{{QStringLiteral("162"), 2}, {QStringLiteral("163"), 50}}},
        {QStringLiteral("truncated"), QJsonArray{QStringLiteral("164")}},
        {QStringLiteral("invalid_json"), QJsonArray{QStringLiteral("165")}},
        {QStringLiteral("truncated_image"), QJsonArray{QStringLiteral("166.jpg")}},
        {QStringLiteral("missing"), QJsonArray{QStringLiteral("167")}}});
    m_server->writeConfig(config);

    QTemporaryDir dir;
    const QString catalogPath = newCatalogLocation(dir.path(), QStringLiteral("met.db"));
    const CollectionImportSummary summary = runMet(catalogPath, *m_server, 0, true);
    // 9 clean + 160 (slow), 161 (429 twice), 162 (500 twice).
    QCOMPARE(summary.imported, 12);
    QCOMPARE(summary.skipped, 2);
    QVERIFY(anyReason(summary.skippedReasons, QStringLiteral("no image")));
    QVERIFY(anyReason(summary.skippedReasons, QStringLiteral("not in the public domain")));
    QCOMPARE(summary.failures.size(), 5);
    QVERIFY2(anyReason(summary.failures, QStringLiteral("HTTP 500 after 4 attempts")), qPrintable(summary.failures.first().reason));
    QVERIFY(anyReason(summary.failures, QStringLiteral("truncated response")));
    QVERIFY(anyReason(summary.failures, QStringLiteral("invalid JSON")));
    QVERIFY(anyReason(summary.failures, QStringLiteral("HTTP 404")));
    QVERIFY(anyReason(summary.failures, QStringLiteral("166.jpg")));

    Catalog catalog(catalogPath);
    QCOMPARE(catalog.itemCount(), 12);
    const CatalogStats stats = catalog.stats();
    QCOMPARE(stats.labelled, 12);
    bool sawSlowOne = false;
    for (const ItemRecord &item : catalog.items(0, 100)) {
        QVERIFY(item.path.startsWith(catalog.imageStoreDir()));
        QCOMPARE(item.metadata.value(QStringLiteral("title")).toString(), QStringLiteral("Object %1").arg(item.externalId));
        QVERIFY(item.metadata.value(QStringLiteral("objectURL")).toString().endsWith(item.externalId));
        QVERIFY(!item.metadata.value(QStringLiteral("culture")).toString().isEmpty());
        QVERIFY(!item.metadata.value(QStringLiteral("objectDate")).toString().isEmpty());
        QVERIFY(kDepartments.contains(item.department));
        sawSlowOne = sawSlowOne || item.externalId == QLatin1String("160");
    }
    QVERIFY(sawSlowOne);
    m_server->writeConfig(cleanConfig(*m_server, 2));
}

void TestCollectionImport::holdsTheRequestRate()
{
    m_server->writeConfig(cleanConfig(*m_server, 4));
    m_server->clearLog();
    QTemporaryDir dir;
    const double rate = 6;
    const CollectionImportSummary summary = runMet(newCatalogLocation(dir.path(), QStringLiteral("rate.db")), *m_server, 0, false, quickPolicy(rate));
    QCOMPARE(summary.imported, 12);
    const auto requests = m_server->requests();
    QVERIFY(requests.size() >= 1 + 3 + 12 + 12);
    int busiest = 0;
    for (int i = 0; i < requests.size(); ++i) {
        int inWindow = 0;
        for (int j = i; j < requests.size() && requests[j].first < requests[i].first + 1.0; ++j)
            ++inWindow;
        busiest = std::max(busiest, inWindow);
    }
    // Starts are spaced 1/rate apart by the client; arrival jitter may bring one more into a window.
    QVERIFY2(busiest <= int(rate) + 1, qPrintable(QStringLiteral("%1 requests within one second").arg(busiest)));
    const double span = requests.last().first - requests.first().first;
    QVERIFY2(span >= (requests.size() - 1) / rate * 0.9, qPrintable(QStringLiteral("%1 requests in %2 s").arg(requests.size()).arg(span)));
}

void TestCollectionImport::sampleSizePerDepartmentAndUnknownDepartment()
{
    m_server->writeConfig(cleanConfig(*m_server, 6));
    QTemporaryDir dir;
    const QString catalogPath = newCatalogLocation(dir.path(), QStringLiteral("sample.db"));
    const CollectionImportSummary summary = runMet(catalogPath, *m_server, 2, false, quickPolicy(),
                                                   {QStringLiteral("Arms and Armor"), QStringLiteral("3")});
    QCOMPARE(summary.imported, 4);
    QCOMPARE(summary.importedPerGroup.value(QStringLiteral("Arms and Armor")), 2);
    QCOMPARE(summary.importedPerGroup.value(QStringLiteral("Egyptian Art")), 2);
    QCOMPARE(summary.importedPerGroup.value(QStringLiteral("Asian Art")), 0);
    Catalog catalog(catalogPath);
    QStringList ids;
    for (const ItemRecord &item : catalog.items(0, 10))
        ids << item.externalId;
    QVERIFY2(ids.contains(QStringLiteral("100")) && ids.contains(QStringLiteral("103")), qPrintable(ids.join(QLatin1Char(','))));

    MetImportRequest request;
    request.catalogPath = newCatalogLocation(dir.path(), QStringLiteral("unknown.db"));
    request.baseUrl = m_server->api();
    request.departments = {QStringLiteral("Department of Nothing")};
    request.policy = quickPolicy();
    MetImportJob job(request);
    QSignalSpy failed(&job, &Job::failed);
    QVERIFY(!job.exec());
    QVERIFY(failed.first().first().toString().contains(QStringLiteral("no department 'Department of Nothing'")));
}

void TestCollectionImport::resumesWithoutFetchingAnythingTwice()
{
    m_server->writeConfig(cleanConfig(*m_server, 6));
    m_server->clearLog();
    QTemporaryDir dir;
    const QString catalogPath = newCatalogLocation(dir.path(), QStringLiteral("resume.db"));
    MetImportRequest request;
    request.catalogPath = catalogPath;
    request.baseUrl = m_server->api();
    request.perDepartment = 5;
    request.policy = quickPolicy();
    {
        MetImportJob interrupted(request);
        connect(&interrupted, &Job::progress, &interrupted, [&interrupted](qint64 done, qint64, const QString &) {
            if (done >= 5)
                interrupted.cancel();
        });
        QVERIFY(!interrupted.exec());
        const qint64 first = interrupted.summary().imported;
        QVERIFY2(first >= 5 && first < 15, qPrintable(QString::number(first)));
    }
    const CollectionImportSummary resumed = runMet(catalogPath, *m_server, 5);
    QVERIFY(resumed.alreadyDone >= 5);
    QCOMPARE(Catalog(catalogPath).itemCount(), 15);
    QHash<QString, int> times;
    for (const auto &[when, path] : m_server->requests())
        times[path] += 1;
    for (auto it = times.cbegin(); it != times.cend(); ++it)
        QVERIFY2(it.value() == 1, qPrintable(QStringLiteral("%1 requested %2 times").arg(it.key()).arg(it.value())));
}

void TestCollectionImport::importsIiifV2ManifestWithLabelField()
{
    m_server->writeImage(QStringLiteral("scroll-1.jpg"), renderSyntheticImage(1, 80, 1, QStringLiteral("jpg")));
    m_server->writeImage(QStringLiteral("scroll-2.jpg"), renderSyntheticImage(1, 80, 2, QStringLiteral("jpg")));
    m_server->writeManifest(QStringLiteral("v2.json"), R"({
      "@context": "http://iiif.io/api/presentation/2/context.json",
      "@id": "{BASE}/iiif/v2.json", "@type": "sc:Manifest", "label": "Handscroll with landscapes",
      "metadata": [{"label": "Department", "value": "Asian Art"}, {"label": "Date", "value": "<span>ca. 1600</span>"}],
      "sequences": [{"@type": "sc:Sequence", "canvases": [
        {"@id": "{BASE}/iiif/v2/canvas/1", "@type": "sc:Canvas", "label": "Section 1",
         "images": [{"@type": "oa:Annotation", "resource": {"@id": "{BASE}/iiif-image/scroll-1/full/full/0/default.jpg",
                     "service": {"@context": "http://iiif.io/api/image/2/context.json", "@id": "{BASE}/iiif-image/scroll-1"}}}]},
        {"@id": "{BASE}/iiif/v2/canvas/2", "@type": "sc:Canvas", "label": "Section 2",
         "images": [{"@type": "oa:Annotation", "resource": {"@id": "{BASE}/images/scroll-2.jpg"}}]},
        {"@id": "{BASE}/iiif/v2/canvas/3", "@type": "sc:Canvas", "label": "Blank", "images": []}
      ]}]})");
    m_server->clearLog();
    QTemporaryDir dir;
    IiifImportRequest request;
    request.catalogPath = newCatalogLocation(dir.path(), QStringLiteral("iiif.db"));
    request.source = m_server->base() + QStringLiteral("/iiif/v2.json");
    request.labelField = QStringLiteral("department");
    request.policy = quickPolicy();
    IiifImportJob job(request);
    QVERIFY(job.exec());
    const CollectionImportSummary summary = job.summary();
    QCOMPARE(summary.imported, 2);
    QCOMPARE(summary.failures.size(), 1);
    QVERIFY(summary.failures.first().reason.contains(QStringLiteral("no image")));
    bool usedImageApi = false;
    for (const auto &[when, path] : m_server->requests())
        usedImageApi = usedImageApi || path == QLatin1String("/iiif-image/scroll-1/full/!1024,1024/0/default.jpg");
    QVERIFY(usedImageApi);
    Catalog catalog(request.catalogPath);
    const QVector<ItemRecord> items = catalog.items(0, 10);
    QCOMPARE(items.size(), 2);
    for (const ItemRecord &item : items) {
        QCOMPARE(item.department, QStringLiteral("Asian Art"));
        QCOMPARE(item.metadata.value(QStringLiteral("manifest_label")).toString(), QStringLiteral("Handscroll with landscapes"));
        QCOMPARE(item.metadata.value(QStringLiteral("Date")).toString(), QStringLiteral("ca. 1600"));
        QVERIFY(item.externalId.contains(QStringLiteral("/canvas/")));
    }
}

void TestCollectionImport::followsIiifV3CollectionsAndReportsBrokenManifests()
{
    m_server->writeImage(QStringLiteral("helmet.jpg"), renderSyntheticImage(0, 80, 3, QStringLiteral("jpg")));
    m_server->writeImage(QStringLiteral("vase.jpg"), renderSyntheticImage(2, 80, 4, QStringLiteral("jpg")));
    m_server->writeManifest(QStringLiteral("helmet.json"), R"({
      "@context": "http://iiif.io/api/presentation/3/context.json", "id": "{BASE}/iiif/helmet.json", "type": "Manifest",
      "label": {"en": ["Helmet"]}, "metadata": [{"label": {"en": ["Object type"]}, "value": {"en": ["Arms and Armor"]}}],
      "items": [{"id": "{BASE}/iiif/helmet/canvas", "type": "Canvas", "items": [{"id": "{BASE}/iiif/helmet/page", "type": "AnnotationPage",
        "items": [{"id": "{BASE}/iiif/helmet/annotation", "type": "Annotation", "motivation": "painting",
          "body": {"id": "{BASE}/iiif-image/helmet/full/max/0/default.jpg", "type": "Image",
                   "service": [{"id": "{BASE}/iiif-image/helmet", "type": "ImageService3"}]}}]}]}]})");
    m_server->writeManifest(QStringLiteral("vase.json"), R"({
      "@context": "http://iiif.io/api/presentation/2/context.json", "@id": "{BASE}/iiif/vase.json", "@type": "sc:Manifest",
      "label": "Vase", "metadata": [{"label": "Object type", "value": "Egyptian Art"}],
      "sequences": [{"canvases": [{"@id": "{BASE}/iiif/vase/canvas", "images": [{"resource": {"@id": "{BASE}/images/vase.jpg"}}]}]}]})");
    m_server->writeManifest(QStringLiteral("broken.json"), "{ \"type\": \"Manifest\", \"items\": [ ");
    m_server->writeManifest(QStringLiteral("nested.json"), R"({"id": "{BASE}/iiif/nested.json", "type": "Collection",
      "items": [{"id": "{BASE}/iiif/vase.json", "type": "Manifest"}]})");
    m_server->writeManifest(QStringLiteral("top.json"), R"({"@context": "http://iiif.io/api/presentation/3/context.json",
      "id": "{BASE}/iiif/top.json", "type": "Collection", "label": {"en": ["Highlights"]},
      "items": [{"id": "{BASE}/iiif/helmet.json", "type": "Manifest"}, {"id": "{BASE}/iiif/broken.json", "type": "Manifest"},
                {"id": "{BASE}/iiif/nested.json", "type": "Collection"}, {"id": "{BASE}/iiif/absent.json", "type": "Manifest"}]})");
    QTemporaryDir dir;
    IiifImportRequest request;
    request.catalogPath = newCatalogLocation(dir.path(), QStringLiteral("collection.db"));
    request.source = m_server->base() + QStringLiteral("/iiif/top.json");
    request.labelField = QStringLiteral("Object type");
    request.policy = quickPolicy();
    IiifImportJob job(request);
    QVERIFY(job.exec());
    const CollectionImportSummary summary = job.summary();
    QCOMPARE(summary.imported, 2);
    QCOMPARE(summary.failures.size(), 2);
    QVERIFY(anyReason(summary.failures, QStringLiteral("invalid JSON")));
    QVERIFY(anyReason(summary.failures, QStringLiteral("HTTP 404")));
    Catalog catalog(request.catalogPath);
    QStringList departments;
    for (const ItemRecord &item : catalog.items(0, 10))
        departments << item.department;
    departments.sort();
    QCOMPARE(departments, (QStringList{QStringLiteral("Arms and Armor"), QStringLiteral("Egyptian Art")}));

    // Again: everything is already there, nothing is downloaded twice.
    IiifImportJob again(request);
    QVERIFY(again.exec());
    QCOMPARE(again.summary().imported, 0);
    QCOMPARE(again.summary().alreadyDone, 2);
}

void TestCollectionImport::exportsFoldersWithProvenance()
{
    m_server->writeConfig(cleanConfig(*m_server, 2));
    QTemporaryDir dir;
    const QString catalogPath = newCatalogLocation(dir.path(), QStringLiteral("export.db"));
    QCOMPARE(runMet(catalogPath, *m_server).imported, 6);
    QByteArray out;
    QCOMPARE(runCli({QStringLiteral("export"), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--format"), QStringLiteral("folders"),
                     QStringLiteral("--out"), dir.filePath(QStringLiteral("out")), QStringLiteral("--json")}, &out), 0);
    QCOMPARE(QJsonDocument::fromJson(out).object().value(QStringLiteral("written")).toInt(), 6);
    for (const QString &department : kDepartments)
        QCOMPARE(QDir(dir.filePath(QStringLiteral("out/") + department)).entryList(QDir::Files).size(), 2);
    QFile csv(dir.filePath(QStringLiteral("out/labels.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 7);
    QVERIFY(lines[0].endsWith("status,out_of_scope,out_of_scope_score,exported_file"));
    QVERIFY(lines[1].contains(",imported,"));
    QFile json(dir.filePath(QStringLiteral("out/labels.json")));
    QVERIFY(json.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(json.readAll()).array().size(), 6);

    // The same through the command line, as a curator runs it.
    QCOMPARE(runCli({QStringLiteral("met-import"), QStringLiteral("--catalog"), newCatalogLocation(dir.path(), QStringLiteral("cli.db")), QStringLiteral("--base-url"),
                     m_server->api(), QStringLiteral("--per-department"), QStringLiteral("1"), QStringLiteral("--rate"), QStringLiteral("40"),
                     QStringLiteral("--json")}, &out), 0);
    const QJsonObject summary = QJsonDocument::fromJson(out).object();
    QCOMPARE(summary.value(QStringLiteral("imported")).toInt(), 3);
    QCOMPARE(summary.value(QStringLiteral("per_department")).toObject().size(), 3);
}

void TestCollectionImport::boundsEndlessTricklingAndSilentResponses()
{
    QJsonObject config = cleanConfig(*m_server, 1);
    QJsonObject objects = config.value(QStringLiteral("objects")).toObject();
    for (int id : {170, 171, 172, 173, 174, 175}) {
        m_server->writeImage(QStringLiteral("%1.jpg").arg(id), renderSyntheticImage(1, 64, quint32(id), QStringLiteral("jpg")));
        objects.insert(QString::number(id), metObject(id, 2, true, QStringLiteral("%1.jpg").arg(id)));
    }
    config.insert(QStringLiteral("objects"), objects);
    config.insert(QStringLiteral("faults"), QJsonObject{{QStringLiteral("streams"), QJsonObject{
        {QStringLiteral("/api/objects/170"), QStringLiteral("endless")},
        {QStringLiteral("/api/objects/171"), QStringLiteral("huge_declared")},
        {QStringLiteral("/api/objects/172"), QStringLiteral("trickle")},
        {QStringLiteral("/api/objects/173"), QStringLiteral("silent")},
        {QStringLiteral("/images/174.jpg"), QStringLiteral("endless")}}}});
    m_server->writeConfig(config);

    QTemporaryDir dir;
    const CollectionImportSummary summary = runMet(newCatalogLocation(dir.path(), QStringLiteral("bounded.db")), *m_server, 0, false, tightPolicy(),
                                                   {QStringLiteral("Asian Art")});
    // 200 and 175 are fine; each misbehaving response is its object's failure, and the rest goes on.
    QCOMPARE(summary.imported, 2);
    QCOMPARE(summary.failures.size(), 5);
    const QString failures = describe(summary.failures);
    QVERIFY2(reasonFor(summary.failures, QStringLiteral("/api/objects/170")).contains(QStringLiteral("larger than the limit of 1 MB")), qPrintable(failures));
    QVERIFY2(reasonFor(summary.failures, QStringLiteral("/api/objects/171")).contains(QStringLiteral("declares 5120 MB, over the limit of 1 MB")), qPrintable(failures));
    QVERIFY2(reasonFor(summary.failures, QStringLiteral("/api/objects/172")).contains(QStringLiteral("not complete after 5 s")), qPrintable(failures));
    QVERIFY2(reasonFor(summary.failures, QStringLiteral("/api/objects/173")).contains(QStringLiteral("no data received for 2.5 s")), qPrintable(failures));
    QVERIFY2(reasonFor(summary.failures, QStringLiteral("/images/174.jpg")).contains(QStringLiteral("larger than the limit of 1 MB")), qPrintable(failures));
    QVERIFY2(reasonFor(summary.failures, QStringLiteral("/images/174.jpg")).contains(QStringLiteral("/images/174.jpg")), qPrintable(failures));

    // The same limits from the command line.
    QByteArray out;
    QCOMPARE(runCli({QStringLiteral("met-import"), QStringLiteral("--catalog"), newCatalogLocation(dir.path(), QStringLiteral("cli.db")), QStringLiteral("--base-url"),
                     m_server->api(), QStringLiteral("--departments"), QStringLiteral("2"), QStringLiteral("--retries"), QStringLiteral("0"),
                     QStringLiteral("--rate"), QStringLiteral("40"), QStringLiteral("--max-json-mb"), QStringLiteral("1"),
                     QStringLiteral("--max-image-mb"), QStringLiteral("1"), QStringLiteral("--stall-seconds"), QStringLiteral("3"),
                     QStringLiteral("--request-seconds"), QStringLiteral("6"), QStringLiteral("--json")}, &out), 0);
    const QJsonObject cli = QJsonDocument::fromJson(out).object();
    QCOMPARE(cli.value(QStringLiteral("imported")).toInt(), 2);
    QVector<Problem> cliFailures;
    for (const QJsonValue &value : cli.value(QStringLiteral("failed")).toArray())
        cliFailures.push_back({value[QStringLiteral("path")].toString(), value[QStringLiteral("reason")].toString()});
    QVERIFY2(reasonFor(cliFailures, QStringLiteral("/api/objects/171")).contains(QStringLiteral("over the limit of 1 MB")), out.constData());
    QVERIFY2(reasonFor(cliFailures, QStringLiteral("/api/objects/172")).contains(QStringLiteral("not complete after 6 s")), out.constData());
    QVERIFY2(reasonFor(cliFailures, QStringLiteral("/api/objects/173")).contains(QStringLiteral("no data received for 3 s")), out.constData());
    QByteArray error;
    QCOMPARE(runCli({QStringLiteral("met-import"), QStringLiteral("--catalog"), dir.filePath(QStringLiteral("bad.db")),
                     QStringLiteral("--max-json-mb"), QStringLiteral("0")}, nullptr, &error), 2);
    QVERIFY2(error.contains("--max-json-mb"), error.constData());
    m_server->writeConfig(cleanConfig(*m_server, 2));
}

void TestCollectionImport::boundsIiifDocumentsAndImages()
{
    m_server->writeImage(QStringLiteral("bowl.jpg"), renderSyntheticImage(2, 80, 7, QStringLiteral("jpg")));
    m_server->writeManifest(QStringLiteral("bounded-good.json"), R"({"id": "{BASE}/iiif/bounded-good.json", "type": "Manifest", "label": "Bowl",
      "items": [{"id": "{BASE}/iiif/bounded/canvas/1", "type": "Canvas", "items": [{"type": "AnnotationPage", "items": [
                  {"type": "Annotation", "body": {"id": "{BASE}/images/bowl.jpg", "type": "Image"}}]}]},
                {"id": "{BASE}/iiif/bounded/canvas/2", "type": "Canvas", "items": [{"type": "AnnotationPage", "items": [
                  {"type": "Annotation", "body": {"id": "{BASE}/images/endless.jpg", "type": "Image"}}]}]}]})");
    m_server->writeManifest(QStringLiteral("bounded-top.json"), R"({"id": "{BASE}/iiif/bounded-top.json", "type": "Collection",
      "items": [{"id": "{BASE}/iiif/bounded-good.json", "type": "Manifest"}, {"id": "{BASE}/iiif/endless.json", "type": "Manifest"},
                {"id": "{BASE}/iiif/trickle.json", "type": "Manifest"}]})");
    QJsonObject config = cleanConfig(*m_server, 1);
    config.insert(QStringLiteral("faults"), QJsonObject{{QStringLiteral("streams"), QJsonObject{
        {QStringLiteral("/iiif/endless.json"), QStringLiteral("huge_declared")},
        {QStringLiteral("/iiif/trickle.json"), QStringLiteral("trickle")},
        {QStringLiteral("/images/endless.jpg"), QStringLiteral("endless")}}}});
    m_server->writeConfig(config);
    QTemporaryDir dir;
    IiifImportRequest request;
    request.catalogPath = newCatalogLocation(dir.path(), QStringLiteral("bounded.db"));
    request.source = m_server->base() + QStringLiteral("/iiif/bounded-top.json");
    request.policy = tightPolicy();
    IiifImportJob job(request);
    QVERIFY(job.exec());
    const CollectionImportSummary summary = job.summary();
    const QString failures = describe(summary.failures);
    QCOMPARE(summary.imported, 1);
    QCOMPARE(summary.failures.size(), 3);
    QVERIFY2(reasonFor(summary.failures, QStringLiteral("/iiif/endless.json")).contains(QStringLiteral("over the limit of 1 MB")), qPrintable(failures));
    QVERIFY2(reasonFor(summary.failures, QStringLiteral("/iiif/trickle.json")).contains(QStringLiteral("not complete after 5 s")), qPrintable(failures));
    QVERIFY2(reasonFor(summary.failures, QStringLiteral("/images/endless.jpg")).contains(QStringLiteral("larger than the limit of 1 MB")), qPrintable(failures));

    // The named document itself over the limit: the whole import fails, saying why.
    request.source = m_server->base() + QStringLiteral("/iiif/endless.json");
    IiifImportJob whole(request);
    QSignalSpy failed(&whole, &Job::failed);
    QVERIFY(!whole.exec());
    QVERIFY2(failed.first().first().toString().contains(QStringLiteral("/iiif/endless.json: the server declares")),
             qPrintable(failed.first().first().toString()));
    m_server->writeConfig(cleanConfig(*m_server, 2));
}

void TestCollectionImport::iiifReferencesMustBeWebAddresses()
{
    // A manifest on the local disk whose image is on the server: were it read, it would be imported.
    m_server->writeImage(QStringLiteral("secret.jpg"), renderSyntheticImage(0, 80, 9, QStringLiteral("jpg")));
    QTemporaryDir local;
    const QString existing = local.filePath(QStringLiteral("manifest.json"));
    const QString missing = local.filePath(QStringLiteral("absent.json"));
    writeFile(existing, QStringLiteral(R"({"id": "https://example.org/m", "type": "Manifest", "label": "Local",
      "items": [{"id": "https://example.org/m/canvas", "type": "Canvas", "items": [{"type": "AnnotationPage", "items": [
        {"type": "Annotation", "body": {"id": "%1/images/secret.jpg", "type": "Image"}}]}]}]})").arg(m_server->base()).toUtf8());
    const QString localImage = local.filePath(QStringLiteral("photo.jpg"));
    writeFile(localImage, renderSyntheticImage(1, 80, 10, QStringLiteral("jpg")));
    const QStringList references = {existing, missing, QUrl::fromLocalFile(existing).toString(), QUrl::fromLocalFile(missing).toString(),
                                    QStringLiteral("manifest.json"), QStringLiteral("../absent.json"),
                                    QStringLiteral("ftp://127.0.0.1/manifest.json"), QStringLiteral("qrc:/manifest.json")};
    QJsonArray items;
    for (const QString &reference : references)
        items.append(QJsonObject{{QStringLiteral("id"), reference}, {QStringLiteral("type"), QStringLiteral("Manifest")}});
    // Images and services inside a manifest are references too.
    const auto canvas = [](const QString &id, const QJsonObject &body) {
        return QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("type"), QStringLiteral("Canvas")},
                           {QStringLiteral("items"), QJsonArray{QJsonObject{{QStringLiteral("items"), QJsonArray{QJsonObject{{QStringLiteral("body"), body}}}}}}}};
    };
    items.append(QJsonObject{
        {QStringLiteral("id"), QStringLiteral("https://example.org/embedded")}, {QStringLiteral("type"), QStringLiteral("Manifest")},
        {QStringLiteral("items"), QJsonArray{
            canvas(QStringLiteral("https://example.org/c/1"), QJsonObject{{QStringLiteral("id"), localImage}}),
            canvas(QStringLiteral("https://example.org/c/2"), QJsonObject{{QStringLiteral("id"), QUrl::fromLocalFile(localImage).toString()}}),
            canvas(QStringLiteral("https://example.org/c/3"), QJsonObject{{QStringLiteral("id"), QStringLiteral("https://example.org/x.jpg")},
                                                                           {QStringLiteral("service"), QJsonObject{{QStringLiteral("id"), local.path()}}}})}}});
    const QByteArray collection = QJsonDocument(QJsonObject{{QStringLiteral("id"), QStringLiteral("https://example.org/top")},
                                                            {QStringLiteral("type"), QStringLiteral("Collection")},
                                                            {QStringLiteral("items"), items}}).toJson();
    m_server->writeManifest(QStringLiteral("local-refs.json"), collection);
    const QString localCollection = local.filePath(QStringLiteral("collection.json"));
    writeFile(localCollection, collection);

    // Served from the web, and named on the command line as a local file: the same rule for what it refers to.
    for (const QString &source : QStringList{m_server->base() + QStringLiteral("/iiif/local-refs.json"), localCollection}) {
        QTemporaryDir dir;
        IiifImportRequest request;
        request.catalogPath = newCatalogLocation(dir.path(), QStringLiteral("refs.db"));
        request.source = source;
        request.policy = quickPolicy();
        IiifImportJob job(request);
        QVERIFY(job.exec());
        const CollectionImportSummary summary = job.summary();
        const QString failures = describe(summary.failures);
        QCOMPARE(summary.imported, 0);
        QCOMPARE(summary.failures.size(), references.size() + 3);
        for (const Problem &failure : summary.failures)
            QVERIFY2(failure.reason.endsWith(notWebUrlReason()), qPrintable(failures));
        // An existing file and a missing one are refused in the very same words.
        QCOMPARE(reasonFor(summary.failures, existing), notWebUrlReason());
        QCOMPARE(reasonFor(summary.failures, missing), reasonFor(summary.failures, existing));
        QCOMPARE(reasonFor(summary.failures, QStringLiteral("file://") + missing), reasonFor(summary.failures, QStringLiteral("file://") + existing));
        QCOMPARE(Catalog(request.catalogPath).itemCount(), 0);
    }

    // On the command line, an import in which every reference failed exits 3, its summary still printed.
    {
        QTemporaryDir dir;
        QByteArray out;
        QCOMPARE(runCli({QStringLiteral("iiif-import"), QStringLiteral("--catalog"), newCatalogLocation(dir.path(), QStringLiteral("cli.db")),
                         localCollection, QStringLiteral("--json")}, &out), 3);
        const QJsonObject cli = QJsonDocument::fromJson(out).object();
        QCOMPARE(cli.value(QStringLiteral("imported")).toInt(), 0);
        QCOMPARE(cli.value(QStringLiteral("failed")).toArray().size(), references.size() + 3);
    }

    // The document the user names may be local, and is read.
    QTemporaryDir dir;
    IiifImportRequest request;
    request.catalogPath = newCatalogLocation(dir.path(), QStringLiteral("named.db"));
    request.source = existing;
    request.policy = quickPolicy();
    IiifImportJob named(request);
    QVERIFY(named.exec());
    QCOMPARE(named.summary().imported, 1);
}

void TestCollectionImport::parsesMetAndIiifDocumentsWithoutFetching()
{
    QString error;
    const QVector<MetDepartment> departments = parseMetDepartments(R"({"departments": [{"departmentId": 3, "displayName": "Ancient Near Eastern Art"}]})", &error);
    QVERIFY(error.isEmpty());
    QCOMPARE(departments.size(), 1);
    QCOMPARE(departments.first().name, QStringLiteral("Ancient Near Eastern Art"));
    QVERIFY(parseMetDepartments(R"({"departments": 7})", &error).isEmpty());
    QVERIFY(!error.isEmpty());

    error.clear();
    QCOMPARE(parseMetObjectIds(R"({"total": 3, "objectIDs": [5, "x", 9, -1]})", &error), (QVector<qint64>{5, 9}));
    QVERIFY(error.isEmpty());
    QVERIFY(parseMetObjectIds(R"({"total": 0, "objectIDs": null})", &error).isEmpty());
    QVERIFY(error.isEmpty());

    const MetObject object = parseMetObject(R"({"objectID": 5, "isPublicDomain": true, "department": "Asian Art",
        "primaryImage": "https://images.example.org/full.jpg", "primaryImageSmall": "https://images.example.org/small.jpg",
        "title": "Bowl", "culture": ""})", false, &error);
    QVERIFY(error.isEmpty());
    QCOMPARE(object.objectId, QStringLiteral("5"));
    QCOMPARE(object.imageUrl, QStringLiteral("https://images.example.org/small.jpg"));
    QCOMPARE(object.metadata.value(QStringLiteral("title")).toString(), QStringLiteral("Bowl"));
    QVERIFY(!object.metadata.contains(QStringLiteral("culture")));
    parseMetObject(R"({"objectID": 6, "primaryImage": "file:///etc/passwd"})", false, &error);
    QVERIFY2(error.contains(notWebUrlReason()), qPrintable(error));

    error.clear();
    const IiifDocument v2 = parseIiifDocument(QByteArray(R"({"@type": "sc:Manifest", "label": [{"@value": "<b>Scroll</b>"}],
        "sequences": [{"canvases": [{"@id": "https://example.org/c1", "images": [{"resource": {"@id": "https://example.org/i.jpg",
            "service": [{"@id": "https://example.org/iiif/i/"}]}}]}, {"@id": "https://example.org/c2", "images": []}]}]})"),
        QStringLiteral("https://example.org/m.json"), 512, &error);
    QVERIFY(error.isEmpty());
    QCOMPARE(v2.type, QStringLiteral("Manifest"));
    QCOMPARE(v2.label, QStringLiteral("Scroll"));
    QCOMPARE(v2.canvases.size(), 1);
    QCOMPARE(v2.canvases.first().imageUrl, QStringLiteral("https://example.org/iiif/i/full/!512,512/0/default.jpg"));
    QCOMPARE(v2.problems.size(), 1);
    QCOMPARE(v2.problems.first().path, QStringLiteral("https://example.org/m.json"));

    const IiifDocument collection = parseIiifDocument(QByteArray(R"({"type": "Collection", "items": [{"id": "https://example.org/a", "type": "Manifest"},
        {"id": "/etc/passwd", "type": "Manifest"}, {"type": "Manifest"}, 5]})"), QStringLiteral("https://example.org/top"), 512, &error);
    QCOMPARE(collection.members.size(), 1);
    QCOMPARE(collection.problems.size(), 3);
    QCOMPARE(collection.problems.at(0).reason, notWebUrlReason());

    parseIiifDocument(QByteArray("[1, 2]"), QString(), 512, &error);
    QCOMPARE(error, QStringLiteral("not a JSON object"));
}

void TestCollectionImport::downloadsAreStoredAsBlobsOfTheSharedFolder()
{
    m_server->writeConfig(cleanConfig(*m_server, 2));
    QTemporaryDir dir;
    const QString catalogPath = newCatalogLocation(dir.path(), QStringLiteral("blobs.db"));
    const QString share = catalogWithSharedFolder(catalogPath, dir.filePath(QStringLiteral("share")));
    QVERIFY(!share.isEmpty());
    const CollectionImportSummary summary = runMet(catalogPath, *m_server);
    QCOMPARE(summary.imported, 6);
    QVERIFY2(summary.failures.isEmpty(), qPrintable(describe(summary.failures)));

    // The IIIF import goes the same way.
    m_server->writeImage(QStringLiteral("leaf-1.jpg"), renderSyntheticImage(2, 72, 11, QStringLiteral("jpg")));
    m_server->writeManifest(QStringLiteral("blobs.json"), R"({
      "@context": "http://iiif.io/api/presentation/3/context.json", "id": "{BASE}/iiif/blobs.json", "type": "Manifest",
      "label": {"en": ["Leaves"]}, "items": [{"id": "{BASE}/iiif/blobs/canvas/1", "type": "Canvas",
        "items": [{"type": "AnnotationPage", "items": [{"type": "Annotation", "motivation": "painting",
          "body": {"id": "{BASE}/images/leaf-1.jpg", "type": "Image", "format": "image/jpeg"}}]}]}]})");
    IiifImportRequest iiif;
    iiif.catalogPath = catalogPath;
    iiif.source = m_server->base() + QStringLiteral("/iiif/blobs.json");
    iiif.policy = quickPolicy();
    IiifImportJob iiifJob(iiif);
    QVERIFY(iiifJob.exec());
    QCOMPARE(iiifJob.summary().imported, 1);

    Catalog catalog(catalogPath);
    QHash<qint64, QByteArray> served; // item -> the bytes the server sent for it
    QStringList expectedBlobs;
    for (const ItemRecord &item : catalog.items(0, 100)) {
        const QString name = item.externalId.contains(QStringLiteral("/canvas/")) ? QStringLiteral("leaf-1.jpg")
                                                                                 : item.externalId + QStringLiteral(".jpg");
        served.insert(item.id, servedImage(name));
        QVERIFY(!served.value(item.id).isEmpty());
        const QString blobName = sha256Hex(served.value(item.id)) + QStringLiteral(".jpg");
        QCOMPARE(item.contentHash, sha256Hex(served.value(item.id)));
        QCOMPARE(storedPath(catalog, item.id), QStringLiteral("blob:") + blobName);
        QVERIFY(item.storedCopy);
        QCOMPARE(item.path, Catalog::blobPath(share, blobName));
        QCOMPARE(readAll(item.path), served.value(item.id));
        expectedBlobs << blobName.left(2) + QLatin1Char('/') + blobName;
    }
    QCOMPARE(served.size(), 7);
    expectedBlobs.sort();
    QCOMPARE(filesUnder(share), expectedBlobs); // no staging file, temporary file or write probe in the share
    // The downloads were only staged on this machine: stored in the share, they are not kept twice.
    QCOMPARE(filesUnder(catalog.imageStoreDir()), QStringList());

    // A second machine mounts the share elsewhere (a copy stands in for its mount; the first path is gone).
    const QString otherMount = dir.filePath(QStringLiteral("other-machine/share"));
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("other-machine"))));
    QCOMPARE(QProcess::execute(QStringLiteral("cp"), {QStringLiteral("-a"), share, otherMount}), 0);
    QVERIFY(QDir(share).removeRecursively());
    Catalog other(catalogPath);
    other.setImageFolderOverride(otherMount);
    for (const ItemRecord &item : other.items(0, 100)) {
        QVERIFY2(item.path.startsWith(otherMount + QLatin1Char('/')), qPrintable(item.path));
        QCOMPARE(readAll(item.path), served.value(item.id));
        QVERIFY(other.itemPathProblem(storedPath(other, item.id)).isEmpty());
    }
}

void TestCollectionImport::aSharedFolderThatCannotBeWrittenFailsEachDownload()
{
    m_server->writeConfig(cleanConfig(*m_server, 3));
    QTemporaryDir dir;
    const QString catalogPath = newCatalogLocation(dir.path(), QStringLiteral("refused.db"));
    const QString share = catalogWithSharedFolder(catalogPath, dir.filePath(QStringLiteral("share")));
    QCOMPARE(runMet(catalogPath, *m_server, 1).imported, 3); // objects 100, 200, 300
    const QStringList storedFirst = filesUnder(share);
    QCOMPARE(storedFirst.size(), 3);

    // One blob's two-letter folder cannot be made (a file stands there): that download alone fails, naming where it
    // was to be stored, and the import goes on (its department takes the next object in its place).
    QString blockedId;
    QString blockedPrefix;
    for (const QString &candidate : {QStringLiteral("101"), QStringLiteral("201"), QStringLiteral("301")}) {
        const QString prefix = sha256Hex(servedImage(candidate + QStringLiteral(".jpg"))).left(2);
        bool shared = false;
        for (int d = 1; d <= 3; ++d) {
            for (int i = 0; i < 3; ++i) {
                const QString id = QString::number(d * 100 + i);
                shared = shared || (id != candidate && sha256Hex(servedImage(id + QStringLiteral(".jpg"))).left(2) == prefix);
            }
        }
        if (!shared) {
            blockedId = candidate;
            blockedPrefix = prefix;
            break;
        }
    }
    QVERIFY2(!blockedId.isEmpty(), "every candidate shares its blob folder with another image");
    const QString inTheWay = share + QLatin1Char('/') + blockedPrefix;
    {
        QFile file(inTheWay);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("in the way");
    }
    const CollectionImportSummary partly = runMet(catalogPath, *m_server, 2);
    QCOMPARE(partly.imported, 3);
    QCOMPARE(partly.failures.size(), 1);
    const Problem blocked = partly.failures.first();
    QVERIFY2(blocked.path.endsWith(QStringLiteral("/images/") + blockedId + QStringLiteral(".jpg")), qPrintable(blocked.path));
    QVERIFY2(blocked.reason.contains(inTheWay) && blocked.reason.contains(QStringLiteral("cannot create")), qPrintable(blocked.reason));
    QCOMPARE(Catalog(catalogPath).itemCount(), 6);
    const QStringList storedBefore = filesUnder(share);

    // The whole share refused (here a file where the folder should be, as this machine's override): every download
    // of the run fails naming the folder and why, and the run goes on to its end; nothing stored before is touched.
    const QString notAFolder = dir.filePath(QStringLiteral("not-a-folder"));
    {
        QFile file(notAFolder);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not a folder");
    }
    qputenv(Catalog::kImageFolderEnvironment, notAFolder.toUtf8());
    const CollectionImportSummary refused = runMet(catalogPath, *m_server, 3);
    qunsetenv(Catalog::kImageFolderEnvironment);
    QCOMPARE(refused.imported, 0);
    QCOMPARE(refused.failures.size(), 3); // the blocked object, tried again, and the third of the other departments
    for (const Problem &failure : refused.failures) {
        QVERIFY2(failure.path.startsWith(m_server->base() + QStringLiteral("/images/")), qPrintable(failure.path));
        QVERIFY2(failure.reason.contains(failure.path) && failure.reason.contains(notAFolder)
                     && failure.reason.contains(QStringLiteral("is not a folder")),
                 qPrintable(failure.reason));
    }
    Catalog catalog(catalogPath);
    QCOMPARE(catalog.itemCount(), 6);
    QCOMPARE(filesUnder(share), storedBefore);
    for (const QString &blob : storedFirst)
        QVERIFY2(storedBefore.contains(blob), qPrintable(blob));
    for (const ItemRecord &item : catalog.items(0, 100)) {
        QVERIFY(storedPath(catalog, item.id).startsWith(QLatin1String(Catalog::kBlobPrefix)));
        QCOMPARE(sha256Hex(readAll(item.path)), item.contentHash);
    }

    // With the share writable again, the failed objects are fetched and stored on the next run.
    QVERIFY(QFile::remove(inTheWay));
    const CollectionImportSummary retried = runMet(catalogPath, *m_server, 3);
    QVERIFY2(retried.failures.isEmpty(), qPrintable(describe(retried.failures)));
    QCOMPARE(retried.imported, 3);
    QCOMPARE(Catalog(catalogPath).itemCount(), 9);
    QCOMPARE(filesUnder(share).size(), 9);
}

QTEST_GUILESS_MAIN(TestCollectionImport)
#include "tst_collectionimport.moc"
