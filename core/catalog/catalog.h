#pragma once

#include "cataloglocation.h"
#include "catalogtypes.h"

#include <QSqlDatabase>
#include <QHash>
#include <QPair>
#include <QSqlQuery>
#include <QString>
#include <QVariantMap>

#include <functional>
#include <optional>

namespace accession {

struct IndexBuild;

// One thread's connection to a catalog (a SQLite file, or a PostgreSQL database shared by several machines):
// departments, items, labels, runs. Create one per thread.
class Catalog
{
public:
    enum class OpenMode { OpenExisting, CreateIfMissing };

    static constexpr int kSchemaVersion = 13;
    // How long a connection waits for another process's write to finish before giving up with "database is
    // locked". ACCESSION_CATALOG_BUSY_TIMEOUT (seconds) overrides it.
    static constexpr int kDefaultBusyTimeoutSeconds = 30;
    // The longest department or group name, in characters: names are shown in lists, menus and chart labels.
    // A longer name (a whole paragraph in a CSV's label column) is refused; setMaxDepartmentNameLength() and
    // import --max-department-name change it.
    static constexpr int kMaxDepartmentNameLength = 200;

    // Called before each migration step (stepsDone of stepsTotal, then the step's description) and once at the end.
    using MigrationProgress = std::function<void(int stepsDone, int stepsTotal, const QString &step)>;

    // When the indexes a migration adds are built. WhileOpening: before the constructor returns, so that the
    // catalog is complete (the command line, jobs, tests). Deferred: left for buildMissingIndexes(), so that a
    // window can show a large catalog while they are built in the background; reads are right without them.
    enum class IndexBuilds { WhileOpening, Deferred };

    // PostgreSQL's advisory lock that migrations and index builds hold, so that clients starting at once migrate
    // one after the other (the later one finds the work done). SQLite's write lock does this for a file.
    static constexpr qint64 kSchemaLockKey = 0x4163636573736e31; // "Accessn1"

    // Opens (and migrates) the catalog at location: a file path, or postgresql://[user@]host[:port]/dbname[?options]
    // (the password from PGPASSWORD, ~/.pgpass or a service file). OpenMode applies to files: a PostgreSQL database
    // is made by its administrator, and an empty one gets the schema. Throws CatalogError naming the location and
    // the reason ("cannot connect to postgresql://...: <the server's reason>").
    explicit Catalog(const QString &location, OpenMode mode = OpenMode::OpenExisting,
                     const MigrationProgress &progress = {}, IndexBuilds indexBuilds = IndexBuilds::WhileOpening);
    ~Catalog();
    Catalog(const Catalog &) = delete;
    Catalog &operator=(const Catalog &) = delete;

    // The location as messages show it: the file's absolute path, or the URL (never with a password).
    QString path() const { return m_path; }
    const CatalogLocation &location() const { return m_location; }
    SqlDialect dialect() const { return m_location.dialect; }
    QSqlDatabase database() const { return m_database; }
    int schemaVersion() const;
    // The descriptions of the indexes the schema has that this file lacks (left by a Deferred open), in the
    // order buildMissingIndexes() builds them.
    QStringList missingIndexes() const;
    // Builds the missing indexes, one transaction each, reporting each as a step and the end as progress does;
    // stops between two when cancelled() says so (false then). Another connection building the same ones meanwhile
    // is harmless: whichever comes second finds them built. Throws CatalogError when one cannot be built.
    bool buildMissingIndexes(const MigrationProgress &progress = {}, const std::function<bool()> &cancelled = {});
    // Folder beside the catalog file where imports copy images when asked to; for a PostgreSQL catalog, a folder
    // of this machine's application data named after the database (the copies are not shared).
    QString imageStoreDir() const;

    // The shared image folder: where import --copy writes content-addressed blobs (FOLDER/ab/<sha256>.<ext>) that
    // every machine reads through its own mount. The catalog's setting kImageFolderSettingKey names it as the
    // curators' machines see it; a machine that mounts the share elsewhere overrides it with the environment
    // variable ACCESSION_IMAGE_FOLDER (read when the catalog opens) or setImageFolderOverride().
    static constexpr const char *kImageFolderSettingKey = "image_folder";
    static constexpr const char *kImageFolderEnvironment = "ACCESSION_IMAGE_FOLDER";
    // The prefix of an item path that names a blob of the shared image folder rather than a file.
    static constexpr const char *kBlobPrefix = "blob:";
    QString imageFolderSetting() const;
    // Stores the folder (made absolute; empty clears it). Throws CatalogError when the folder is missing or not
    // writable, naming it.
    void setImageFolderSetting(const QString &folder);
    void setImageFolderOverride(const QString &folder) { m_imageFolderOverride = folder; }
    QString imageFolderOverride() const { return m_imageFolderOverride; }
    // The folder this machine reads and writes blobs in: the override, else the setting; empty when neither.
    QString imageFolder() const;
    // Why blobs cannot be written into the image folder (missing, not a folder, not writable); empty if they can.
    static QString imageFolderProblem(const QString &folder);
    // "blob:<sha256>.<ext>", what an item copied into the shared image folder records as its path.
    static QString blobReference(const QString &hashHex, const QString &suffix);
    // Where the blob lies under a folder: FOLDER/ab/<sha256>.<ext>.
    static QString blobPath(const QString &folder, const QString &blobName);
    // The one place an item's stored path becomes a file this machine can open: a blob reference resolves against
    // imageFolder(); any other path is returned as it is. Every item row the catalog returns is resolved.
    QString resolveItemPath(const QString &storedPath) const;
    // Why the item's image cannot be read on this machine when its path is a blob, stored or resolved (no image
    // folder set, or the blob missing from it), naming the blob and the folder; empty otherwise.
    QString itemPathProblem(const QString &storedPath) const;

    // The busy timeout every connection gets: kDefaultBusyTimeoutSeconds or ACCESSION_CATALOG_BUSY_TIMEOUT.
    static int busyTimeoutSeconds();

    QString setting(const QString &key, const QString &fallback = QString()) const;
    void setSetting(const QString &key, const QString &value);

    // Departments and groups.
    QVector<Department> departments() const;
    std::optional<qint64> departmentIdByName(const QString &name) const; // names and former names
    std::optional<Department> department(qint64 id) const;
    // Why the name cannot name a department or group (empty, too long, control characters); empty if it can.
    static QString departmentNameProblem(const QString &name, int maxLength = kMaxDepartmentNameLength);
    int maxDepartmentNameLength() const { return m_maxDepartmentNameLength; }
    void setMaxDepartmentNameLength(int length) { m_maxDepartmentNameLength = length; }
    // Throws CatalogError when the name exists or has a problem (see departmentNameProblem()).
    qint64 addDepartment(const QString &name);
    // The department's id, created at the end of the list if missing; nullopt if missing and the list is fixed.
    // Throws CatalogError when it would have to create a department whose name has a problem.
    std::optional<qint64> ensureDepartment(const QString &name);
    void renameDepartment(qint64 id, const QString &newName);
    void moveDepartment(qint64 id, int newPosition);
    bool departmentsFixed() const;
    void setDepartmentsFixed(bool fixed);
    qint64 addDepartmentGroup(const QString &name);
    void setDepartmentGroup(qint64 departmentId, qint64 groupId); // groupId 0 removes it from its group
    // Folds one department into another: labels, predictions and decisions follow, the old name keeps
    // resolving to the new one. Label history keeps its dates and sources. Returns the merge record's id,
    // which undoDepartmentMerge() takes.
    qint64 mergeDepartments(qint64 fromId, qint64 intoId);
    // Puts back what the merge moved: the department (same id, name, position, group), and exactly the labels,
    // predictions, decisions and aliases it moved. Throws CatalogError when the merge is unknown or already
    // undone, when the department it merged into is gone (merged again: undo that first), or when a department
    // now has the old name.
    void undoDepartmentMerge(qint64 mergeId);
    struct DepartmentMerge
    {
        qint64 id = 0;
        qint64 fromId = 0;
        QString fromName;
        qint64 intoId = 0;
        QString mergedAt;
    };
    // The merges not undone, newest first.
    QVector<DepartmentMerge> undoableDepartmentMerges() const;
    void renameDepartmentGroup(qint64 groupId, const QString &newName);

    // Items.
    qint64 itemCount() const;
    std::optional<qint64> itemIdByHash(const QString &contentHash) const;
    std::optional<ItemRecord> item(qint64 id) const;
    QVector<ItemRecord> items(qint64 offset, qint64 limit) const;
    QVector<QByteArray> allContentHashes() const; // raw 32-byte digests
    qint64 insertItem(const NewItem &item);

    // Perceptual hashes (imaging/perceptualhash.h), one per item, looked up by band without a scan.
    void setPerceptualHash(qint64 itemId, quint64 hash);
    QHash<qint64, quint64> perceptualHashes() const; // item id -> hash, of every item that has one
    QVector<QPair<qint64, QString>> itemsWithoutPerceptualHash() const; // id, path
    // Items whose hash is at most maxDistance bits from hash (found through the bands: complete up to 3 bits).
    QVector<QPair<qint64, int>> itemsNearPerceptualHash(quint64 hash, int maxDistance, qint64 exceptItemId = 0) const;

    // Near-duplicate groups, as the last check found them (each check replaces them all).
    void replaceNearDuplicateGroups(const QVector<NearDuplicateGroup> &groups);
    QVector<NearDuplicateGroup> nearDuplicateGroups() const;
    std::optional<NearDuplicateGroup> nearDuplicateGroup(qint64 groupId) const;
    std::optional<NearDuplicateGroup> nearDuplicateGroupOfItem(qint64 itemId) const;
    void updateItemPath(qint64 itemId, const QString &path);
    QByteArray thumbnailJpeg(qint64 itemId) const;

    // Labels: append-only history; the newest label not retracted is the item's current one.
    qint64 addLabel(qint64 itemId, qint64 departmentId, LabelSource source, qint64 modelId = 0,
                    qint64 decisionId = 0);
    void retractLabel(qint64 labelId);
    QVector<LabelRecord> labelHistory(qint64 itemId) const;

    CatalogStats stats() const;

    // Items whose current label comes from one of the allowed sources, in item order.
    QVector<ItemRow> labelledItems(bool imported = true, bool curator = true) const;

    // Saved train/validation splits, one per (seed, validation fraction), growing as items arrive.
    std::optional<qint64> splitId(quint64 seed, double validationFraction) const;
    qint64 createSplit(quint64 seed, double validationFraction);
    QHash<qint64, bool> splitAssignments(qint64 splitId) const; // item id -> in validation
    void addSplitAssignments(qint64 splitId, const QVector<QPair<qint64, bool>> &assignments);
    // Moves items already assigned to the other side (a near-duplicate group kept together).
    void moveSplitAssignments(qint64 splitId, const QVector<QPair<qint64, bool>> &assignments);

    // Import runs and the failures they recorded. A run records the process that runs it (pid, host), so
    // that one left 'running' by a process that died can be told from one still going.
    qint64 beginImportRun(const QString &source);
    void finishImportRun(qint64 runId, const QString &status, qint64 imported, qint64 duplicates, qint64 failed);
    void setImportRunWarnings(qint64 runId, const QStringList &warnings);
    // Marks as 'interrupted' the runs still 'running' whose process on this host is gone (killed, crashed,
    // machine restarted); returns how many. Runs started on other hosts are left as they are.
    qint64 markInterruptedImportRuns();
    QVector<ImportRunRecord> importRuns() const; // oldest first
    void recordImportFailure(qint64 runId, const QString &path, const QString &reason);
    QVector<ImportFailureRecord> importFailures(qint64 runId = 0) const; // 0: every run

    // Remote collections: what each object came to, and responses worth keeping (lists of ids).
    struct CollectionObject
    {
        QString status; // imported, skipped, failed
        QString reason;
        qint64 itemId = 0;
    };
    QHash<QString, CollectionObject> collectionObjects(const QString &source) const;
    void recordCollectionObject(const QString &source, const QString &objectId, const QString &groupKey,
                                const QString &status, const QString &reason, qint64 itemId = 0);
    std::optional<QByteArray> cachedResponse(const QString &url) const;
    void cacheResponse(const QString &url, const QByteArray &body);

    // Runs a prepared statement with named placeholders; throws CatalogError on failure.
    QSqlQuery run(const QString &sql, const QVariantMap &bindings = {}) const;
    // Runs an INSERT into a table with an id column and returns the new row's id (RETURNING id, which both
    // dialects read; lastInsertId() is SQLite's alone).
    qint64 insert(const QString &sql, const QVariantMap &bindings = {}) const;
    // SQL that reads key from a column of JSON text, as text; NULL when the text is not JSON.
    static QString jsonTextSql(SqlDialect dialect, const QString &column, const QString &key);

    static QString nowText();

    // Who this connection's decisions are recorded as made by: ACCESSION_CLIENT_NAME, else user@host from the
    // environment. Shown with a decision ("by ana@lab2"); it does not tell curators apart (see clientSession()).
    QString clientName() const { return m_clientName; }
    void setClientName(const QString &name) { m_clientName = name; }
    static QString defaultClientName();

    // Which curator this connection's decisions are taken as: a random id made when the Catalog opens, recorded with
    // each decision. The same curator is the same Catalog object (one window's catalog thread, one command-line run),
    // so that undo and redo in one window never conflict with themselves, while two windows or processes, even of one
    // account on one machine (a kiosk, a terminal server), do: a decision made by another session on an item since
    // its curator looked is a conflict (ReviewStore). ACCESSION_CLIENT_SESSION, when set, names the session instead
    // (a script whose runs are one curator).
    QString clientSession() const { return m_clientSession; }
    void setClientSession(const QString &session) { m_clientSession = session; }
    static QString newClientSession();

private:
    void openSqlite(OpenMode mode);
    void openPostgres();
    // On PostgreSQL, waits inside the open transaction for kSchemaLockKey; nothing on SQLite.
    void lockSchema();
    void migrate(const MigrationProgress &progress, IndexBuilds indexBuilds);
    QVector<IndexBuild> missingIndexBuilds() const;
    QVector<NearDuplicateGroup> loadNearDuplicateGroups(qint64 onlyGroupId) const; // 0: all
    // Returns how many schema steps ran (0 when another connection migrated first).
    int migrateSchema(const MigrationProgress &progress, int indexSteps);
    bool buildIndexes(const QVector<IndexBuild> &indexes, int stepsBefore, int stepsTotal, const MigrationProgress &progress,
                      const std::function<bool()> &cancelled);
    // insertSql (an INSERT of a row with a unique name) with RETURNING id, unless a row of that name exists by the
    // time it runs: then nothing, and nullopt.
    std::optional<qint64> insertUnlessNameTaken(const QString &insertSql, const QVariantMap &bindings) const;
    std::optional<qint64> insertDepartmentUnlessNamed(const QString &trimmedName); // at the end of the list
    // Runs a set-up statement, retrying while another process holds the lock, up to the busy timeout.
    bool execWaiting(QSqlQuery &query, const QString &sql) const;
    [[noreturn]] void fail(const QString &what, const QString &reason) const;

    CatalogLocation m_location;
    QString m_path;
    QString m_connectionName;
    int m_maxDepartmentNameLength = kMaxDepartmentNameLength;
    QString m_imageFolderOverride = qEnvironmentVariable(kImageFolderEnvironment);
    QSqlDatabase m_database;
    QString m_clientName = defaultClientName();
    QString m_clientSession = newClientSession();
};

} // namespace accession
