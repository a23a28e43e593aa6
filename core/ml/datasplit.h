#pragma once

#include "catalog/catalogtypes.h"

#include <QMap>
#include <functional>
#include <QStringList>
#include <QVector>

namespace accession {

class Catalog;

// One labelled image for training or evaluation.
struct Example
{
    qint64 itemId = 0; // 0 for images outside any catalog
    QString path;
    QString contentHash; // empty when unknown
    int classIndex = 0;
};

// Labelled items split into training and validation, with the class list they define.
struct DataSplit
{
    qint64 splitId = 0;
    QStringList classes; // departments with labelled items, in the catalog's department order
    QVector<Example> train;
    QVector<Example> validation;
    // Near-duplicate groups among the labelled items (saved groups, and perceptual hashes within
    // kNearDuplicateHashDistance), each kept on one side; items of a saved split moved to keep them so.
    int nearDuplicateGroups = 0;
    int movedForNearDuplicates = 0;

    QMap<QString, int> countPerClass(const QVector<Example> &examples) const;
};

// Stratified by department and seeded. The split is saved in the catalog: items assigned before keep
// their side, new items are assigned so each department's validation share stays near the fraction. A
// near-duplicate group stays on one side (near-duplicates across the split inflate validation accuracy): new
// members join the side the group is on, and a group a saved split has on both sides moves to its majority's side
// (training on a tie).
DataSplit prepareSplit(Catalog &catalog, quint64 seed, double validationFraction, bool importedLabels = true,
                       bool curatorLabels = true);

// The split with each example's class mapped through classOf (a department's name to its group's), the classes
// those it maps to, in first-seen order.
DataSplit rolledUpSplit(const DataSplit &split, const std::function<QString(const QString &)> &classOf);

// The validation side of a saved split as it stands now, mapped onto a model's classes (items whose
// department the model does not know are left out).
QVector<Example> savedValidationExamples(Catalog &catalog, qint64 splitId, const QStringList &classes);

} // namespace accession
