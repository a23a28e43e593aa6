#pragma once

#include "jobs/summaryjob.h"
#include "ml/classifier.h"


namespace accession {

// Classifies catalog items off the GUI thread (ml's classifyCatalog), its summary readable meanwhile.
class ClassifyJob : public SummaryJob<ClassifySummary>
{
    Q_OBJECT
public:
    explicit ClassifyJob(ClassifyRequest request, QObject *parent = nullptr);

protected:
    void run() override;

private:
    ClassifyRequest m_request;
};

} // namespace accession
