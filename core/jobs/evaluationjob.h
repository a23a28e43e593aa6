#pragma once

#include "jobs/job.h"
#include "ml/evaluation.h"

#include <QMutex>

namespace accession {

// Measures a trained model on labelled images off the GUI thread (ml's evaluateModel).
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
    ModelComparison m_comparison;
};

} // namespace accession
