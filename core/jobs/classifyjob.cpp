#include "classifyjob.h"

namespace accession {

ClassifyJob::ClassifyJob(ClassifyRequest request, QObject *parent)
    : SummaryJob(parent)
    , m_request(std::move(request))
{
}

void ClassifyJob::run()
{
    runEngine([this](ClassifySummary &summary, const WorkControl &control) { classifyCatalog(m_request, summary, control); });
}

} // namespace accession
