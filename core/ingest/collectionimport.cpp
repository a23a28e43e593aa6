#include "collectionimport.h"

#include "importjob.h"

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
// what each object came to.
BatchOutcome downloadAndImport(Job &job, Catalog &catalog, const QString &source, HttpFetcher &fetcher, const QString &folder,
                               const QVector<RemoteImage> &images, CollectionImportSummary &summary)
{
    BatchOutcome outcome;
    if (images.isEmpty())
        return outcome;
    QStringList urls;
    for (const RemoteImage &image : images)
        urls << image.url;
    QVector<ImportTask> tasks;
    QVector<int> imageOfTask;
    QVector<QPair<int, QString>> failed;
    QDir().mkpath(folder);
    fetcher.fetchAll(urls, [&](int index, const HttpResult &result) {
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
        ImportJob import(catalog.path(), request);
        import.followCancelOf(&job);
        QString error;
        QObject::connect(&import, &Job::failed, &import, [&error](const QString &message) { error = message; });
        import.exec();
        if (!error.isEmpty())
            throw std::runtime_error(error.toStdString());
        imported = import.summary();
    }
    QHash<QString, QString> importFailure;
    for (const ImportFailure &failure : imported.failures)
        importFailure.insert(failure.path, failure.reason);

    TransactionGuard transaction(catalog.database());
    int nextItem = 0;
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
        catalog.recordCollectionObject(source, image.objectId, image.group, QStringLiteral("imported"), QString(),
                                       imported.itemIds[nextItem++]);
        summary.importedPerGroup[image.group] += 1;
        ++outcome.imported;
    }
    for (const auto &[index, reason] : failed) {
        catalog.recordCollectionObject(source, images[index].objectId, images[index].group, QStringLiteral("failed"), reason);
        summary.failures.push_back({images[index].url, reason});
    }
    transaction.commit();
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

CollectionImportSummary CollectionImportJob::summary() const
{
    QMutexLocker lock(&m_mutex);
    return m_summary;
}

void CollectionImportJob::publish(CollectionImportSummary &summary, const QElapsedTimer &timer)
{
    summary.seconds = timer.elapsed() / 1000.0;
    QMutexLocker lock(&m_mutex);
    m_summary = summary;
}

MetImportJob::MetImportJob(MetImportRequest request, QObject *parent)
    : CollectionImportJob(parent)
    , m_request(std::move(request))
{
    while (m_request.baseUrl.endsWith(QLatin1Char('/')))
        m_request.baseUrl.chop(1);
}

QVector<int> MetImportJob::evenlySpreadOrder(int n)
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

QVector<MetDepartment> MetImportJob::fetchDepartments(const QString &baseUrl, bool countObjects, const HttpPolicy &policy,
                                                      const std::function<bool()> &cancelled)
{
    QString base = baseUrl;
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    HttpFetcher fetcher(policy, cancelled);
    const HttpResult result = fetcher.fetch(base + QStringLiteral("/departments"));
    if (!result.ok())
        throw std::runtime_error(QStringLiteral("%1/departments: %2").arg(base, result.error).toStdString());
    QString error;
    const QJsonDocument document = parseJson(result.body, &error);
    if (!error.isEmpty())
        throw std::runtime_error(QStringLiteral("%1/departments: %2").arg(base, error).toStdString());
    QVector<MetDepartment> departments;
    for (const QJsonValue &value : document.object().value(QStringLiteral("departments")).toArray()) {
        const QJsonObject object = value.toObject();
        departments.push_back({object.value(QStringLiteral("departmentId")).toInt(), object.value(QStringLiteral("displayName")).toString(), -1});
    }
    if (countObjects) {
        QStringList urls;
        for (const MetDepartment &department : departments)
            urls << QStringLiteral("%1/objects?departmentIds=%2").arg(base).arg(department.id);
        fetcher.fetchAll(urls, [&](int index, const HttpResult &count) {
            if (count.ok())
                departments[index].objects = QJsonDocument::fromJson(count.body).object().value(QStringLiteral("total")).toInteger(-1);
        });
    }
    return departments;
}

void MetImportJob::run()
{
    QElapsedTimer timer;
    timer.start();
    CollectionImportSummary summary;
    const auto publish = [&] { CollectionImportJob::publish(summary, timer); };
    Catalog catalog(m_request.catalogPath, Catalog::OpenMode::CreateIfMissing);
    const QString source = QStringLiteral("met:") + m_request.baseUrl;
    const QString folder = catalog.imageStoreDir() + QStringLiteral("/met");
    HttpFetcher fetcher(m_request.policy, [this] { return isCancelRequested(); });
    const auto updateRequests = [&] { summary.requests = fetcher.requestsSent(); };

    // Lists (departments, object ids) are kept in the catalog: a resumed run does not ask for them again.
    const auto getJson = [&](const QString &url) {
        QByteArray body;
        if (const auto cached = catalog.cachedResponse(url)) {
            body = *cached;
        } else {
            const HttpResult result = fetcher.fetch(url);
            throwIfCancelled();
            if (!result.ok())
                throw std::runtime_error(QStringLiteral("%1: %2").arg(url, result.error).toStdString());
            body = result.body;
        }
        QString error;
        const QJsonDocument document = parseJson(body, &error);
        if (!error.isEmpty())
            throw std::runtime_error(QStringLiteral("%1: %2").arg(url, error).toStdString());
        catalog.cacheResponse(url, body);
        return document.object();
    };

    QVector<MetDepartment> available;
    for (const QJsonValue &value : getJson(m_request.baseUrl + QStringLiteral("/departments")).value(QStringLiteral("departments")).toArray()) {
        const QJsonObject object = value.toObject();
        available.push_back({object.value(QStringLiteral("departmentId")).toInt(), object.value(QStringLiteral("displayName")).toString(), -1});
    }
    QVector<MetDepartment> chosen;
    if (m_request.departments.isEmpty())
        chosen = available;
    for (const QString &wanted : m_request.departments) {
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
    const qint64 target = m_request.perDepartment > 0 ? qint64(m_request.perDepartment) * chosen.size() : -1;
    qint64 done = 0;
    for (const MetDepartment &department : chosen) {
        throwIfCancelled();
        const QJsonArray ids = getJson(QStringLiteral("%1/objects?departmentIds=%2").arg(m_request.baseUrl).arg(department.id))
                                   .value(QStringLiteral("objectIDs")).toArray();
        const QVector<int> order = m_request.perDepartment > 0 ? evenlySpreadOrder(int(ids.size())) : [&] {
            QVector<int> all(ids.size());
            std::iota(all.begin(), all.end(), 0);
            return all;
        }();
        const int wanted = m_request.perDepartment > 0 ? m_request.perDepartment : int(ids.size());
        int have = 0;
        QVector<QString> candidates;
        for (int index : order) {
            const QString objectId = QString::number(ids[index].toInteger());
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
            throwIfCancelled();
            // Exactly as many objects as are still needed (those without an image are replaced next round),
            // so that nothing fetched is left unrecorded.
            const int batch = std::clamp(wanted - have, 1, std::max(8, m_request.policy.connections * 8));
            QStringList urls;
            QVector<QString> objects;
            for (; cursor < candidates.size() && objects.size() < batch; ++cursor) {
                objects.push_back(candidates[cursor]);
                urls << QStringLiteral("%1/objects/%2").arg(m_request.baseUrl, candidates[cursor]);
            }
            QVector<RemoteImage> images;
            // Outcomes are written after the batch's requests, so no write lock is held over the network
            // (a curator's decision in the GUI never waits on a slow server).
            struct Outcome { QString objectId, status, reason; };
            QVector<Outcome> outcomes;
            fetcher.fetchAll(urls, [&](int index, const HttpResult &result) {
                const QString &objectId = objects[index];
                if (!result.ok()) {
                    outcomes.push_back({objectId, QStringLiteral("failed"), result.error});
                    summary.failures.push_back({urls[index], result.error});
                    return;
                }
                QString error;
                const QJsonObject object = parseJson(result.body, &error).object();
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
                if (m_request.publicDomainOnly && !object.value(QStringLiteral("isPublicDomain")).toBool())
                    return skip(QStringLiteral("not in the public domain"));
                QString image = object.value(m_request.fullImages ? QStringLiteral("primaryImage") : QStringLiteral("primaryImageSmall")).toString();
                if (image.isEmpty())
                    image = object.value(QStringLiteral("primaryImage")).toString();
                if (image.isEmpty())
                    return skip(QStringLiteral("no image"));
                ImportTask task;
                task.label = object.value(QStringLiteral("department")).toString(department.name);
                task.externalId = objectId;
                for (const char *field : {"title", "culture", "objectDate", "objectName", "medium", "artistDisplayName",
                                          "accessionNumber", "objectURL", "isPublicDomain"}) {
                    const QJsonValue value = object.value(QLatin1String(field));
                    if (!value.isUndefined() && !value.isNull() && !(value.isString() && value.toString().isEmpty()))
                        task.metadata.insert(QLatin1String(field), value);
                }
                task.metadata.insert(QStringLiteral("source"), QStringLiteral("The Met Collection API"));
                task.metadata.insert(QStringLiteral("image_url"), image);
                images.push_back({objectId, department.name, image, objectId + QLatin1Char('.') + extensionOf(image), task});
            });
            TransactionGuard transaction(catalog.database());
            for (const Outcome &outcome : outcomes)
                catalog.recordCollectionObject(source, outcome.objectId, department.name, outcome.status, outcome.reason);
            transaction.commit();
            const BatchOutcome outcome = downloadAndImport(*this, catalog, source, fetcher, folder, images, summary);
            have += outcome.imported;
            done += outcome.imported;
            updateRequests();
            publish();
            reportProgress(done, target > 0 ? target : done,
                           QStringLiteral("%1: %2 of %3 imported").arg(department.name).arg(have).arg(wanted));
            throwIfCancelled();
        }
    }
    updateRequests();
    publish();
}

namespace {

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
            const QStringList languages = object.keys();
            const QString preferred = object.contains(QStringLiteral("en")) ? QStringLiteral("en")
                                    : object.contains(QStringLiteral("none")) ? QStringLiteral("none")
                                                                              : languages.value(0);
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

// The Image API address of a service (first of an array), asking for at most side x side pixels.
QString imageServiceUrl(const QJsonValue &service, int side)
{
    const QJsonObject object = service.isArray() ? service.toArray().first().toObject() : service.toObject();
    QString base = iiifId(object);
    if (base.isEmpty())
        return QString();
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    return QStringLiteral("%1/full/!%2,%2/0/default.jpg").arg(base).arg(side);
}

struct Canvas
{
    QString id;
    QString label;
    QString imageUrl;
    QVector<QPair<QString, QString>> metadata;
};

QVector<Canvas> manifestCanvases(const QJsonObject &manifest, int side, QStringList *problems)
{
    QVector<Canvas> canvases;
    QJsonArray list;
    if (manifest.contains(QStringLiteral("items"))) { // Presentation 3.0
        list = manifest.value(QStringLiteral("items")).toArray();
    } else { // 2.1
        list = manifest.value(QStringLiteral("sequences")).toArray().first().toObject().value(QStringLiteral("canvases")).toArray();
    }
    for (const QJsonValue &value : list) {
        const QJsonObject canvas = value.toObject();
        Canvas entry;
        entry.id = iiifId(canvas);
        entry.label = iiifText(canvas.value(QStringLiteral("label")));
        entry.metadata = iiifMetadata(canvas);
        QJsonObject resource;
        if (canvas.contains(QStringLiteral("items"))) {
            const QJsonObject annotation = canvas.value(QStringLiteral("items")).toArray().first().toObject()
                                               .value(QStringLiteral("items")).toArray().first().toObject();
            const QJsonValue body = annotation.value(QStringLiteral("body"));
            resource = body.isArray() ? body.toArray().first().toObject() : body.toObject();
        } else {
            resource = canvas.value(QStringLiteral("images")).toArray().first().toObject().value(QStringLiteral("resource")).toObject();
        }
        const QJsonValue service = resource.value(QStringLiteral("service"));
        entry.imageUrl = !service.isUndefined() ? imageServiceUrl(service, side) : QString();
        if (entry.imageUrl.isEmpty())
            entry.imageUrl = iiifId(resource);
        if (entry.id.isEmpty() || entry.imageUrl.isEmpty()) {
            problems->push_back(QStringLiteral("canvas %1 has %2").arg(entry.id.isEmpty() ? QStringLiteral("(no id)") : entry.id,
                                                                       entry.id.isEmpty() ? QStringLiteral("no id") : QStringLiteral("no image")));
            continue;
        }
        canvases.push_back(entry);
    }
    return canvases;
}

} // namespace

IiifImportJob::IiifImportJob(IiifImportRequest request, QObject *parent)
    : CollectionImportJob(parent)
    , m_request(std::move(request))
{
}

void IiifImportJob::run()
{
    QElapsedTimer timer;
    timer.start();
    CollectionImportSummary summary;
    const auto publish = [&] { CollectionImportJob::publish(summary, timer); };
    Catalog catalog(m_request.catalogPath, Catalog::OpenMode::CreateIfMissing);
    const QString source = QStringLiteral("iiif");
    const QString folder = catalog.imageStoreDir() + QStringLiteral("/iiif");
    HttpFetcher fetcher(m_request.policy, [this] { return isCancelRequested(); });

    const auto load = [&](const QString &reference, QString *error) -> QJsonObject {
        QByteArray body;
        if (QFileInfo(reference).isFile()) {
            QFile file(reference);
            if (!file.open(QIODevice::ReadOnly)) {
                *error = file.errorString();
                return {};
            }
            body = file.readAll();
        } else {
            const HttpResult result = fetcher.fetch(reference);
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
    const QJsonObject root = load(m_request.source, &rootError);
    if (!rootError.isEmpty())
        throw std::runtime_error(QStringLiteral("%1: %2").arg(m_request.source, rootError).toStdString());
    QVector<QPair<QString, QJsonObject>> manifests;
    QSet<QString> visited;
    std::function<void(const QString &, const QJsonObject &, int)> walk = [&](const QString &where, const QJsonObject &node, int depth) {
        const QString type = iiifType(node);
        if (type == QLatin1String("Manifest")) {
            manifests.push_back({where, node});
            return;
        }
        if (type != QLatin1String("Collection")) {
            summary.failures.push_back({where, QStringLiteral("not a IIIF manifest or collection (type '%1')").arg(type)});
            return;
        }
        if (depth > 8) {
            summary.failures.push_back({where, QStringLiteral("collections nested too deep")});
            return;
        }
        QJsonArray members = node.value(QStringLiteral("items")).toArray();
        for (const char *key : {"manifests", "collections", "members"}) {
            for (const QJsonValue &member : node.value(QLatin1String(key)).toArray())
                members.append(member);
        }
        for (const QJsonValue &value : members) {
            throwIfCancelled();
            const QJsonObject member = value.toObject();
            const QString id = iiifId(member);
            if (id.isEmpty() || visited.contains(id))
                continue;
            visited.insert(id);
            const bool embedded = member.contains(QStringLiteral("items")) || member.contains(QStringLiteral("sequences"));
            if (embedded) {
                walk(id, member, depth + 1);
                continue;
            }
            QString error;
            const QJsonObject loaded = load(id, &error);
            if (!error.isEmpty()) {
                summary.failures.push_back({id, error});
                continue;
            }
            walk(id, loaded, depth + 1);
        }
    };
    visited.insert(m_request.source);
    walk(m_request.source, root, 0);

    const QHash<QString, Catalog::CollectionObject> before = catalog.collectionObjects(source);
    QVector<RemoteImage> images;
    for (const auto &[where, manifest] : manifests) {
        QStringList problems;
        const QVector<Canvas> canvases = manifestCanvases(manifest, m_request.maxImageSide, &problems);
        for (const QString &problem : problems)
            summary.failures.push_back({where, problem});
        if (canvases.isEmpty() && problems.isEmpty())
            summary.failures.push_back({where, QStringLiteral("the manifest has no canvases")});
        const QString manifestLabel = iiifText(manifest.value(QStringLiteral("label")));
        const QVector<QPair<QString, QString>> manifestMetadata = iiifMetadata(manifest);
        for (const Canvas &canvas : canvases) {
            const auto earlier = before.constFind(canvas.id);
            if (earlier != before.constEnd() && earlier->status != QLatin1String("failed")) {
                ++summary.alreadyDone;
                continue;
            }
            ImportTask task;
            task.externalId = canvas.id;
            task.metadata.insert(QStringLiteral("manifest"), where);
            task.metadata.insert(QStringLiteral("manifest_label"), manifestLabel);
            if (!canvas.label.isEmpty())
                task.metadata.insert(QStringLiteral("canvas_label"), canvas.label);
            for (const auto &[label, value] : manifestMetadata + canvas.metadata) {
                task.metadata.insert(label, value);
                if (!m_request.labelField.isEmpty() && label.compare(m_request.labelField, Qt::CaseInsensitive) == 0)
                    task.label = value;
            }
            task.metadata.insert(QStringLiteral("image_url"), canvas.imageUrl);
            const QString name = QString::fromLatin1(QCryptographicHash::hash(canvas.id.toUtf8(), QCryptographicHash::Sha1).toHex());
            images.push_back({canvas.id, manifestLabel, canvas.imageUrl, name + QLatin1Char('.') + extensionOf(canvas.imageUrl), task});
        }
    }
    const qint64 total = images.size();
    for (qint64 begin = 0; begin < total; begin += 32) {
        throwIfCancelled();
        downloadAndImport(*this, catalog, source, fetcher, folder, images.mid(begin, 32), summary);
        summary.requests = fetcher.requestsSent();
        publish();
        reportProgress(std::min(total, begin + 32), total, QStringLiteral("Imported %1 of %2 canvases").arg(std::min(total, begin + 32)).arg(total));
    }
    summary.requests = fetcher.requestsSent();
    publish();
}

} // namespace accession
