#pragma once

#include <QHash>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVector>

#include <cmath>
#include <optional>
#include <vector>

namespace accession {

class Catalog;

// Whether a catalog files its items under departments or under department groups (for institutions with fewer
// collections than departments). Stored in the catalog's settings; department unless set.
enum class ClassificationLevel { Department, Group };
QString classificationLevelName(ClassificationLevel level); // "department", "group"
std::optional<ClassificationLevel> classificationLevelFromName(const QString &name);

ClassificationLevel classificationLevel(const Catalog &catalog);
// Switches the level and re-derives every stored prediction's filing from its stored probabilities: no network runs.
void setClassificationLevel(Catalog &catalog, ClassificationLevel level);
// A group's own filing threshold at group level, in [0, 1]; nullopt clears it (the model's threshold applies).
// Re-derives filing. Throws CatalogError for an unknown group or a threshold out of range.
void setGroupThreshold(Catalog &catalog, qint64 groupId, std::optional<double> threshold);
std::optional<double> groupThreshold(const Catalog &catalog, qint64 groupId);
struct DepartmentGroupInfo
{
    qint64 id = 0;
    QString name;
    std::optional<double> threshold; // nullopt: the model's
};
QVector<DepartmentGroupInfo> departmentGroups(const Catalog &catalog); // in the groups' order
// The first department (in the departments' order) of the group of that name; nullopt when none.
std::optional<qint64> firstDepartmentOfGroup(const Catalog &catalog, const QString &groupName);
// Writes each prediction's filed class, confidence, margin and threshold again, at the catalog's level (after the
// level, a group threshold or a department's group changed).
void rederiveFiling(Catalog &catalog);

// predictions.filing_threshold for a class's own threshold: NULL for none (NaN); past every confidence for 1, which
// files nothing (as a model's threshold of 1 does).
QVariant filingThresholdColumn(double threshold);

// One prediction at a level: the class it files under.
struct LevelVerdict
{
    QString filedClass;
    qint64 departmentId = 0; // the most probable department inside the filed class: what accepting labels the item with
    double confidence = 0;   // the filed class's probability (a group's: the sum of its departments')
    double margin = 0;       // over the next class at the same level
    double filingThreshold = std::nan(""); // the filed class's own threshold (a group's); NaN: the model's
};

// How a model's classes roll up into the classes filed at a level. At department level a department is its own
// class; at group level each department counts in its group (an ungrouped one as a group of its own) and a group's
// probability is the sum of its departments'. A group-level model's classes are group names: they stay as they are.
class ClassRollup
{
public:
    static ClassRollup load(const Catalog &catalog); // at the catalog's level
    static ClassRollup load(const Catalog &catalog, ClassificationLevel level);

    ClassificationLevel level() const { return m_level; }
    LevelVerdict verdict(const QStringList &modelClasses, const std::vector<float> &probabilities) const;
    // The classes at this level with their summed probabilities, most probable first.
    QVector<QPair<QString, double>> ranked(const QStringList &modelClasses, const std::vector<float> &probabilities) const;
    // The class at this level that a department's (or a group's) name counts in; the name itself when unknown.
    QString classOf(const QString &name) const;
    // Every class at this level, in the departments' order.
    QStringList classes() const { return m_classes; }

private:
    struct Member
    {
        QString filedClass;
        qint64 departmentId = 0;
        double threshold = std::nan("");
    };
    Member member(const QString &className) const;

    ClassificationLevel m_level = ClassificationLevel::Department;
    QHash<QString, Member> m_members; // by department name, former name and group name
    QStringList m_classes;
};

} // namespace accession
