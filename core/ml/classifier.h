#pragma once

#include "catalog/workcontrol.h"
#include "ingest/importer.h"

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
    qint64 outOfScope = 0; // sent to review as unlike any department's photographs (counted in toReview)
    qint64 skipped = 0; // already classified by this model (a resumed run)
    QVector<Problem> failures;
    ImportSummary import; // when paths were given
    double seconds = 0;
    double imagesPerSecond = 0;
    double peakMemoryMb = 0;
    bool cancelled = false;
};

// Classifies catalog items with a model (importing the given files first), stores calibrated probabilities and
// files the confident ones, a chunk at a time. Fills summary as it goes, so that a cancel (WorkCancelled) or a
// failure leaves in it what was done; reports progress after each batch.
void classifyCatalog(const ClassifyRequest &request, ClassifySummary &summary, const WorkControl &control = {});

} // namespace accession
