#include "ratemeasurementjob.h"

#include "catalog/catalog.h"
#include "ml/throughput.h"

#include <QSet>

namespace accession {

RateMeasurementJob::RateMeasurementJob(QString catalogPath, Architecture architecture, int imageSize, QObject *parent)
    : Job(parent)
    , m_catalogPath(std::move(catalogPath))
    , m_architecture(architecture)
    , m_imageSize(imageSize)
{
}

int RateMeasurementJob::labelledItems() const
{
    QMutexLocker lock(&m_mutex);
    return m_labelledItems;
}

MeasuredRates RateMeasurementJob::rates() const
{
    QMutexLocker lock(&m_mutex);
    return m_rates;
}

void RateMeasurementJob::run()
{
    int labelled = 0;
    QSet<QString> departments;
    {
        Catalog catalog(m_catalogPath);
        for (const ItemRow &item : catalog.labelledItems()) {
            ++labelled;
            departments.insert(item.department);
        }
    }
    throwIfCancelled();
    CeilingRequest request;
    request.architecture = m_architecture;
    request.classes = std::max<int>(2, departments.size());
    request.imageSize = m_imageSize;
    request.batchSize = 4; // a few images: the estimate must come within seconds, even on a busy machine
    request.batches = 2;
    request.foldBatchNorm = false; // as validation runs during training
    reportProgress(0, 2, tr("Measuring the network's speed"));
    MeasuredRates rates;
    rates.trainingImagesPerSecond = trainingCeiling(request);
    throwIfCancelled();
    reportProgress(1, 2, tr("Measuring the network's speed"));
    rates.inferenceImagesPerSecond = inferenceCeiling(request);
    throwIfCancelled();
    reportProgress(2, 2, QString());
    QMutexLocker lock(&m_mutex);
    m_rates = rates;
    m_labelledItems = labelled;
}

} // namespace accession
