#pragma once

// Test-only helpers to build small catalogs and image trees on disk.

#include "catalog/catalogtypes.h"

#include <QHash>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

class QSignalSpy;

namespace accession {
class Catalog;
struct ClassifySummary;
struct TrainingOptions;
}

namespace accession::test {

// Writes DIR/<department>/... generated images with a learnable signal; returns the files.
QStringList writeDepartmentFolders(const QString &dir, const QStringList &departments, int perDepartment,
                                   int imageSize = 48, quint32 seed = 1);

// Writes DIR/<department>/NNN.png, clearly separable departments: each a colour of its own (jittered a little per
// photograph) with bands of another. Colours repeat after four departments.
void writeColourFolders(const QString &dir, const QStringList &departments, int perDepartment, quint32 seed);

// Imports department folders into the catalog (created if needed); fails the test on error.
void importFolders(const QString &catalogPath, const QString &dir);

// Relabels one item of each department (its nth, in the catalog's order) with the next department of the list, as
// a mistaken import would (an imported label). Returns item id -> the department it truly belongs to.
QHash<qint64, QString> plantWrongLabels(const QString &catalogPath, const QStringList &departments, int nth = 5);

// Trains the tests' small baseline (32 px, batch 16 by default, 2 threads, no early stopping) on the catalog's labels
// into modelPath, after adjust (if any) has changed the options; returns whether training succeeded.
bool trainSmallBaseline(const QString &catalogPath, const QString &modelPath, int epochs = 3, int batchSize = 16,
                        const std::function<void(TrainingOptions &)> &adjust = {});

// Classifies the catalog's items (or those under paths) with the model file, on 2 threads, through a ClassifyJob; warns
// when the job did not finish.
ClassifySummary classifyWithModel(const QString &catalogPath, const QString &modelPath, const QStringList &paths = {},
                                  int batchSize = 32);

// The JSON object a command printed; warns with the text's start when it is not one (the test's checks then fail).
QJsonObject parseJsonObject(const QByteArray &text);

// A catalog with labelled departments, a baseline model trained on them (registered and active) and
// unlabelled incoming items it has classified; some of them mix two departments' cues.
struct ClassifiedCatalog
{
    QString catalogPath;
    QString modelPath;
    QString incomingDir;
    QStringList departments;
};
ClassifiedCatalog makeClassifiedCatalog(const QString &dir, int perDepartment = 16, int incomingPerDepartment = 5);
// Copies a catalog (checkpointed first) so that a test can change it freely.
QString copyCatalog(const QString &catalogPath, const QString &dir, const QString &name);

// Runs accession-cli with the arguments; returns exit code, fills stdout/stderr.
// The pid of a process that has just ended, so no process of it is alive: what a killed import leaves behind.
qint64 pidOfAnEndedProcess();

int runCli(const QStringList &arguments, QByteArray *standardOutput = nullptr, QByteArray *standardError = nullptr,
           int timeoutMs = 300000);

// Waits for the next job the window reports through its jobEnded(bool) signal, watched by the spy; returns
// whether it succeeded (false also when none ended within the time).
bool waitForJobEnded(QSignalSpy &ended, int timeoutMs);

// How many items carry each department as their current label, from any source or from the one given.
QMap<QString, int> labelCounts(Catalog &catalog, std::optional<LabelSource> source = std::nullopt);

} // namespace accession::test
