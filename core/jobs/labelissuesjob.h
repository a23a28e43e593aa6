#pragma once

#include "jobs/job.h"
#include "ml/labelissues.h"

#include <QMutex>

namespace accession {

// Ranks the catalog's likely mislabelled items off the GUI thread (ml's findLabelIssues).
class LabelIssuesJob : public Job
{
    Q_OBJECT
public:
    explicit LabelIssuesJob(LabelIssueRequest request, QObject *parent = nullptr);
    LabelIssueReport report() const;

protected:
    void run() override;

private:
    LabelIssueRequest m_request;
    mutable QMutex m_mutex;
    LabelIssueReport m_report;
};

} // namespace accession
