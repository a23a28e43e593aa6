#include "importer.h"

#include "catalog/catalog.h"
#include "catalog/transactionguard.h"
#include "imaging/perceptualhash.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QFuture>
#include <QHash>
#include <QMutex>
#include <QSaveFile>
#include <QSet>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentMap>

#include <optional>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace accession {

namespace {
// The PostgreSQL advisory lock import batches take turns on ("Accessn2"; the schema's is "Accessn1").
constexpr qint64 kImportBatchLockKey = 0x4163636573736e32;
} // namespace

namespace {

// Near-duplicate warnings listed one by one per import; the rest are counted in one line.
constexpr qsizetype kMaxNearDuplicateWarnings = 100;

// The content hashes the catalog holds, shared by decoding workers and the writer.
class KnownHashes
{
public:
    explicit KnownHashes(const QVector<QByteArray> &hashes)
    {
        m_hashes.reserve(hashes.size());
        for (const QByteArray &hash : hashes)
            m_hashes.insert(hash);
    }
    bool contains(const QByteArray &hash) const
    {
        QMutexLocker lock(&m_mutex);
        return m_hashes.contains(hash);
    }
    // True if it was new.
    bool insert(const QByteArray &hash)
    {
        QMutexLocker lock(&m_mutex);
        if (m_hashes.contains(hash))
            return false;
        m_hashes.insert(hash);
        return true;
    }

private:
    mutable QMutex m_mutex;
    QSet<QByteArray> m_hashes;
};

// What a worker learned about one file.
struct FileOutcome
{
    QString error;
    QByteArray hash;
    bool knownBefore = false;
    ImportedImage image;
    qint64 fileSize = 0;
    QString storedPath; // where the item's file lives (the copy, if copying)
    bool copied = false;
};

QString copyIntoStore(const QString &storeDir, const QString &hashHex, const QString &sourcePath,
                      const QByteArray &bytes, QString *error)
{
    const QString suffix = QFileInfo(sourcePath).suffix().toLower();
    const QString dir = storeDir + QLatin1Char('/') + hashHex.left(2);
    const QString target = dir + QLatin1Char('/') + hashHex + (suffix.isEmpty() ? QString() : QLatin1Char('.') + suffix);
    if (QFileInfo::exists(target))
        return target;
    if (!QDir().mkpath(dir)) {
        *error = QStringLiteral("cannot create the folder %1 to store %2").arg(dir, target);
        return QString();
    }
    QSaveFile file(target);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        *error = QStringLiteral("cannot copy into %1: %2").arg(target, file.errorString());
        return QString();
    }
    return target;
}

// Where copies go: the shared image folder as blobs (the item records blob:<name>, which every machine resolves
// against its own mount), or the folder beside the catalog (the item records the absolute path).
struct CopyTarget
{
    QString folder;
    bool blobs = false;
};

// Writes the file's bytes to the blob's place (temporary name, then renamed); false with *error naming both.
bool restoreBlob(const QString &blobPath, const QString &sourcePath, QString *error)
{
    QFile source(sourcePath);
    if (!source.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1 to restore blob %2: %3").arg(sourcePath, blobPath, source.errorString());
        return false;
    }
    if (!QDir().mkpath(QFileInfo(blobPath).absolutePath())) {
        *error = QStringLiteral("cannot create the image folder %1").arg(QFileInfo(blobPath).absolutePath());
        return false;
    }
    QSaveFile blob(blobPath);
    const QByteArray bytes = source.readAll();
    if (!blob.open(QIODevice::WriteOnly) || blob.write(bytes) != bytes.size() || !blob.commit()) {
        *error = QStringLiteral("cannot restore blob %1: %2").arg(blobPath, blob.errorString());
        return false;
    }
    return true;
}

FileOutcome processFile(const ImportTask &task, const ImportRequest &request, const KnownHashes &known,
                        const CopyTarget &store)
{
    FileOutcome outcome;
    QFile file;
#ifdef Q_OS_UNIX
    // Opened without blocking and checked to be a regular file first: opening a FIFO that the plan saw as a
    // file (it was swapped since) would wait forever for a writer.
    const int fd = ::open(QFile::encodeName(task.path).constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        outcome.error = QStringLiteral("cannot read: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        return outcome;
    }
    struct stat info;
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        outcome.error = QStringLiteral("not a regular file (not read)");
        return outcome;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (!file.open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        outcome.error = QStringLiteral("cannot read: %1").arg(file.errorString());
        return outcome;
    }
#else
    file.setFileName(task.path);
    if (!file.open(QIODevice::ReadOnly)) {
        outcome.error = QStringLiteral("cannot read: %1").arg(file.errorString());
        return outcome;
    }
#endif
    outcome.fileSize = file.size();
    if (outcome.fileSize > kMaxImageFileBytes) {
        outcome.error = QStringLiteral("file too large: %1 MB (the limit is %2 MB)")
                            .arg(outcome.fileSize >> 20)
                            .arg(kMaxImageFileBytes >> 20);
        return outcome;
    }
    const QByteArray bytes = file.readAll();
    if (bytes.size() != outcome.fileSize) {
        outcome.error = QStringLiteral("cannot read: %1").arg(file.errorString());
        return outcome;
    }
    outcome.hash = QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
    outcome.storedPath = task.path;
    if (known.contains(outcome.hash)) {
        outcome.knownBefore = true;
        return outcome;
    }
    outcome.image = decodeForImport(bytes, request.decode);
    if (!outcome.image.ok()) {
        outcome.error = outcome.image.error;
        return outcome;
    }
    if (request.copyIntoCatalog) {
        const QString hashHex = QString::fromLatin1(outcome.hash.toHex());
        outcome.storedPath = copyIntoStore(store.folder, hashHex, task.path, bytes, &outcome.error);
        outcome.copied = outcome.error.isEmpty();
        if (outcome.copied && store.blobs)
            outcome.storedPath = Catalog::blobReference(hashHex, QFileInfo(task.path).suffix().toLower());
    }
    return outcome;
}

QString describeSource(const ImportRequest &request)
{
    switch (request.source) {
    case ImportRequest::Source::Csv:
        return QStringLiteral("csv %1 with images in %2").arg(request.csvPath, request.imagesDir);
    case ImportRequest::Source::DepartmentFolders:
        return QStringLiteral("department folders in %1").arg(request.foldersDir);
    case ImportRequest::Source::Tasks:
        return QStringLiteral("%1 downloaded files").arg(request.tasks.size());
    case ImportRequest::Source::Unlabelled:
        break;
    }
    return QStringLiteral("unlabelled files: %1").arg(request.paths.join(QStringLiteral(", ")));
}

ImportPlan makePlan(const ImportRequest &request)
{
    switch (request.source) {
    case ImportRequest::Source::Csv:
        return planCsvImport(request.csvPath, request.imagesDir, request.columns);
    case ImportRequest::Source::DepartmentFolders:
        return planDepartmentFolderImport(request.foldersDir);
    case ImportRequest::Source::Tasks:
        return ImportPlan{request.tasks, {}, {}, 0};
    case ImportRequest::Source::Unlabelled:
        break;
    }
    return planUnlabelledImport(request.paths);
}

} // namespace

void importIntoCatalog(const QString &catalogPath, const ImportRequest &request, ImportSummary &summary, const WorkControl &control)
{
    QElapsedTimer timer;
    timer.start();
    summary = ImportSummary();
    Catalog catalog(catalogPath, Catalog::OpenMode::CreateIfMissing);
    catalog.setMaxDepartmentNameLength(request.maxDepartmentNameLength);
    // Runs left 'running' by a process that died say so before this one starts.
    catalog.markInterruptedImportRuns();
    // A shared image folder this machine cannot write into fails the import before anything is read.
    CopyTarget store{catalog.imageStoreDir(), false};
    if (request.copyIntoCatalog && !catalog.imageFolder().isEmpty()) {
        store = {catalog.imageFolder(), true};
        const QString problem = Catalog::imageFolderProblem(store.folder);
        if (!problem.isEmpty())
            throw CatalogError(QStringLiteral("cannot copy images into catalog %1: %2").arg(catalog.path(), problem));
    }
    ImportPlan plan = makePlan(request);

    // Labels that cannot become a department (the list is fixed, or the name is too long or holds control
    // characters) are refused before anything is decoded.
    const bool fixed = catalog.departmentsFixed();
    QHash<QString, QString> labelProblems; // label -> reason, empty when fine
    QVector<ImportTask> accepted;
    for (ImportTask &task : plan.tasks) {
        if (task.label.isEmpty()) {
            accepted.push_back(std::move(task));
            continue;
        }
        auto known = labelProblems.constFind(task.label);
        if (known == labelProblems.cend()) {
            QString problem;
            if (!catalog.departmentIdByName(task.label)) {
                problem = Catalog::departmentNameProblem(task.label, request.maxDepartmentNameLength);
                if (problem.isEmpty() && fixed) {
                    problem = QStringLiteral("unknown department '%1' (the catalog's department list is fixed)")
                                  .arg(task.label);
                }
            }
            known = labelProblems.insert(task.label, problem);
        }
        if (known.value().isEmpty())
            accepted.push_back(std::move(task));
        else
            plan.failures.push_back({task.path, known.value()});
    }
    plan.tasks = std::move(accepted);

    summary.ignoredFiles = plan.ignoredFiles;
    summary.runId = catalog.beginImportRun(request.description.isEmpty() ? describeSource(request) : request.description);
    {
        TransactionGuard transaction(catalog.database());
        for (const Problem &failure : plan.failures)
            catalog.recordImportFailure(summary.runId, failure.path, failure.reason);
        if (!plan.warnings.isEmpty())
            catalog.setImportRunWarnings(summary.runId, plan.warnings);
        transaction.commit();
    }
    summary.failures = plan.failures;
    summary.warnings = plan.warnings;
    const auto publish = [&] { summary.seconds = timer.elapsed() / 1000.0; };
    publish();

    KnownHashes known(catalog.allContentHashes());
    QThreadPool pool;
    pool.setMaxThreadCount(request.threads > 0 ? request.threads : QThread::idealThreadCount());

    const QVector<ImportTask> &tasks = plan.tasks;
    const qint64 total = tasks.size();
    const auto startBatch = [&](qint64 begin) {
        const QVector<ImportTask> batch = tasks.mid(begin, kImportBatchSize);
        return QtConcurrent::mapped(&pool, batch, [&request, &known, store](const ImportTask &task) {
            return processFile(task, request, known, store);
        });
    };

    qsizetype nearDuplicateWarningsShown = 0;
    const auto writeBatch = [&](qint64 begin, const QList<FileOutcome> &outcomes) {
        QVector<Problem> failures;
        qint64 imported = 0;
        qint64 duplicates = 0;
        qint64 relocated = 0;
        QVector<qint64> ids;
        qint64 nearDuplicates = 0;
        QStringList nearDuplicateWarnings;
        TransactionGuard transaction(catalog.database());
        // SQLite's transaction holds the write lock from its first write; a PostgreSQL one does not, so two importers
        // could both find a department or a file missing and both insert it (a unique-key error). Their batches
        // take turns here instead, as on SQLite; readers and reviewers do not wait.
        if (catalog.dialect() == SqlDialect::PostgreSQL)
            catalog.run(QStringLiteral("SELECT pg_advisory_xact_lock(:key)"), {{QStringLiteral("key"), kImportBatchLockKey}}).finish();
        for (int i = 0; i < outcomes.size(); ++i) {
            const ImportTask &task = tasks[begin + i];
            const FileOutcome &outcome = outcomes[i];
            if (!outcome.error.isEmpty()) {
                failures.push_back({task.path, outcome.error});
                catalog.recordImportFailure(summary.runId, task.path, outcome.error);
                continue;
            }
            const QString hashHex = QString::fromLatin1(outcome.hash.toHex());
            known.insert(outcome.hash);
            // Asked of the catalog under the write lock, not of the hashes read at the start: another
            // process importing into the same catalog may have stored the same file since.
            const std::optional<qint64> existing = catalog.itemIdByHash(hashHex);
            if (existing) {
                ++duplicates;
                ids.push_back(*existing);
                const auto record = catalog.item(*existing);
                if (record && record->path != task.path && !QFileInfo::exists(record->path)) {
                    // A blob of the shared folder missing here is written again from this file (same bytes): the
                    // item keeps its blob reference, which other machines read, instead of a path of this machine.
                    if (store.blobs && record->storedCopy && record->path.startsWith(store.folder + QLatin1Char('/'))) {
                        QString error;
                        if (restoreBlob(record->path, task.path, &error)) {
                            ++relocated;
                        } else {
                            failures.push_back({task.path, error});
                            catalog.recordImportFailure(summary.runId, task.path, error);
                        }
                    } else {
                        catalog.updateItemPath(*existing, task.path);
                        ++relocated;
                    }
                }
                if (record && record->labelId == 0 && !task.label.isEmpty()) {
                    if (const auto department = catalog.ensureDepartment(task.label))
                        catalog.addLabel(*existing, *department, LabelSource::Imported);
                }
                continue;
            }
            if (outcome.knownBefore) {
                // Not decoded, since the catalog had it when this import began; it has been removed since.
                const QString reason = QStringLiteral("was in the catalog when this import began and has been removed "
                                                      "since; import it again");
                failures.push_back({task.path, reason});
                catalog.recordImportFailure(summary.runId, task.path, reason);
                continue;
            }
            std::optional<qint64> department;
            if (!task.label.isEmpty()) {
                department = catalog.ensureDepartment(task.label);
                if (!department) {
                    const QString reason = QStringLiteral("unknown department '%1' (the catalog's department list is "
                                                          "fixed)").arg(task.label);
                    failures.push_back({task.path, reason});
                    catalog.recordImportFailure(summary.runId, task.path, reason);
                    continue;
                }
            }
            NewItem item;
            item.contentHash = hashHex;
            item.path = outcome.storedPath;
            item.externalId = task.externalId;
            item.width = outcome.image.header.width();
            item.height = outcome.image.header.height();
            item.format = imageFormatName(outcome.image.header.format);
            item.fileSize = outcome.fileSize;
            item.storedCopy = outcome.copied;
            item.metadata = task.metadata;
            if (outcome.copied)
                item.metadata.insert(QStringLiteral("original_path"), task.path);
            item.thumbnailJpeg = outcome.image.thumbnailJpeg;
            item.thumbnailWidth = outcome.image.thumbnailWidth;
            item.thumbnailHeight = outcome.image.thumbnailHeight;
            const qint64 id = catalog.insertItem(item);
            if (outcome.image.perceptualHash) {
                // Checked against everything stored so far, this batch's earlier photographs included.
                const QVector<QPair<qint64, int>> near =
                    catalog.itemsNearPerceptualHash(*outcome.image.perceptualHash, kNearDuplicateHashDistance, id);
                catalog.setPerceptualHash(id, *outcome.image.perceptualHash);
                if (!near.isEmpty()) {
                    ++nearDuplicates;
                    if (nearDuplicateWarningsShown + nearDuplicateWarnings.size() < kMaxNearDuplicateWarnings) {
                        const auto other = catalog.item(near.front().first);
                        nearDuplicateWarnings << QStringLiteral("%1 nearly duplicates %2 (item %3): their perceptual hashes "
                                                                "are %4 of 64 bits apart")
                                                     .arg(task.path, other ? other->path : QString())
                                                     .arg(near.front().first)
                                                     .arg(near.front().second);
                    }
                }
            }
            if (department)
                catalog.addLabel(id, *department, LabelSource::Imported);
            ids.push_back(id);
            ++imported;
        }
        if (!nearDuplicateWarnings.isEmpty())
            catalog.setImportRunWarnings(summary.runId, summary.warnings + nearDuplicateWarnings);
        transaction.commit();
        summary.warnings += nearDuplicateWarnings;
        nearDuplicateWarningsShown += nearDuplicateWarnings.size();
        summary.nearDuplicates += nearDuplicates;
        // Only a committed batch counts; on a failed commit the catalog is as it was before this batch.
        summary.imported += imported;
        summary.duplicates += duplicates;
        summary.relocated += relocated;
        summary.failures += failures;
        summary.itemIds += ids;
    };

    const auto finishRun = [&](const QString &status) {
        publish();
        if (summary.nearDuplicates > nearDuplicateWarningsShown) {
            summary.warnings << QStringLiteral("%1 more new photographs nearly duplicate one in the catalog "
                                               "('accession-cli near-duplicates' lists every group)")
                                    .arg(summary.nearDuplicates - nearDuplicateWarningsShown);
            try {
                catalog.setImportRunWarnings(summary.runId, summary.warnings);
            } catch (const CatalogError &) {
                // The warnings listed so far stay recorded.
            }
        }
        try {
            catalog.finishImportRun(summary.runId, status, summary.imported, summary.duplicates,
                                    summary.failures.size());
        } catch (const CatalogError &) {
            // The run row stays 'running'; the items written so far are intact.
        }
    };

    control.report(0, total, QStringLiteral("Importing %1 files").arg(total));
    QFuture<FileOutcome> pending = total > 0 ? startBatch(0) : QFuture<FileOutcome>();
    for (qint64 begin = 0; begin < total; begin += kImportBatchSize) {
        pending.waitForFinished();
        const QList<FileOutcome> outcomes = pending.results();
        if (control.cancelRequested()) {
            summary.cancelled = true;
            finishRun(QStringLiteral("cancelled"));
            throw WorkCancelled();
        }
        if (begin + kImportBatchSize < total)
            pending = startBatch(begin + kImportBatchSize); // decode the next batch while this one is written
        try {
            writeBatch(begin, outcomes);
        } catch (const CatalogError &) {
            pending.waitForFinished();
            finishRun(QStringLiteral("failed"));
            throw;
        }
        publish();
        const qint64 done = std::min(total, begin + kImportBatchSize);
        control.report(done, total, QStringLiteral("Imported %1 of %2 files").arg(done).arg(total));
    }
    finishRun(QStringLiteral("finished"));
}

} // namespace accession
