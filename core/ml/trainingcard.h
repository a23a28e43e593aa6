#pragma once

#include "datasplit.h"
#include "epochreport.h"
#include "modelcard.h"
#include "trainingrecipe.h"

#include <QJsonArray>
#include <QVector>

namespace accession {

// What a finished run knows about itself beyond its options and recipe, for its model card.
struct TrainingRunRecord
{
    QString catalogPath;
    QVector<EpochReport> history;
    QJsonArray phases;  // finished phases recorded along the way (the cached head)
    QString keptPhase;  // the epoch whose weights were kept
    int keptEpoch = 0;
    qint64 imagesDecoded = 0;
    int threads = 0;
    QString device;
    double seconds = 0;
};

// The model card of a run: what the network is, its classes and preprocessing, the validation report it was
// calibrated on, and how it was trained (the card's "training" object).
ModelCard trainedModelCard(const TrainingOptions &options, const TrainingRecipe &recipe, const DataSplit &split,
                           const Preprocessing &preprocessing, const EvaluationReport &validation,
                           const TrainingRunRecord &record);

} // namespace accession
