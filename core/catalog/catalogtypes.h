#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QPair>
#include <QStringList>
#include <QString>
#include <QVector>

#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

namespace accession {

// A catalog that cannot be opened, migrated or written; the message names the file and the cause.
class CatalogError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
    explicit CatalogError(const QString &message)
        : std::runtime_error(message.toStdString())
    {
    }
};

enum class LabelSource { Imported, Curator };

QString labelSourceName(LabelSource source);
std::optional<LabelSource> labelSourceFromName(const QString &name);

struct Department
{
    qint64 id = 0;
    QString name;
    int position = 0;
    qint64 groupId = 0; // 0: not in a group
    QString groupName;
};

// What an importer hands to the catalog for one new photograph.
struct NewItem
{
    QString contentHash; // lowercase hex SHA-256 of the file's bytes
    QString path;        // absolute path of the image as stored
    QString externalId;  // e.g. a MET object id; empty when unknown
    int width = 0;       // full-resolution, orientation applied
    int height = 0;
    QString format;      // "jpeg", "png", ...
    qint64 fileSize = 0;
    bool storedCopy = false; // path points into the catalog's own image folder
    QJsonObject metadata;
    QByteArray thumbnailJpeg;
    int thumbnailWidth = 0;
    int thumbnailHeight = 0;
};

struct ItemRecord
{
    qint64 id = 0;
    QString contentHash;
    QString path;
    QString externalId;
    int width = 0;
    int height = 0;
    QString format;
    qint64 fileSize = 0;
    bool storedCopy = false;
    QDateTime importedAt;
    QJsonObject metadata;
    // The current label, if any.
    qint64 labelId = 0;
    qint64 departmentId = 0;
    QString department;
    std::optional<LabelSource> labelSource;
};

// Two items found alike, and how alike: cosine of their backbone embeddings (NaN when not compared) and the bits
// between their perceptual hashes (-1 when either has none).
struct NearDuplicatePair
{
    qint64 a = 0;
    qint64 b = 0;
    double cosine = std::numeric_limits<double>::quiet_NaN();
    int hashDistance = -1;
};

// Photographs of one object (re-photographed, cropped, resized, recompressed): the items joined by alike pairs.
struct NearDuplicateGroup
{
    qint64 id = 0; // in the catalog, once saved
    QVector<qint64> items; // ascending
    QStringList paths;     // of items, in the same order
    QVector<NearDuplicatePair> pairs;
};

struct LabelRecord
{
    qint64 id = 0;
    qint64 itemId = 0;
    qint64 departmentId = 0;
    QString department;
    LabelSource source = LabelSource::Imported;
    QDateTime createdAt;
    qint64 modelId = 0;    // 0 when no model was involved
    qint64 decisionId = 0; // 0 when not made in review
    std::optional<QDateTime> retractedAt;
};

// Where an item stands, judged against the active model.
enum class ItemStatus { Unlabelled, Labelled, AutoFiled, NeedsReview, Confirmed };
QString itemStatusName(ItemStatus status); // "unlabelled", "labelled", "auto-filed", "needs-review", "confirmed"
std::optional<ItemStatus> itemStatusFromName(const QString &name);

// Why an unlabelled item's prediction sits in the review queue whatever its confidence, stored in
// predictions.review_flag: a skipped item goes to the back of the queue, a sent-back one is never filed.
enum class ReviewFlag { None = 0, Skipped = 1, SentBack = 2 };

struct Candidate
{
    QString department;
    double probability = 0;
};

// One item as every list of items has it: the catalog views, the review queue, export, training and
// classification. Each query fills what it reads (the review queue: the verdict and the candidates; the views and
// export: the label, the status, the source's title; training: the file, its hash and its label); the rest keeps
// its default.
struct ItemRow
{
    qint64 id = 0;
    QString path;
    QString contentHash; // lowercase hex SHA-256 of the file's bytes
    QString externalId;
    int width = 0;
    int height = 0;
    QDateTime importedAt;
    QString title;        // the source's title (The Met's title, a IIIF label, a CSV's title column); may be empty
    QString objectNumber; // the source's accession number, else the external id; may be empty
    QString department;   // labelled, or filed automatically by the active model
    qint64 departmentId = 0; // of the label, when labelled (training)
    std::optional<LabelSource> labelSource; // set when labelled
    ItemStatus status = ItemStatus::Unlabelled;
    // The active model's verdict, if it classified the item.
    qint64 modelId = 0;
    QString modelName;
    qint64 predictionId = 0;
    QString predicted;
    double confidence = -1; // -1: not classified by the active model
    double margin = 0;
    bool skipped = false;  // sent to the back of the review queue
    bool sentBack = false; // never filed automatically
    bool outOfScope = false; // unlike any department's photographs: never filed automatically
    double outOfScopeScore = std::nan(""); // the score behind it (the model card's kind); NaN when none
    QVector<Candidate> candidates; // the review queue's top three
    qint64 latestDecisionId = 0; // the review queue's: the item's latest decision when read (0: none), what its curator saw

    // The department of the item's label; empty when it has none (filed automatically or not at all).
    QString label() const { return labelSource ? department : QString(); }
};

struct DepartmentCount
{
    QString department;
    qint64 count = 0;
};

struct CatalogStats
{
    qint64 items = 0;
    qint64 labelled = 0;
    qint64 unlabelled = 0;
    QVector<DepartmentCount> byDepartment; // in department order, zero counts included
    qint64 importFailures = 0;
    QVector<QPair<QString, qint64>> importRunsByStatus; // running, finished, cancelled, failed, interrupted
};

struct ImportRunRecord
{
    qint64 id = 0;
    QString source;
    QDateTime startedAt;
    QDateTime finishedAt; // invalid while running and for interrupted runs
    QString status;       // running, finished, cancelled, failed, interrupted
    qint64 imported = 0;
    qint64 duplicates = 0;
    qint64 failed = 0;
    QStringList warnings;
};

struct ImportFailureRecord
{
    qint64 id = 0;
    qint64 importRunId = 0;
    QString path;
    QString reason;
    QDateTime occurredAt;
};

} // namespace accession
