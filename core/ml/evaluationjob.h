#pragma once

#include "datasplit.h"
#include "metrics.h"

#include "ingest/importplan.h"
#include "jobs/job.h"

#include <QMutex>

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
    QVector<EvaluatedExample> examples;
    QVector<Problem> failures; // unreadable images, rows naming departments the model does not know
};

// Runs a trained model over labelled images and measures it (with the model's own temperature).
class EvaluationJob : public Job
{
    Q_OBJECT
public:
    explicit EvaluationJob(EvaluationRequest request, QObject *parent = nullptr);
    EvaluationResult result() const;

protected:
    void run() override;

private:
    EvaluationRequest m_request;
    mutable QMutex m_mutex;
    EvaluationResult m_result;
};

// Two models measured on the same validation items (the new model's split), for deciding which to keep.
class ComparisonJob : public Job
{
    Q_OBJECT
public:
    ComparisonJob(QString catalogPath, QString candidateModel, QString currentModel, QObject *parent = nullptr);
    EvaluationResult candidate() const;
    EvaluationResult current() const;

protected:
    void run() override;

private:
    QString m_catalogPath;
    QString m_candidateModel;
    QString m_currentModel;
    mutable QMutex m_mutex;
    EvaluationResult m_candidate;
    EvaluationResult m_current;
};

} // namespace accession
