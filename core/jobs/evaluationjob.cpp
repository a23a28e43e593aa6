#include "evaluationjob.h"

namespace accession {

EvaluationJob::EvaluationJob(EvaluationRequest request, QObject *parent)
    : Job(parent)
    , m_request(std::move(request))
{
}

EvaluationResult EvaluationJob::result() const
{
    QMutexLocker lock(&m_mutex);
    return m_result;
}

void EvaluationJob::run()
{
    const EvaluationResult result = evaluateModel(m_request, workControl());
    QMutexLocker lock(&m_mutex);
    m_result = result;
}

ComparisonJob::ComparisonJob(QString catalogPath, QString candidateModel, QString currentModel, QObject *parent)
    : Job(parent)
    , m_catalogPath(std::move(catalogPath))
    , m_candidateModel(std::move(candidateModel))
    , m_currentModel(std::move(currentModel))
{
}

EvaluationResult ComparisonJob::candidate() const
{
    QMutexLocker lock(&m_mutex);
    return m_comparison.candidate;
}

EvaluationResult ComparisonJob::current() const
{
    QMutexLocker lock(&m_mutex);
    return m_comparison.current;
}

void ComparisonJob::run()
{
    const ModelComparison comparison = compareModels(m_catalogPath, m_candidateModel, m_currentModel, workControl());
    QMutexLocker lock(&m_mutex);
    m_comparison = comparison;
}

} // namespace accession
