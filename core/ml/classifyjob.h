#pragma once

#include "ingest/importjob.h"
#include "jobs/job.h"

#include <QMutex>

namespace accession {

struct ClassifyRequest
{
    QString catalogPath;
    QString modelPath;  // empty: the catalog's active model
    QStringList paths;  // imported first as unlabelled items; empty: every item the model has not classified
    int threads = 0;
    int batchSize = 32;
    int chunkSize = 1024; // items read from the catalog at a time: memory stays flat however many there are
};

struct ClassifySummary
{
    qint64 modelId = 0;
    qint64 classified = 0;
    qint64 autoFiled = 0;
    qint64 toReview = 0;
    qint64 skipped = 0; // already classified by this model (a resumed run)
    QVector<Problem> failures;
    ImportSummary import; // when paths were given
    double seconds = 0;
    double imagesPerSecond = 0;
    double peakMemoryMb = 0;
    bool cancelled = false;
};

// Classifies catalog items with a model, stores calibrated probabilities, files the confident ones.
class ClassifyJob : public Job
{
    Q_OBJECT
public:
    explicit ClassifyJob(ClassifyRequest request, QObject *parent = nullptr);
    ClassifySummary summary() const;

    // Registers a model file in the catalog (by content hash); returns its id. Throws on a bad model.
    static qint64 registerModelFile(const QString &catalogPath, const QString &modelPath);

protected:
    void run() override;

private:
    ClassifyRequest m_request;
    mutable QMutex m_mutex;
    ClassifySummary m_summary;
};

} // namespace accession
