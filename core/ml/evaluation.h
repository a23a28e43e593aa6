#pragma once

#include "datasplit.h"
#include "metrics.h"
#include "testtimeaugmentation.h"

#include "catalog/workcontrol.h"
#include "ingest/importplan.h"

namespace accession {

// What to evaluate a model on.
struct EvaluationRequest
{
    enum class Source { Catalog, DepartmentFolders, Csv };
    Source source = Source::Catalog;
    QString modelPath;
    QString catalogPath;
    // With a catalog: the model's own saved validation split when the model was trained on this catalog,
    // unless every labelled item is asked for.
    bool allLabelledItems = false;
    qint64 splitId = 0; // with a catalog: this saved split's validation items instead of the model's own
    QString foldersDir;
    QString csvPath;
    QString imagesDir;
    CsvColumns columns;
    int threads = 0;
    // Views averaged per photograph; unset: the model card's (so a setting can be measured without changing the card).
    std::optional<TestTimeAugmentation> testTimeAugmentation;
    // Fit the temperature on these images (as training does on validation) instead of using the card's.
    bool fitTemperature = false;
    // With a catalog: measure at group level (the catalog's department groups). A department model's group
    // probabilities are the sums of its departments'; a group model's labels are the items' departments' groups.
    bool groupLevel = false;
};

// One evaluated image, for drilling into the confusion matrix.
struct EvaluatedExample
{
    qint64 itemId = 0;
    QString path;
    int trueClass = 0;
    int predictedClass = 0;
    double confidence = 0; // calibrated
};

struct EvaluationResult
{
    EvaluationReport report;
    QString evaluatedOn;
    TestTimeAugmentation testTimeAugmentation = TestTimeAugmentation::None; // the views measured
    QVector<EvaluatedExample> examples;
    QVector<Problem> failures; // unreadable images, rows naming departments the model does not know
};

// Runs a trained model over labelled images and measures it (with the model's own temperature); reports progress
// per batch and throws WorkCancelled when stopped.
EvaluationResult evaluateModel(const EvaluationRequest &request, const WorkControl &control = {});

// Two models measured on the same validation items (the candidate's split), for deciding which to keep.
struct ModelComparison
{
    EvaluationResult candidate;
    EvaluationResult current; // empty without a current model
};
ModelComparison compareModels(const QString &catalogPath, const QString &candidateModel, const QString &currentModel,
                              const WorkControl &control = {});

} // namespace accession
