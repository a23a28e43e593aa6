#include "datasplit.h"

#include "catalog/catalog.h"

#include <QHash>

#include <algorithm>
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
    QVector<QPair<qint64, bool>> fresh;
    for (auto it = newcomers.begin(); it != newcomers.end(); ++it) {
        QVector<const ItemRow *> &candidates = it.value();
        // Seeded per department, so adding items to one department does not reshuffle another.
        std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + quint64(it.key()) + 1);
        std::shuffle(candidates.begin(), candidates.end(), rng);
        const int wanted = total[it.key()] >= 2 ? int(std::lround(validationFraction * total[it.key()])) : 0;
        int toValidation = std::clamp(wanted - inValidation[it.key()], 0, int(candidates.size()));
        if (total[it.key()] >= 2 && toValidation == int(candidates.size()) && inValidation[it.key()] + toValidation == total[it.key()])
            --toValidation; // keep at least one training image per department
        for (int i = 0; i < candidates.size(); ++i) {
            fresh.push_back({candidates[i]->id, i < toValidation});
            assigned.insert(candidates[i]->id, i < toValidation);
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

QVector<Example> savedValidationExamples(Catalog &catalog, qint64 splitId, const QStringList &classes)
{
    const QHash<qint64, bool> assigned = catalog.splitAssignments(splitId);
    QVector<Example> examples;
    for (const ItemRow &item : catalog.labelledItems()) {
        const int cls = int(classes.indexOf(item.department));
        if (cls >= 0 && assigned.value(item.id, false))
            examples.push_back({item.id, item.path, item.contentHash, cls});
    }
    return examples;
}

} // namespace accession
