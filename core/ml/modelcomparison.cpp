#include "modelcomparison.h"

#include <algorithm>

namespace accession {

std::optional<double> DepartmentDifference::difference() const
{
    if (!current || !candidate)
        return std::nullopt;
    return *candidate - *current;
}

namespace {

const ClassMetrics *metricsOf(const EvaluationReport &report, const QString &name)
{
    for (const ClassMetrics &metrics : report.perClass) {
        if (metrics.name == name && metrics.support > 0)
            return &metrics;
    }
    return nullptr;
}

} // namespace

ModelRecommendation recommendModel(const EvaluationReport &candidate, const EvaluationReport &current)
{
    ModelRecommendation result;
    result.hasCurrent = current.count > 0;
    QStringList names = candidate.classes;
    for (const QString &name : current.classes) {
        if (!names.contains(name))
            names << name;
    }
    for (const QString &name : names) {
        DepartmentDifference row;
        row.name = name;
        if (const ClassMetrics *metrics = metricsOf(candidate, name)) {
            row.candidate = metrics->accuracy;
            row.support = metrics->support;
        }
        if (const ClassMetrics *metrics = result.hasCurrent ? metricsOf(current, name) : nullptr) {
            row.current = metrics->accuracy;
            row.support = std::max(row.support, metrics->support);
        }
        if (!row.candidate && !row.current)
            continue;
        if (const auto difference = row.difference()) {
            if (*difference > 0)
                ++result.betterDepartments;
            else if (*difference < 0)
                ++result.worseDepartments;
            if (*difference < result.largestDrop) {
                result.largestDrop = *difference;
                result.largestDropDepartment = name;
            }
        }
        result.departments.push_back(row);
    }
    std::stable_sort(result.departments.begin(), result.departments.end(), [](const DepartmentDifference &a, const DepartmentDifference &b) {
        const auto da = a.difference();
        const auto db = b.difference();
        if (da.has_value() != db.has_value())
            return da.has_value();
        return da && *da > *db;
    });
    result.overallDifference = result.hasCurrent ? candidate.accuracy - current.accuracy : candidate.accuracy;
    result.switchToCandidate = !result.hasCurrent || result.overallDifference >= kMinimumGainToSwitch;
    return result;
}

} // namespace accession
