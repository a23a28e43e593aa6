#pragma once

#include "catalog/problem.h"
#include "catalog/workcontrol.h"

#include <QString>
#include <QStringList>
#include <QVector>

#include <vector>

namespace accession {

// What to check: a catalog's labelled items, with the backbone of a model (or of pretrained weights).
struct LabelIssueRequest
{
    QString catalogPath;
    QString modelPath;       // a trained model whose backbone gives the features; empty: the catalog's active model
    QString weightsPath;     // instead of a model: pretrained backbone weights (e.g. ImageNet MobileNetV2)
    QString architecture;    // with weightsPath: the network they are for ("mobilenet_v2", ...)
    int folds = 5;
    quint64 seed = 1;
    int threads = 0;
    int batchSize = 32;
    // Items whose current label a curator gave or confirmed still take part in the folds, but are not reported
    // unless this is set: a curator's word is not second-guessed on every check.
    bool includeConfirmed = false;
};

// One item whose given label is probably wrong.
struct LabelIssue
{
    qint64 itemId = 0;
    QString path;
    QString given;
    QString suggested;
    qint64 givenDepartmentId = 0;
    qint64 suggestedDepartmentId = 0;
    double score = 0;          // self-confidence against the label, 1 - p(given), out of fold: higher is more suspicious
    double givenProbability = 0;
    double suggestedProbability = 0;
    // The item's latest decision when the check read its label (0: none): what the curator deciding on the issue
    // saw, so that another session's decision on it since is a conflict (ReviewStore), not overwritten.
    qint64 latestDecisionId = 0;
};

struct LabelIssueReport
{
    QVector<LabelIssue> items; // most suspicious first
    double estimatedErrorRate = 0;
    QStringList classes;        // the departments with labelled items, in the catalog's order
    QVector<double> thresholds; // per class: the mean out-of-fold probability of the class over items labelled with it
    int folds = 0;
    qint64 itemsChecked = 0;    // labelled items with features (unreadable images left out, see failures)
    qint64 confirmedLeftOut = 0; // issues not reported because a curator gave or confirmed the label (includeConfirmed)
    QString backbone;           // the model or weights file whose backbone gave the features
    QVector<Problem> failures;
    double seconds = 0;
};

// Confident learning (Northcutt, Jiang and Chuang, 2021) on out-of-fold probabilities, kept apart from the
// network so it can be checked on hand-written numbers.
struct ConfidentLearning
{
    struct Issue
    {
        int row = 0; // index into the probability rows
        int given = 0;
        int suggested = 0;
        double score = 0; // 1 - p(given)
    };
    QVector<double> thresholds;                 // per class
    QVector<QVector<qint64>> confidentJoint;    // [given][suggested]
    QVector<Issue> issues;                      // off the diagonal of the confident joint, most suspicious first
    double estimatedErrorRate = 0;
};

// probabilities: rows x classes, row-major, each row summing to 1; given: each row's label. A class nobody is
// labelled with gets the threshold 1 (above any probability but a certain one).
ConfidentLearning confidentLearning(const std::vector<double> &probabilities, const std::vector<int> &given, int classes);

// Out-of-fold probabilities over the catalog's labelled items (k folds stratified by department and seeded; each
// fold predicted by a linear head fitted on the other folds' cached backbone features), then confident learning.
// Throws std::runtime_error naming the catalog and the reason when the catalog cannot be checked (fewer than two
// departments, a department with fewer items than folds, no model), WorkCancelled when stopped.
LabelIssueReport findLabelIssues(const LabelIssueRequest &request, const WorkControl &control = {});

} // namespace accession
