#include "collectionimportjob.h"

namespace accession {

MetImportJob::MetImportJob(MetImportRequest request, QObject *parent)
    : CollectionImportJob(parent)
    , m_request(std::move(request))
{
}

void MetImportJob::run()
{
    runEngine([this](CollectionImportSummary &summary, const WorkControl &control) { importFromMet(m_request, summary, control); });
}

IiifImportJob::IiifImportJob(IiifImportRequest request, QObject *parent)
    : CollectionImportJob(parent)
    , m_request(std::move(request))
{
}

void IiifImportJob::run()
{
    runEngine([this](CollectionImportSummary &summary, const WorkControl &control) { importFromIiif(m_request, summary, control); });
}

} // namespace accession
