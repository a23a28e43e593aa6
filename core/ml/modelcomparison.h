#pragma once

#include "metrics.h"

#include <QString>
#include <QVector>

#include <optional>

namespace accession {

// One department measured by both models on the same items.
struct DepartmentDifference
{
    QString name;
    std::optional<double> current;   // the active model's accuracy on this department's items; none if it lacks the class
    std::optional<double> candidate; // the new model's
    int support = 0;
    // candidate - current, in accuracy (0..1); none when either is missing
    std::optional<double> difference() const;
};

// Whether to switch to a newly trained model: both measured on the same validation items through the same path.
struct ModelRecommendation
{
    bool hasCurrent = false;
    bool switchToCandidate = false;
    double overallDifference = 0; // candidate - current accuracy (0..1)
    int betterDepartments = 0;
    int worseDepartments = 0;
    QString largestDropDepartment; // empty when no department got worse
    double largestDrop = 0;        // negative, in accuracy (0..1)
    QVector<DepartmentDifference> departments; // sorted by difference, largest gain first, those without one last
};

// Switch when the new model is at least minimumGain better overall on the same items (or when there is no current
// model); keep the current one otherwise: a change a curator must get used to needs a measurable reason.
constexpr double kMinimumGainToSwitch = 0.005;
ModelRecommendation recommendModel(const EvaluationReport &candidate, const EvaluationReport &current);

} // namespace accession
