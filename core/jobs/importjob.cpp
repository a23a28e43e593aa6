#include "importjob.h"

namespace accession {

ImportJob::ImportJob(QString catalogPath, ImportRequest request, QObject *parent)
    : SummaryJob(parent)
    , m_catalogPath(std::move(catalogPath))
    , m_request(std::move(request))
{
}

void ImportJob::run()
{
    runEngine([this](ImportSummary &summary, const WorkControl &control) {
        importIntoCatalog(m_catalogPath, m_request, summary, control);
    });
}

} // namespace accession
