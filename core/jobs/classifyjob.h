#pragma once

#include "jobs/job.h"
#include "ml/classifier.h"

#include <QMutex>

namespace accession {

// Classifies catalog items off the GUI thread (ml's classifyCatalog), its summary readable meanwhile.
class ClassifyJob : public Job
{
    Q_OBJECT
public:
    explicit ClassifyJob(ClassifyRequest request, QObject *parent = nullptr);
    // Complete after finished()/cancelled(); partial while running.
    ClassifySummary summary() const;

protected:
    void run() override;

private:
    void publish(const ClassifySummary &summary);

    ClassifyRequest m_request;
    mutable QMutex m_mutex;
    ClassifySummary m_summary;
};

} // namespace accession
