#include "labelissuesjob.h"

namespace accession {

LabelIssuesJob::LabelIssuesJob(LabelIssueRequest request, QObject *parent)
    : Job(parent)
    , m_request(std::move(request))
{
}

LabelIssueReport LabelIssuesJob::report() const
{
    QMutexLocker lock(&m_mutex);
    return m_report;
}

void LabelIssuesJob::run()
{
    const LabelIssueReport report = findLabelIssues(m_request, workControl());
    QMutexLocker lock(&m_mutex);
    m_report = report;
}

} // namespace accession
