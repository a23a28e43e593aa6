#pragma once

#include "catalogtypes.h"

#include <QDateTime>
#include <QHash>
#include <QStringList>

#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace accession {

class Catalog;
class ClassRollup;

// What a curator's decision did, stored by name in review_decisions.action.
enum class DecisionAction { Accept, Choose, Skip, Unfile, Undo };
QString decisionActionName(DecisionAction action); // "accept", "choose", "skip", "unfile", "undo"
std::optional<DecisionAction> decisionActionFromName(const QString &name);

// One model's verdict on one item, as the classifier hands it over.
struct NewPrediction
{
    qint64 itemId = 0;
    std::vector<float> probabilities; // calibrated, in the model's class order
    double outOfScopeScore = std::nan(""); // the model card's out-of-scope score; NaN when the model has none
    bool outOfScope = false;               // above the model's out-of-scope threshold: never filed automatically
};

// Why an out-of-scope item waits in review, as the review view, the item panel and the command line say it.
inline QString outOfScopeReason() { return QStringLiteral("unlike any department's photographs"); }

struct PredictionRecord
{
    qint64 id = 0;
    qint64 itemId = 0;
    qint64 modelId = 0;
    std::vector<float> probabilities;
    QString predicted;
    double confidence = 0;
    double margin = 0;
    bool autoFiledWhenMade = false;
    ReviewFlag reviewFlag = ReviewFlag::None;
    double outOfScopeScore = std::nan("");
    bool outOfScope = false;
    QDateTime createdAt;
    QString modelName;
    QStringList classes; // department names in the order of probabilities (current names)
    // At the catalog's classification level: the class the prediction files under (a department, or a group at
    // group level) and its own threshold (a group's; NaN: the model's). predicted/confidence/margin are at that level.
    QString filedClass;
    double filingThreshold = std::nan("");
};

struct Decision
{
    qint64 id = 0;
    qint64 itemId = 0;
    DecisionAction action = DecisionAction::Accept;
    qint64 departmentId = 0;
    QString department;
    qint64 labelId = 0;
    qint64 modelId = 0;
    qint64 undoesDecisionId = 0;
    bool undone = false;
    QDateTime decidedAt;
    QString decidedBy; // the client that made it (user@host); empty for decisions older than schema 11
    QString decidedIn; // the session that made it (Catalog::clientSession()); empty for decisions older than schema 13
};

// A decision refused because another session decided the item after the decision the curator had seen: nothing
// was written. other is that session's latest decision on the item.
class DecisionConflict : public CatalogError
{
public:
    DecisionConflict(qint64 itemId, const Decision &other);
    qint64 itemId() const { return m_itemId; }
    const Decision &other() const { return m_other; }
    // "Already filed under Arms and Armor by ana@lab2 at 2026-12-01 22:41 UTC", as the views and the command line say it.
    static QString describe(const Decision &other);

private:
    qint64 m_itemId;
    Decision m_other;
};

// The filing rule: a prediction files its item automatically when its confidence reaches the model's
// threshold, the photograph is not out of scope (unlike any department's), and no curator sent it back. A
// threshold of 1 (100%) files nothing, not even the predictions whose probability rounds to exactly 1, so that
// a curator can send everything to review.
constexpr bool filesAutomatically(double confidence, double threshold, bool outOfScope)
{
    return threshold < 1.0 && confidence >= threshold && !outOfScope;
}
// The same rule inside SQL over predictions p, at a threshold given as SQL (a column or a placeholder that is
// already past every confidence at 1). p.confidence is the confidence of the class the prediction files under at
// the catalog's classification level (a department, or a department group: the sum of its departments'
// probabilities), and p.filing_threshold that class's own threshold when it has one (a group's), else NULL...
#define ACCESSION_SQL_FILES_AT(THRESHOLD)                                                                          \
    "(p.confidence >= COALESCE(p.filing_threshold, " THRESHOLD ") AND p.out_of_scope = 0 AND p.review_flag <> 2)" // 2: ReviewFlag::SentBack
// ... and at the threshold of their model m.
#define ACCESSION_SQL_AUTO_FILED "(m.threshold < 1 AND " ACCESSION_SQL_FILES_AT("m.threshold") ")"
static_assert(int(ReviewFlag::SentBack) == 2, "ACCESSION_SQL_FILES_AT spells ReviewFlag::SentBack as 2");

// An item's status (itemStatusName) inside SQL over items i, its current label l, the active model m and the
// model's prediction p.
#define ACCESSION_SQL_ITEM_STATUS                                                                                  \
    "CASE WHEN l.source = 'curator' THEN 'confirmed' WHEN l.source = 'imported' THEN 'labelled'"                  \
    " WHEN p.id IS NULL THEN 'unlabelled' WHEN " ACCESSION_SQL_AUTO_FILED " THEN 'auto-filed' ELSE 'needs-review' END"

// Predictions, the review queue and curator decisions. Decisions are history: undoing one adds an
// 'undo' decision and retracts what it did; nothing is overwritten.
class ReviewStore
{
public:
    explicit ReviewStore(Catalog &catalog);

    // Writes one prediction (call inside a transaction for batches). classDepartments maps the model's
    // class indices to department ids.
    qint64 addPrediction(qint64 modelId, const NewPrediction &prediction, const QVector<qint64> &classDepartments,
                         double threshold);
    std::optional<PredictionRecord> prediction(qint64 itemId, qint64 modelId) const;
    // Every model's prediction for the item, oldest first.
    QVector<PredictionRecord> predictionsForItem(qint64 itemId) const;
    qint64 predictionCount(qint64 modelId) const;
    // Items the model has not classified yet, in id order after afterItemId (for streaming).
    QVector<ItemRow> itemsWithoutPrediction(qint64 modelId, qint64 afterItemId, int limit) const;
    qint64 countWithoutPrediction(qint64 modelId) const;
    void recordClassificationFailure(qint64 itemId, qint64 modelId, const QString &reason);

    // Most uncertain first: lowest confidence, then smallest margin; skipped items last.
    QVector<ItemRow> queue(qint64 modelId, double threshold, int limit, int offset = 0) const;
    qint64 queueSize(qint64 modelId, double threshold) const;
    // Unlabelled items the model would file by itself at this threshold, and how many it has classified.
    qint64 autoFileCount(qint64 modelId, double threshold) const;
    qint64 unlabelledPredictionCount(qint64 modelId) const;

    // Decisions on an item, relative to the active model's prediction. Throw CatalogError when impossible.
    // seenDecisionId is the item's latest decision the curator had seen (0: none): when another session (another
    // Catalog::clientSession(): another window or process, even of the same user@host) has decided the item since,
    // the decision writes nothing and throws DecisionConflict. The same Catalog's own decisions never conflict.
    // The check runs inside the decision's transaction, under a lock on the item, so two clients cannot both pass
    // it. Without seenDecisionId nothing is checked.
    Decision accept(qint64 itemId, std::optional<qint64> seenDecisionId = std::nullopt);
    Decision choose(qint64 itemId, qint64 departmentId, std::optional<qint64> seenDecisionId = std::nullopt);
    Decision skip(qint64 itemId, std::optional<qint64> seenDecisionId = std::nullopt);
    Decision unfile(qint64 itemId, std::optional<qint64> seenDecisionId = std::nullopt);
    // Undoing conflicts the same way: pass the decision itself (or the latest one seen after it) to refuse when
    // another client decided the item after it.
    Decision undo(qint64 decisionId, std::optional<qint64> seenDecisionId = std::nullopt);
    Decision undoLatest(qint64 itemId, std::optional<qint64> seenDecisionId = std::nullopt);
    // The item's latest decision of any kind (undos included), by anyone; 0 when it has none.
    qint64 latestDecisionId(qint64 itemId) const;
    QVector<Decision> decisions(qint64 itemId) const;
    std::optional<Decision> decision(qint64 decisionId) const;

    ItemStatus status(qint64 itemId) const;
    QHash<ItemStatus, qint64> statusCounts() const;

private:
    struct ActivePrediction
    {
        qint64 modelId = 0;
        qint64 predictionId = 0;
        qint64 departmentId = 0;
        ReviewFlag reviewFlag = ReviewFlag::None;
    };
    std::optional<ActivePrediction> activePrediction(qint64 itemId) const;
    // Inside the decision's transaction: locks the item (PostgreSQL; SQLite's write lock is already held) and
    // throws DecisionConflict when another client decided it after seenDecisionId.
    void checkNoConflict(qint64 itemId, std::optional<qint64> seenDecisionId);
    void setReviewFlag(qint64 predictionId, ReviewFlag flag);
    qint64 insertDecision(qint64 itemId, DecisionAction action, const std::optional<ActivePrediction> &prediction,
                          qint64 departmentId, qint64 undoes);
    QVector<Candidate> topCandidates(qint64 modelId, const QByteArray &probabilities, int count) const;
    const QStringList &modelClasses(qint64 modelId) const;

    const ClassRollup &rollup() const;

    Catalog &m_catalog;
    mutable QHash<qint64, QStringList> m_modelClasses;
    mutable std::shared_ptr<const ClassRollup> m_rollup; // read once per store: the level and the groups
};

inline size_t qHash(ItemStatus status, size_t seed = 0) { return ::qHash(int(status), seed); }

} // namespace accession
