#pragma once

#include "ml/testtimeaugmentation.h"

#include <QCommandLineParser>
#include <QJsonObject>
#include <QStringList>

namespace accession {
struct ImportSummary;
}

namespace accession::cli {

// Each takes the arguments after the command name (with a program name first) and returns the exit status.
int runImport(const QStringList &arguments);
int runStats(const QStringList &arguments);
int runDepartments(const QStringList &arguments);
int runStorage(const QStringList &arguments);
int runTrain(const QStringList &arguments);
int runEvaluate(const QStringList &arguments);
int runLabelIssues(const QStringList &arguments);
int runNearDuplicates(const QStringList &arguments);
int runModels(const QStringList &arguments);
int runClassify(const QStringList &arguments);
int runReview(const QStringList &arguments);
int runDecide(const QStringList &arguments);
int runExport(const QStringList &arguments);
int runMetImport(const QStringList &arguments);
int runIiifImport(const QStringList &arguments);
int runWeights(const QStringList &arguments);
int runEnsemble(const QStringList &arguments);
int runSetTta(const QStringList &arguments);

QJsonObject importSummaryToJson(const ImportSummary &summary);
// --tta's value, or a usage error listing the choices.
TestTimeAugmentation testTimeAugmentationOption(const QCommandLineParser &parser, const QString &option);

} // namespace accession::cli
