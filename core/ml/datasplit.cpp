#include "datasplit.h"

#include "similarityindex.h"

#include "catalog/catalog.h"
#include "catalog/classificationlevel.h"
#include "imaging/perceptualhash.h"

#include <QHash>
#include <QSet>

#include <algorithm>
#include <optional>
#include <cmath>
#include <random>

namespace accession {

QMap<QString, int> DataSplit::countPerClass(const QVector<Example> &examples) const
{
    QMap<QString, int> counts;
    for (const QString &name : classes)
        counts.insert(name, 0);
    for (const Example &example : examples)
        counts[classes.value(example.classIndex)] += 1;
    return counts;
}

DataSplit prepareSplit(Catalog &catalog, quint64 seed, double validationFraction, bool importedLabels, bool curatorLabels)
{
    const QVector<ItemRow> items = catalog.labelledItems(importedLabels, curatorLabels);
    DataSplit split;
    QHash<qint64, int> classOfDepartment;
    for (const Department &department : catalog.departments()) {
        const bool used = std::any_of(items.begin(), items.end(), [&](const ItemRow &i) { return i.departmentId == department.id; });
        if (used) {
            classOfDepartment.insert(department.id, int(split.classes.size()));
            split.classes << department.name;
        }
    }

    const std::optional<qint64> existing = catalog.splitId(seed, validationFraction);
    split.splitId = existing ? *existing : catalog.createSplit(seed, validationFraction);
    QHash<qint64, bool> assigned = catalog.splitAssignments(split.splitId);

    // Per department: what is assigned already, and the newcomers to place.
    QMap<int, QVector<const ItemRow *>> newcomers;
    QMap<int, int> total;
    QMap<int, int> inValidation;
    for (const ItemRow &item : items) {
        const int cls = classOfDepartment.value(item.departmentId);
        total[cls] += 1;
        const auto it = assigned.constFind(item.id);
        if (it == assigned.constEnd())
            newcomers[cls].push_back(&item);
        else if (*it)
            inValidation[cls] += 1;
    }
    // Near-duplicate groups among these items: the saved ones, and perceptual hashes within the distance.
    QHash<qint64, int> rowOfItem;
    for (int row = 0; row < items.size(); ++row)
        rowOfItem.insert(items[row].id, row);
    std::vector<SimilarRows> alike;
    for (const NearDuplicateGroup &group : catalog.nearDuplicateGroups()) {
        int previous = -1;
        for (const qint64 itemId : group.items) {
            const int row = rowOfItem.value(itemId, -1);
            if (row < 0)
                continue;
            if (previous >= 0)
                alike.push_back({std::min(previous, row), std::max(previous, row), 1.0, 0});
            previous = row;
        }
    }
    {
        const QHash<qint64, quint64> stored = catalog.perceptualHashes();
        std::vector<int> hashedRows;
        std::vector<quint64> hashes;
        for (int row = 0; row < items.size(); ++row) {
            const auto found = stored.constFind(items[row].id);
            if (found != stored.constEnd()) {
                hashedRows.push_back(row);
                hashes.push_back(*found);
            }
        }
        for (const SimilarRows &pair : nearHashPairs(hashes, kNearDuplicateHashDistance))
            alike.push_back({hashedRows[size_t(pair.a)], hashedRows[size_t(pair.b)], 1.0, pair.hashDistance});
    }
    // A group holding more than a quarter of its department is not a few photographs of one object but a series the
    // hash cannot tell apart (the same layout on the same ground): its items are drawn one by one.
    std::vector<std::vector<int>> groups;
    for (std::vector<int> &group : groupsOfPairs(int(items.size()), alike)) {
        const int cls = classOfDepartment.value(items[group.front()].departmentId);
        if (int(group.size()) <= std::max(2, total[cls] / 4))
            groups.push_back(std::move(group));
    }
    split.nearDuplicateGroups = int(groups.size());

    // A group a saved split has on both sides moves to the side most of it is on (training on a tie).
    QVector<QPair<qint64, bool>> moved;
    for (const std::vector<int> &group : groups) {
        int inValidationCount = 0;
        int inTrainingCount = 0;
        for (const int row : group) {
            const auto it = assigned.constFind(items[row].id);
            if (it != assigned.constEnd())
                (*it ? inValidationCount : inTrainingCount) += 1;
        }
        if (inValidationCount == 0 || inTrainingCount == 0)
            continue;
        const bool side = inValidationCount > inTrainingCount;
        for (const int row : group) {
            const auto it = assigned.find(items[row].id);
            if (it != assigned.end() && *it != side) {
                moved.push_back({items[row].id, side});
                *it = side;
            }
        }
    }
    if (!moved.isEmpty())
        catalog.moveSplitAssignments(split.splitId, moved);
    split.movedForNearDuplicates = int(moved.size());

    // Newcomers of a group already (partly) assigned join its side; the others are drawn per department in units:
    // each newcomer alone, or a group's newcomers together.
    QHash<int, int> groupOfRow;
    for (size_t g = 0; g < groups.size(); ++g) {
        for (const int row : groups[g])
            groupOfRow.insert(row, int(g));
    }
    QHash<int, bool> sideOfGroup;
    for (size_t g = 0; g < groups.size(); ++g) {
        for (const int row : groups[g]) {
            const auto it = assigned.constFind(items[row].id);
            if (it != assigned.constEnd())
                sideOfGroup.insert(int(g), *it);
        }
    }
    QHash<qint64, bool> drawn; // newcomers' sides
    QMap<int, QVector<QVector<qint64>>> units;
    QSet<int> groupsDrawn;
    for (auto it = newcomers.begin(); it != newcomers.end(); ++it) {
        for (const ItemRow *item : std::as_const(it.value())) {
            const int group = groupOfRow.value(rowOfItem.value(item->id), -1);
            if (group < 0) {
                units[it.key()].push_back({item->id});
            } else if (sideOfGroup.contains(group)) {
                drawn.insert(item->id, sideOfGroup.value(group));
                inValidation[it.key()] += sideOfGroup.value(group) ? 1 : 0;
            } else if (!groupsDrawn.contains(group)) {
                groupsDrawn.insert(group);
                QVector<qint64> unit;
                for (const int row : groups[size_t(group)]) {
                    if (!assigned.contains(items[row].id))
                        unit.push_back(items[row].id);
                }
                units[it.key()].push_back(unit);
            }
        }
    }
    for (auto it = units.begin(); it != units.end(); ++it) {
        QVector<QVector<qint64>> &candidates = it.value();
        // Seeded per department, so adding items to one department does not reshuffle another.
        std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + quint64(it.key()) + 1);
        std::shuffle(candidates.begin(), candidates.end(), rng);
        int count = 0;
        for (const QVector<qint64> &unit : std::as_const(candidates))
            count += int(unit.size());
        const int wanted = total[it.key()] >= 2 ? int(std::lround(validationFraction * total[it.key()])) : 0;
        int toValidation = std::clamp(wanted - inValidation[it.key()], 0, count);
        if (total[it.key()] >= 2 && toValidation == count && inValidation[it.key()] + toValidation == total[it.key()])
            --toValidation; // keep at least one training image per department
        // In the shuffled order, each unit that still fits the validation share goes there.
        for (const QVector<qint64> &unit : std::as_const(candidates)) {
            const bool validation = int(unit.size()) <= toValidation;
            if (validation)
                toValidation -= int(unit.size());
            for (const qint64 itemId : unit)
                drawn.insert(itemId, validation);
        }
    }
    QVector<QPair<qint64, bool>> fresh;
    for (const ItemRow &item : items) {
        const auto it = drawn.constFind(item.id);
        if (it != drawn.constEnd()) {
            fresh.push_back({item.id, *it});
            assigned.insert(item.id, *it);
        }
    }
    if (!fresh.isEmpty())
        catalog.addSplitAssignments(split.splitId, fresh);

    for (const ItemRow &item : items) {
        const Example example{item.id, item.path, item.contentHash, classOfDepartment.value(item.departmentId)};
        (assigned.value(item.id) ? split.validation : split.train).push_back(example);
    }
    return split;
}

DataSplit rolledUpSplit(const DataSplit &split, const std::function<QString(const QString &)> &classOf)
{
    DataSplit rolled = split;
    rolled.classes.clear();
    QVector<int> mapped;
    for (const QString &name : split.classes) {
        const QString target = classOf(name);
        if (!rolled.classes.contains(target))
            rolled.classes << target;
        mapped.push_back(int(rolled.classes.indexOf(target)));
    }
    for (QVector<Example> *examples : {&rolled.train, &rolled.validation}) {
        for (Example &example : *examples)
            example.classIndex = mapped.value(example.classIndex);
    }
    return rolled;
}

QVector<Example> savedValidationExamples(Catalog &catalog, qint64 splitId, const QStringList &classes)
{
    const QHash<qint64, bool> assigned = catalog.splitAssignments(splitId);
    // A group model's classes are groups: a department counts as its group.
    const ClassRollup groups = ClassRollup::load(catalog, ClassificationLevel::Group);
    QVector<Example> examples;
    for (const ItemRow &item : catalog.labelledItems()) {
        int cls = int(classes.indexOf(item.department));
        if (cls < 0)
            cls = int(classes.indexOf(groups.classOf(item.department)));
        if (cls >= 0 && assigned.value(item.id, false))
            examples.push_back({item.id, item.path, item.contentHash, cls});
    }
    return examples;
}

} // namespace accession
