#include "collectionimport.h"

#include "importer.h"

#include "catalog/catalog.h"
#include "catalog/transactionguard.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QUrl>

namespace accession {

namespace {

// One image to fetch for one remote object, and how to import it.
struct RemoteImage
{
    QString objectId;
    QString group;
    QString url;
    QString fileName;
    ImportTask task;
};

struct BatchOutcome
{
    int imported = 0; // new items and duplicates alike: the object is in the catalog
};

QJsonDocument parseJson(const QByteArray &body, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        *error = QStringLiteral("invalid JSON (%1 at byte %2)").arg(parseError.errorString()).arg(parseError.offset);
    return document;
}

// Downloads the images into the catalog's image folder, imports them like any other files, and records
// what each object came to. When the catalog has a shared image folder, the download is only a staging file: the
// importer stores it there as a blob (its import --copy, the one place blobs are written), the item records
// blob:<sha256>.<ext> for every machine to read, and the staging file is removed.
BatchOutcome downloadAndImport(const WorkControl &control, Catalog &catalog, const QString &source, HttpFetcher &fetcher, qint64 maxImageBytes,
                               const QString &folder, const QVector<RemoteImage> &images, CollectionImportSummary &summary)
{
    BatchOutcome outcome;
    if (images.isEmpty())
        return outcome;
    const QString sharedFolder = catalog.imageFolder();
    const bool storeAsBlobs = !sharedFolder.isEmpty();
    if (storeAsBlobs) {
        // Asked before fetching: a share this machine cannot write into (unmounted, read-only) would waste every
        // download of the batch. Each object is recorded as failed, to be tried again next run, and the import goes on.
        if (const QString problem = Catalog::imageFolderProblem(sharedFolder); !problem.isEmpty()) {
            TransactionGuard transaction(catalog.database());
            for (const RemoteImage &image : images) {
                const QString reason = QStringLiteral("image %1: not downloaded, since it cannot be stored: %2").arg(image.url, problem);
                catalog.recordCollectionObject(source, image.objectId, image.group, QStringLiteral("failed"), reason);
                summary.failures.push_back({image.url, reason});
            }
            transaction.commit();
            return outcome;
        }
    }
    QStringList urls;
    for (const RemoteImage &image : images)
        urls << image.url;
    QVector<ImportTask> tasks;
    QVector<int> imageOfTask;
    QVector<QPair<int, QString>> failed;
    QDir().mkpath(folder);
    fetcher.fetchAll(urls, maxImageBytes, [&](int index, const HttpResult &result) {
        const RemoteImage &image = images[index];
        if (!result.ok()) {
            failed.push_back({index, QStringLiteral("image %1: %2").arg(image.url, result.error)});
            return;
        }
        const QString path = folder + QLatin1Char('/') + image.fileName;
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(result.body) != result.body.size() || !file.commit()) {
            failed.push_back({index, QStringLiteral("cannot save %1: %2").arg(path, file.errorString())});
            return;
        }
        ImportTask task = image.task;
        task.path = path;
        tasks.push_back(task);
        imageOfTask.push_back(index);
    });

    ImportSummary imported;
    if (!tasks.isEmpty()) {
        ImportRequest request;
        request.source = ImportRequest::Source::Tasks;
        request.tasks = tasks;
        request.description = source;
        request.copyIntoCatalog = storeAsBlobs;
        WorkControl cancelOnly; // the collection's progress counts objects, not the files of each batch
        cancelOnly.isCancelled = control.isCancelled;
        try {
            importIntoCatalog(catalog.path(), request, imported, cancelOnly);
        } catch (const WorkCancelled &) {
            // What was written before the cancel is recorded below; the caller stops after this batch.
        }
    }
    QHash<QString, QString> importFailure;
    for (const Problem &failure : imported.failures)
        importFailure.insert(failure.path, failure.reason);

    TransactionGuard transaction(catalog.database());
    int nextItem = 0;
    QStringList stored; // staging files whose image now lies in the shared folder
    for (int t = 0; t < tasks.size(); ++t) {
        const RemoteImage &image = images[imageOfTask[t]];
        if (importFailure.contains(tasks[t].path)) {
            const QString reason = QStringLiteral("image %1: %2").arg(image.url, importFailure.value(tasks[t].path));
            catalog.recordCollectionObject(source, image.objectId, image.group, QStringLiteral("failed"), reason);
            summary.failures.push_back({image.url, reason});
            continue;
        }
        if (nextItem >= imported.itemIds.size())
            break; // the import was cancelled before this one; it is retried next time
        const qint64 itemId = imported.itemIds[nextItem++];
        catalog.recordCollectionObject(source, image.objectId, image.group, QStringLiteral("imported"), QString(), itemId);
        // A duplicate whose file had gone missing may have been pointed at the staging file: that one stays.
        if (storeAsBlobs) {
            const auto item = catalog.item(itemId);
            if (item && item->path != tasks[t].path)
                stored << tasks[t].path;
        }
        summary.importedPerGroup[image.group] += 1;
        ++outcome.imported;
    }
    for (const auto &[index, reason] : failed) {
        catalog.recordCollectionObject(source, images[index].objectId, images[index].group, QStringLiteral("failed"), reason);
        summary.failures.push_back({images[index].url, reason});
    }
    transaction.commit();
    for (const QString &path : stored)
        QFile::remove(path);
    summary.imported += imported.imported;
    summary.duplicates += imported.duplicates;
    return outcome;
}

QString extensionOf(const QString &url)
{
    const QString suffix = QFileInfo(QUrl(url).path()).suffix().toLower();
    return QStringList{QStringLiteral("jpg"), QStringLiteral("jpeg"), QStringLiteral("png"), QStringLiteral("tif"),
                       QStringLiteral("tiff"), QStringLiteral("webp")}.contains(suffix) ? suffix : QStringLiteral("jpg");
}

} // namespace

QVector<int> evenlySpreadOrder(int n)
{
    // The van der Corput sequence visits [0, 1) ever more finely; scaled to n it spreads every prefix.
    QVector<int> order;
    QVector<bool> taken(n, false);
    order.reserve(n);
    for (quint32 k = 0; order.size() < n; ++k) {
        double x = 0;
        double weight = 0.5;
        for (quint32 bits = k; bits; bits >>= 1, weight /= 2)
            x += (bits & 1) * weight;
        const int index = std::min(n - 1, int(x * n));
        if (!taken[index]) {
            taken[index] = true;
            order.push_back(index);
        }
        if (k > quint32(64) * quint32(std::max(n, 1)))
            break;
    }
    for (int i = 0; i < n; ++i) {
        if (!taken[i])
            order.push_back(i);
    }
    return order;
}

QVector<MetDepartment> parseMetDepartments(const QByteArray &body, QString *error)
{
    const QJsonDocument document = parseJson(body, error);
    QVector<MetDepartment> departments;
    if (!error->isEmpty())
        return departments;
    const QJsonValue list = document.object().value(QStringLiteral("departments"));
    if (!list.isArray()) {
        *error = QStringLiteral("no \"departments\" list");
        return departments;
    }
    for (const QJsonValue &value : list.toArray()) {
        const QJsonObject object = value.toObject();
        departments.push_back({object.value(QStringLiteral("departmentId")).toInt(), object.value(QStringLiteral("displayName")).toString(), -1});
    }
    return departments;
}

QVector<qint64> parseMetObjectIds(const QByteArray &body, QString *error)
{
    const QJsonDocument document = parseJson(body, error);
    QVector<qint64> ids;
    if (!error->isEmpty())
        return ids;
    const QJsonValue list = document.object().value(QStringLiteral("objectIDs"));
    if (list.isNull()) // what the API answers for a department without objects
        return ids;
    if (!list.isArray()) {
        *error = QStringLiteral("no \"objectIDs\" list");
        return ids;
    }
    const QJsonArray array = list.toArray();
    ids.reserve(array.size());
    for (const QJsonValue &value : array) {
        const qint64 id = value.toInteger(-1);
        if (id > 0)
            ids.push_back(id);
    }
    return ids;
}

MetObject parseMetObject(const QByteArray &body, bool fullImages, QString *error)
{
    MetObject result;
    const QJsonDocument document = parseJson(body, error);
    if (!error->isEmpty())
        return result;
    if (!document.isObject()) {
        *error = QStringLiteral("not a JSON object");
        return result;
    }
    const QJsonObject object = document.object();
    const QJsonValue id = object.value(QStringLiteral("objectID"));
    result.objectId = id.isString() ? id.toString() : QString::number(id.toInteger());
    result.department = object.value(QStringLiteral("department")).toString();
    result.publicDomain = object.value(QStringLiteral("isPublicDomain")).toBool();
    QString image = object.value(fullImages ? QStringLiteral("primaryImage") : QStringLiteral("primaryImageSmall")).toString();
    if (image.isEmpty())
        image = object.value(QStringLiteral("primaryImage")).toString();
    if (!image.isEmpty() && !isWebUrl(image)) {
        *error = QStringLiteral("image %1: %2").arg(image.left(200), notWebUrlReason());
        return result;
    }
    result.imageUrl = image;
    for (const char *field : {"title", "culture", "objectDate", "objectName", "medium", "artistDisplayName",
                              "accessionNumber", "objectURL", "isPublicDomain"}) {
        const QJsonValue value = object.value(QLatin1String(field));
        if (!value.isUndefined() && !value.isNull() && !(value.isString() && value.toString().isEmpty()))
            result.metadata.insert(QLatin1String(field), value);
    }
    return result;
}

QVector<MetDepartment> fetchMetDepartments(const QString &baseUrl, bool countObjects, const HttpPolicy &policy,
                                           const std::function<bool()> &cancelled)
{
    QString base = baseUrl;
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    HttpFetcher fetcher(policy, cancelled);
    const HttpResult result = fetcher.fetch(base + QStringLiteral("/departments"), policy.maxJsonBytes);
    if (!result.ok())
        throw std::runtime_error(QStringLiteral("%1/departments: %2").arg(base, result.error).toStdString());
    QString error;
    QVector<MetDepartment> departments = parseMetDepartments(result.body, &error);
    if (!error.isEmpty())
        throw std::runtime_error(QStringLiteral("%1/departments: %2").arg(base, error).toStdString());
    if (countObjects) {
        QStringList urls;
        for (const MetDepartment &department : departments)
            urls << QStringLiteral("%1/objects?departmentIds=%2").arg(base).arg(department.id);
        fetcher.fetchAll(urls, policy.maxJsonBytes, [&](int index, const HttpResult &count) {
            if (count.ok())
                departments[index].objects = QJsonDocument::fromJson(count.body).object().value(QStringLiteral("total")).toInteger(-1);
        });
    }
    return departments;
}

void importFromMet(const MetImportRequest &metRequest, CollectionImportSummary &summary, const WorkControl &control)
{
    QElapsedTimer timer;
    timer.start();
    summary = CollectionImportSummary();
    const auto publish = [&] { summary.seconds = timer.elapsed() / 1000.0; };
    MetImportRequest request = metRequest;
    while (request.baseUrl.endsWith(QLatin1Char('/')))
        request.baseUrl.chop(1);
    Catalog catalog(request.catalogPath, Catalog::OpenMode::CreateIfMissing);
    const QString source = QStringLiteral("met:") + request.baseUrl;
    const QString folder = catalog.imageStoreDir() + QStringLiteral("/met");
    HttpFetcher fetcher(request.policy, [&control] { return control.cancelRequested(); });
    const auto updateRequests = [&] { summary.requests = fetcher.requestsSent(); };

    // Lists (departments, object ids) are kept in the catalog: a resumed run does not ask for them again.
    // Returns the error (the body is cached only when it parses).
    const auto getList = [&](const QString &url, const auto &parse) -> QString {
        QByteArray body;
        if (const auto cached = catalog.cachedResponse(url)) {
            body = *cached;
        } else {
            const HttpResult result = fetcher.fetch(url, request.policy.maxJsonBytes);
            control.throwIfCancelled();
            if (!result.ok())
                return result.error;
            body = result.body;
        }
        QString error;
        parse(body, &error);
        if (error.isEmpty())
            catalog.cacheResponse(url, body);
        return error;
    };

    QVector<MetDepartment> available;
    const QString departmentsUrl = request.baseUrl + QStringLiteral("/departments");
    if (const QString error = getList(departmentsUrl, [&](const QByteArray &body, QString *e) { available = parseMetDepartments(body, e); });
        !error.isEmpty())
        throw std::runtime_error(QStringLiteral("%1: %2").arg(departmentsUrl, error).toStdString());
    QVector<MetDepartment> chosen;
    if (request.departments.isEmpty())
        chosen = available;
    for (const QString &wanted : request.departments) {
        bool isNumber = false;
        const int id = wanted.trimmed().toInt(&isNumber);
        const auto match = std::find_if(available.begin(), available.end(), [&](const MetDepartment &d) {
            return isNumber ? d.id == id : d.name.compare(wanted.trimmed(), Qt::CaseInsensitive) == 0;
        });
        if (match == available.end()) {
            QStringList names;
            for (const MetDepartment &d : available)
                names << QStringLiteral("%1 (%2)").arg(d.name).arg(d.id);
            throw std::runtime_error(QStringLiteral("The Met has no department '%1'; it lists: %2").arg(wanted, names.join(QStringLiteral(", "))).toStdString());
        }
        chosen.push_back(*match);
    }

    const QHash<QString, Catalog::CollectionObject> before = catalog.collectionObjects(source);
    const qint64 target = request.perDepartment > 0 ? qint64(request.perDepartment) * chosen.size() : -1;
    qint64 done = 0;
    for (const MetDepartment &department : chosen) {
        control.throwIfCancelled();
        // A department whose list cannot be had is that department's failure; the others go on.
        const QString listUrl = QStringLiteral("%1/objects?departmentIds=%2").arg(request.baseUrl).arg(department.id);
        QVector<qint64> ids;
        if (const QString error = getList(listUrl, [&](const QByteArray &body, QString *e) { ids = parseMetObjectIds(body, e); });
            !error.isEmpty()) {
            summary.failures.push_back({listUrl, QStringLiteral("the object list of %1: %2").arg(department.name, error)});
            publish();
            continue;
        }
        const QVector<int> order = request.perDepartment > 0 ? evenlySpreadOrder(int(ids.size())) : [&] {
            QVector<int> all(ids.size());
            std::iota(all.begin(), all.end(), 0);
            return all;
        }();
        const int wanted = request.perDepartment > 0 ? request.perDepartment : int(ids.size());
        int have = 0;
        QVector<QString> candidates;
        for (int index : order) {
            const QString objectId = QString::number(ids[index]);
            const auto earlier = before.constFind(objectId);
            if (earlier != before.constEnd() && earlier->status != QLatin1String("failed")) {
                ++summary.alreadyDone;
                have += earlier->status == QLatin1String("imported") ? 1 : 0;
                continue;
            }
            candidates.push_back(objectId);
        }
        done += std::min(have, wanted);
        int cursor = 0;
        while (have < wanted && cursor < candidates.size()) {
            control.throwIfCancelled();
            // Exactly as many objects as are still needed (those without an image are replaced next round),
            // so that nothing fetched is left unrecorded.
            const int batch = std::clamp(wanted - have, 1, std::max(8, request.policy.connections * 8));
            QStringList urls;
            QVector<QString> objects;
            for (; cursor < candidates.size() && objects.size() < batch; ++cursor) {
                objects.push_back(candidates[cursor]);
                urls << QStringLiteral("%1/objects/%2").arg(request.baseUrl, candidates[cursor]);
            }
            QVector<RemoteImage> images;
            // Outcomes are written after the batch's requests, so no write lock is held over the network
            // (a curator's decision in the GUI never waits on a slow server).
            struct Outcome { QString objectId, status, reason; };
            QVector<Outcome> outcomes;
            fetcher.fetchAll(urls, request.policy.maxJsonBytes, [&](int index, const HttpResult &result) {
                const QString &objectId = objects[index];
                if (!result.ok()) {
                    outcomes.push_back({objectId, QStringLiteral("failed"), result.error});
                    summary.failures.push_back({urls[index], result.error});
                    return;
                }
                QString error;
                const MetObject object = parseMetObject(result.body, request.fullImages, &error);
                if (!error.isEmpty()) {
                    outcomes.push_back({objectId, QStringLiteral("failed"), error});
                    summary.failures.push_back({urls[index], error});
                    return;
                }
                const auto skip = [&](const QString &reason) {
                    outcomes.push_back({objectId, QStringLiteral("skipped"), reason});
                    summary.skippedReasons.push_back({urls[index], reason});
                    ++summary.skipped;
                };
                if (request.publicDomainOnly && !object.publicDomain)
                    return skip(QStringLiteral("not in the public domain"));
                if (object.imageUrl.isEmpty())
                    return skip(QStringLiteral("no image"));
                ImportTask task;
                task.label = object.department.isEmpty() ? department.name : object.department;
                task.externalId = objectId;
                task.metadata = object.metadata;
                task.metadata.insert(QStringLiteral("source"), QStringLiteral("The Met Collection API"));
                task.metadata.insert(QStringLiteral("image_url"), object.imageUrl);
                images.push_back({objectId, department.name, object.imageUrl, objectId + QLatin1Char('.') + extensionOf(object.imageUrl), task});
            });
            TransactionGuard transaction(catalog.database());
            for (const Outcome &outcome : outcomes)
                catalog.recordCollectionObject(source, outcome.objectId, department.name, outcome.status, outcome.reason);
            transaction.commit();
            const BatchOutcome outcome = downloadAndImport(control, catalog, source, fetcher, request.policy.maxImageBytes, folder,
                                                           images, summary);
            have += outcome.imported;
            done += outcome.imported;
            updateRequests();
            publish();
            control.report(done, target > 0 ? target : done,
                           QStringLiteral("%1: %2 of %3 imported").arg(department.name).arg(have).arg(wanted));
            control.throwIfCancelled();
        }
    }
    updateRequests();
    publish();
}

namespace {

// Collections within collections followed this deep.
constexpr int kMaxIiifDepth = 8;

// IIIF values: a string, an array of strings or {"@value"}s (2.1), or a language map (3.0).
QString iiifText(const QJsonValue &value)
{
    static const QRegularExpression tags(QStringLiteral("<[^>]*>"));
    QStringList parts;
    if (value.isString()) {
        parts << value.toString();
    } else if (value.isArray()) {
        for (const QJsonValue &entry : value.toArray())
            parts << iiifText(entry);
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        if (object.contains(QStringLiteral("@value"))) {
            parts << object.value(QStringLiteral("@value")).toString();
        } else {
            const QString preferred = object.contains(QStringLiteral("en")) ? QStringLiteral("en")
                                    : object.contains(QStringLiteral("none")) ? QStringLiteral("none")
                                    : object.isEmpty() ? QString()
                                                       : object.constBegin().key();
            if (!preferred.isEmpty())
                parts << iiifText(object.value(preferred));
        }
    }
    QString text = parts.join(QStringLiteral("; "));
    return text.remove(tags).trimmed();
}

QString iiifId(const QJsonObject &object)
{
    return object.contains(QStringLiteral("id")) ? object.value(QStringLiteral("id")).toString() : object.value(QStringLiteral("@id")).toString();
}

QString iiifType(const QJsonObject &object)
{
    QString type = object.contains(QStringLiteral("type")) ? object.value(QStringLiteral("type")).toString() : object.value(QStringLiteral("@type")).toString();
    return type.startsWith(QStringLiteral("sc:")) ? type.mid(3) : type;
}

QVector<QPair<QString, QString>> iiifMetadata(const QJsonObject &object)
{
    QVector<QPair<QString, QString>> pairs;
    for (const QJsonValue &entry : object.value(QStringLiteral("metadata")).toArray())
        pairs.push_back({iiifText(entry.toObject().value(QStringLiteral("label"))), iiifText(entry.toObject().value(QStringLiteral("value")))});
    return pairs;
}

// The first element of an array, or the value itself.
QJsonObject firstObject(const QJsonValue &value)
{
    return value.isArray() ? value.toArray().at(0).toObject() : value.toObject();
}

// The Image API address of a service (first of an array), asking for at most side x side pixels.
QString imageServiceUrl(const QJsonValue &service, int side)
{
    QString base = iiifId(firstObject(service));
    if (base.isEmpty())
        return QString();
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    return QStringLiteral("%1/full/!%2,%2/0/default.jpg").arg(base).arg(side);
}

QVector<IiifCanvas> manifestCanvases(const QJsonObject &manifest, int side, QVector<Problem> *problems, const QString &address)
{
    QVector<IiifCanvas> canvases;
    QJsonArray list;
    if (manifest.contains(QStringLiteral("items"))) { // Presentation 3.0
        list = manifest.value(QStringLiteral("items")).toArray();
    } else { // 2.1
        list = firstObject(manifest.value(QStringLiteral("sequences"))).value(QStringLiteral("canvases")).toArray();
    }
    for (const QJsonValue &value : list) {
        const QJsonObject canvas = value.toObject();
        IiifCanvas entry;
        entry.id = iiifId(canvas);
        entry.label = iiifText(canvas.value(QStringLiteral("label")));
        entry.metadata = iiifMetadata(canvas);
        QJsonObject resource;
        if (canvas.contains(QStringLiteral("items"))) {
            const QJsonObject annotation = firstObject(firstObject(canvas.value(QStringLiteral("items"))).value(QStringLiteral("items")));
            resource = firstObject(annotation.value(QStringLiteral("body")));
        } else {
            resource = firstObject(canvas.value(QStringLiteral("images"))).value(QStringLiteral("resource")).toObject();
        }
        const QJsonValue service = resource.value(QStringLiteral("service"));
        entry.imageUrl = !service.isUndefined() ? imageServiceUrl(service, side) : QString();
        if (entry.imageUrl.isEmpty())
            entry.imageUrl = iiifId(resource);
        if (entry.id.isEmpty() || entry.imageUrl.isEmpty()) {
            problems->push_back({address, QStringLiteral("canvas %1 has %2").arg(entry.id.isEmpty() ? QStringLiteral("(no id)") : entry.id,
                                                                                  entry.id.isEmpty() ? QStringLiteral("no id") : QStringLiteral("no image"))});
            continue;
        }
        if (!isWebUrl(entry.imageUrl)) {
            problems->push_back({entry.imageUrl, QStringLiteral("image of canvas %1: %2").arg(entry.id, notWebUrlReason())});
            continue;
        }
        canvases.push_back(entry);
    }
    return canvases;
}

} // namespace

QString iiifMemberId(const QJsonObject &member)
{
    return iiifId(member);
}

bool iiifMemberIsEmbedded(const QJsonObject &member)
{
    return member.contains(QStringLiteral("items")) || member.contains(QStringLiteral("sequences"));
}

IiifDocument parseIiifDocument(const QJsonObject &object, const QString &address, int maxImageSide)
{
    IiifDocument document;
    document.type = iiifType(object);
    document.label = iiifText(object.value(QStringLiteral("label")));
    document.metadata = iiifMetadata(object);
    if (document.type == QLatin1String("Manifest")) {
        document.canvases = manifestCanvases(object, maxImageSide, &document.problems, address);
        if (document.canvases.isEmpty() && document.problems.isEmpty())
            document.problems.push_back({address, QStringLiteral("the manifest has no canvases")});
        return document;
    }
    if (document.type != QLatin1String("Collection")) {
        document.problems.push_back({address, QStringLiteral("not a IIIF manifest or collection (type '%1')").arg(document.type.left(80))});
        return document;
    }
    QJsonArray members = object.value(QStringLiteral("items")).toArray();
    for (const char *key : {"manifests", "collections", "members"}) {
        for (const QJsonValue &member : object.value(QLatin1String(key)).toArray())
            members.append(member);
    }
    for (const QJsonValue &value : members) {
        const QJsonObject member = value.toObject();
        const QString id = iiifId(member);
        if (id.isEmpty()) {
            document.problems.push_back({address, QStringLiteral("a member of the collection has no id")});
            continue;
        }
        // Content carried in the document is read from it; a reference is fetched, and only from the web.
        if (!iiifMemberIsEmbedded(member) && !isWebUrl(id)) {
            document.problems.push_back({id, notWebUrlReason()});
            continue;
        }
        document.members.push_back(member);
    }
    return document;
}

IiifDocument parseIiifDocument(const QByteArray &body, const QString &address, int maxImageSide, QString *error)
{
    const QJsonDocument json = parseJson(body, error);
    if (error->isEmpty() && !json.isObject())
        *error = QStringLiteral("not a JSON object");
    if (!error->isEmpty())
        return {};
    return parseIiifDocument(json.object(), address, maxImageSide);
}

void importFromIiif(const IiifImportRequest &request, CollectionImportSummary &summary, const WorkControl &control)
{
    QElapsedTimer timer;
    timer.start();
    summary = CollectionImportSummary();
    const auto publish = [&] { summary.seconds = timer.elapsed() / 1000.0; };
    Catalog catalog(request.catalogPath, Catalog::OpenMode::CreateIfMissing);
    const QString source = QStringLiteral("iiif");
    const QString folder = catalog.imageStoreDir() + QStringLiteral("/iiif");
    HttpFetcher fetcher(request.policy, [&control] { return control.cancelRequested(); });
    const qint64 maxJsonBytes = request.policy.maxJsonBytes;

    // Only the document the user named may be a local file; what documents refer to comes from the web.
    const auto load = [&](const QString &reference, bool named, QString *error) -> QJsonObject {
        QByteArray body;
        if (named && !isWebUrl(reference)) {
            const QUrl url(reference);
            QFile file(url.isLocalFile() ? url.toLocalFile() : reference);
            if (!file.open(QIODevice::ReadOnly)) {
                *error = file.errorString();
                return {};
            }
            if (file.size() > maxJsonBytes) {
                *error = QStringLiteral("the file is larger than the limit of %1").arg(describeBytes(maxJsonBytes));
                return {};
            }
            body = file.read(maxJsonBytes + 1);
        } else {
            const HttpResult result = fetcher.fetch(reference, maxJsonBytes);
            if (!result.ok()) {
                *error = result.error;
                return {};
            }
            body = result.body;
        }
        const QJsonDocument document = parseJson(body, error);
        if (error->isEmpty() && !document.isObject())
            *error = QStringLiteral("not a JSON object");
        return document.object();
    };

    // Walk collections (nested ones too) down to manifests.
    QString rootError;
    const QJsonObject root = load(request.source, true, &rootError);
    if (!rootError.isEmpty())
        throw std::runtime_error(QStringLiteral("%1: %2").arg(request.source, rootError).toStdString());
    QVector<QPair<QString, IiifDocument>> manifests;
    QSet<QString> visited;
    std::function<void(const QString &, const QJsonObject &, int)> walk = [&](const QString &where, const QJsonObject &node, int depth) {
        IiifDocument document = parseIiifDocument(node, where, request.maxImageSide);
        summary.failures += document.problems;
        if (document.type == QLatin1String("Manifest")) {
            manifests.push_back({where, std::move(document)});
            return;
        }
        if (document.type != QLatin1String("Collection"))
            return;
        if (depth > kMaxIiifDepth) {
            summary.failures.push_back({where, QStringLiteral("collections nested too deep")});
            return;
        }
        for (const QJsonObject &member : std::as_const(document.members)) {
            control.throwIfCancelled();
            const QString id = iiifMemberId(member);
            if (visited.contains(id))
                continue;
            visited.insert(id);
            if (iiifMemberIsEmbedded(member)) {
                walk(id, member, depth + 1);
                continue;
            }
            QString error;
            const QJsonObject loaded = load(id, false, &error);
            if (!error.isEmpty()) {
                summary.failures.push_back({id, error});
                continue;
            }
            walk(id, loaded, depth + 1);
        }
    };
    visited.insert(request.source);
    walk(request.source, root, 0);

    const QHash<QString, Catalog::CollectionObject> before = catalog.collectionObjects(source);
    QVector<RemoteImage> images;
    for (const auto &[where, manifest] : manifests) {
        for (const IiifCanvas &canvas : manifest.canvases) {
            const auto earlier = before.constFind(canvas.id);
            if (earlier != before.constEnd() && earlier->status != QLatin1String("failed")) {
                ++summary.alreadyDone;
                continue;
            }
            ImportTask task;
            task.externalId = canvas.id;
            task.metadata.insert(QStringLiteral("manifest"), where);
            task.metadata.insert(QStringLiteral("manifest_label"), manifest.label);
            if (!canvas.label.isEmpty())
                task.metadata.insert(QStringLiteral("canvas_label"), canvas.label);
            for (const auto &[label, value] : manifest.metadata + canvas.metadata) {
                task.metadata.insert(label, value);
                if (!request.labelField.isEmpty() && label.compare(request.labelField, Qt::CaseInsensitive) == 0)
                    task.label = value;
            }
            task.metadata.insert(QStringLiteral("image_url"), canvas.imageUrl);
            const QString name = QString::fromLatin1(QCryptographicHash::hash(canvas.id.toUtf8(), QCryptographicHash::Sha1).toHex());
            images.push_back({canvas.id, manifest.label, canvas.imageUrl, name + QLatin1Char('.') + extensionOf(canvas.imageUrl), task});
        }
    }
    const qint64 total = images.size();
    for (qint64 begin = 0; begin < total; begin += 32) {
        control.throwIfCancelled();
        downloadAndImport(control, catalog, source, fetcher, request.policy.maxImageBytes, folder, images.mid(begin, 32), summary);
        summary.requests = fetcher.requestsSent();
        publish();
        control.report(std::min(total, begin + 32), total, QStringLiteral("Imported %1 of %2 canvases").arg(std::min(total, begin + 32)).arg(total));
    }
    summary.requests = fetcher.requestsSent();
    publish();
}

} // namespace accession
