#include "classificationlevel.h"

#include "catalog.h"
#include "transactionguard.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cstring>
#include <functional>
#include <tuple>

namespace accession {

namespace {

const QString kLevelKey = QStringLiteral("classification_level");

struct Accumulated
{
    QString filedClass;
    double sum = 0;
    double best = -1; // the most probable member's probability
    qint64 departmentId = 0;
    double threshold = std::nan("");
};

} // namespace

QString classificationLevelName(ClassificationLevel level)
{
    return level == ClassificationLevel::Group ? QStringLiteral("group") : QStringLiteral("department");
}

std::optional<ClassificationLevel> classificationLevelFromName(const QString &name)
{
    if (name == QLatin1String("department"))
        return ClassificationLevel::Department;
    if (name == QLatin1String("group"))
        return ClassificationLevel::Group;
    return std::nullopt;
}

ClassificationLevel classificationLevel(const Catalog &catalog)
{
    return classificationLevelFromName(catalog.setting(kLevelKey)).value_or(ClassificationLevel::Department);
}

void setClassificationLevel(Catalog &catalog, ClassificationLevel level)
{
    TransactionGuard transaction(catalog.database());
    catalog.setSetting(kLevelKey, classificationLevelName(level));
    rederiveFiling(catalog);
    transaction.commit();
}

std::optional<double> groupThreshold(const Catalog &catalog, qint64 groupId)
{
    QSqlQuery query = catalog.run(QStringLiteral("SELECT threshold FROM department_groups WHERE id = :id"),
                                  {{QStringLiteral("id"), groupId}});
    if (!query.next() || query.value(0).isNull())
        return std::nullopt;
    return query.value(0).toDouble();
}

QVector<DepartmentGroupInfo> departmentGroups(const Catalog &catalog)
{
    QSqlQuery query = catalog.run(QStringLiteral("SELECT id, name, threshold FROM department_groups ORDER BY position, id"));
    QVector<DepartmentGroupInfo> groups;
    while (query.next()) {
        groups.push_back({query.value(0).toLongLong(), query.value(1).toString(),
                          query.value(2).isNull() ? std::nullopt : std::optional<double>(query.value(2).toDouble())});
    }
    return groups;
}

void setGroupThreshold(Catalog &catalog, qint64 groupId, std::optional<double> threshold)
{
    if (threshold && !(*threshold >= 0.0 && *threshold <= 1.0))
        throw CatalogError(QStringLiteral("a group's threshold is between 0 and 1, not %1").arg(*threshold));
    TransactionGuard transaction(catalog.database());
    QSqlQuery exists = catalog.run(QStringLiteral("SELECT 1 FROM department_groups WHERE id = :id"), {{QStringLiteral("id"), groupId}});
    if (!exists.next())
        throw CatalogError(QStringLiteral("no department group with id %1 in %2").arg(groupId).arg(catalog.path()));
    exists.finish();
    catalog.run(QStringLiteral("UPDATE department_groups SET threshold = :threshold WHERE id = :id"),
                {{QStringLiteral("threshold"), threshold ? QVariant(*threshold) : QVariant(QMetaType(QMetaType::Double))},
                 {QStringLiteral("id"), groupId}});
    rederiveFiling(catalog);
    transaction.commit();
}

void rederiveFiling(Catalog &catalog)
{
    const ClassRollup rollup = ClassRollup::load(catalog);
    QHash<qint64, QStringList> modelClasses;
    QSqlQuery models = catalog.run(QStringLiteral("SELECT id, classes FROM models"));
    while (models.next()) {
        QStringList classes;
        for (const QJsonValue &name : QJsonDocument::fromJson(models.value(1).toString().toUtf8()).array())
            classes << name.toString();
        modelClasses.insert(models.value(0).toLongLong(), classes);
    }
    models.finish();
    struct Stored
    {
        qint64 id;
        qint64 modelId;
        QByteArray probabilities;
    };
    std::vector<Stored> predictions;
    QSqlQuery query = catalog.run(QStringLiteral("SELECT id, model_id, probabilities FROM predictions"));
    while (query.next())
        predictions.push_back({query.value(0).toLongLong(), query.value(1).toLongLong(), query.value(2).toByteArray()});
    query.finish();

    TransactionGuard transaction(catalog.database());
    for (const Stored &stored : predictions) {
        std::vector<float> p(size_t(stored.probabilities.size()) / sizeof(float));
        std::memcpy(p.data(), stored.probabilities.constData(), p.size() * sizeof(float));
        const LevelVerdict verdict = rollup.verdict(modelClasses.value(stored.modelId), p);
        catalog.run(QStringLiteral("UPDATE predictions SET predicted_department_id = :department, confidence = :confidence,"
                                   " margin = :margin, filing_threshold = :threshold WHERE id = :id"),
                    {{QStringLiteral("department"),
                      verdict.departmentId > 0 ? QVariant(verdict.departmentId) : QVariant(QMetaType(QMetaType::LongLong))},
                     {QStringLiteral("confidence"), verdict.confidence},
                     {QStringLiteral("margin"), verdict.margin},
                     {QStringLiteral("threshold"), filingThresholdColumn(verdict.filingThreshold)},
                     {QStringLiteral("id"), stored.id}});
    }
    transaction.commit();
}

QVariant filingThresholdColumn(double threshold)
{
    if (std::isnan(threshold))
        return QVariant(QMetaType(QMetaType::Double));
    return threshold < 1.0 ? threshold : 2.0;
}

std::optional<qint64> firstDepartmentOfGroup(const Catalog &catalog, const QString &groupName)
{
    for (const Department &department : catalog.departments()) {
        if (department.groupId > 0 && department.groupName == groupName)
            return department.id;
    }
    return std::nullopt;
}

ClassRollup ClassRollup::load(const Catalog &catalog)
{
    return load(catalog, classificationLevel(catalog));
}

ClassRollup ClassRollup::load(const Catalog &catalog, ClassificationLevel level)
{
    ClassRollup rollup;
    rollup.m_level = level;
    struct Group
    {
        QString name;
        double threshold = std::nan("");
        qint64 firstDepartment = 0;
    };
    QHash<qint64, Group> groups;
    QSqlQuery query = catalog.run(QStringLiteral("SELECT id, name, threshold FROM department_groups"));
    while (query.next())
        groups.insert(query.value(0).toLongLong(),
                      {query.value(1).toString(), query.value(2).isNull() ? std::nan("") : query.value(2).toDouble(), 0});
    query.finish();
    const bool byGroup = level == ClassificationLevel::Group;
    QHash<qint64, Member> byDepartment;
    for (const Department &department : catalog.departments()) {
        Member member{department.name, department.id, std::nan("")};
        if (department.groupId > 0 && groups.contains(department.groupId)) {
            Group &group = groups[department.groupId];
            if (group.firstDepartment == 0)
                group.firstDepartment = department.id;
            if (byGroup) {
                member.filedClass = group.name;
                member.threshold = group.threshold;
            }
        }
        if (!rollup.m_classes.contains(member.filedClass))
            rollup.m_classes << member.filedClass;
        rollup.m_members.insert(department.name, member);
        byDepartment.insert(department.id, member);
    }
    // A group-level model's classes: the group, labelled as its first department when a curator accepts it.
    for (const Group &group : std::as_const(groups)) {
        if (!rollup.m_members.contains(group.name))
            rollup.m_members.insert(group.name, {group.name, group.firstDepartment, byGroup ? group.threshold : std::nan("")});
    }
    QSqlQuery aliases = catalog.run(QStringLiteral("SELECT alias, department_id FROM department_aliases"));
    while (aliases.next()) {
        const qint64 department = aliases.value(1).toLongLong();
        if (!rollup.m_members.contains(aliases.value(0).toString()) && byDepartment.contains(department))
            rollup.m_members.insert(aliases.value(0).toString(), byDepartment.value(department));
    }
    return rollup;
}

ClassRollup::Member ClassRollup::member(const QString &className) const
{
    const auto it = m_members.constFind(className);
    return it != m_members.cend() ? *it : Member{className, 0, std::nan("")};
}

QString ClassRollup::classOf(const QString &name) const
{
    return member(name).filedClass;
}

namespace {

std::vector<Accumulated> accumulate(const QStringList &modelClasses, const std::vector<float> &probabilities,
                                    const std::function<std::tuple<QString, qint64, double>(const QString &)> &memberOf)
{
    std::vector<Accumulated> classes;
    QHash<QString, size_t> index;
    for (size_t i = 0; i < probabilities.size(); ++i) {
        const auto [filedClass, departmentId, threshold] = memberOf(modelClasses.value(int(i)));
        const double probability = std::isnan(probabilities[i]) ? 0.0 : double(probabilities[i]);
        auto it = index.find(filedClass);
        if (it == index.end()) {
            it = index.insert(filedClass, classes.size());
            classes.push_back({filedClass, 0, -1, 0, threshold});
        }
        Accumulated &entry = classes[*it];
        entry.sum += probability;
        if (probability > entry.best) {
            entry.best = probability;
            entry.departmentId = departmentId;
        }
    }
    std::stable_sort(classes.begin(), classes.end(), [](const Accumulated &a, const Accumulated &b) { return a.sum > b.sum; });
    return classes;
}

} // namespace

LevelVerdict ClassRollup::verdict(const QStringList &modelClasses, const std::vector<float> &probabilities) const
{
    const std::vector<Accumulated> classes = accumulate(modelClasses, probabilities, [this](const QString &name) {
        const Member m = member(name);
        return std::make_tuple(m.filedClass, m.departmentId, m.threshold);
    });
    LevelVerdict verdict;
    if (classes.empty())
        return verdict;
    verdict.filedClass = classes[0].filedClass;
    verdict.departmentId = classes[0].departmentId;
    verdict.confidence = classes[0].sum;
    verdict.margin = classes.size() > 1 ? classes[0].sum - classes[1].sum : classes[0].sum;
    verdict.filingThreshold = classes[0].threshold;
    return verdict;
}

QVector<QPair<QString, double>> ClassRollup::ranked(const QStringList &modelClasses, const std::vector<float> &probabilities) const
{
    QVector<QPair<QString, double>> result;
    for (const Accumulated &entry : accumulate(modelClasses, probabilities, [this](const QString &name) {
             const Member m = member(name);
             return std::make_tuple(m.filedClass, m.departmentId, m.threshold);
         }))
        result.push_back({entry.filedClass, entry.sum});
    return result;
}

} // namespace accession
