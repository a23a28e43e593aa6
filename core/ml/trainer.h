#pragma once

#include "epochreport.h"
#include "modelcard.h"
#include "trainingoptions.h"
#include "trainingrecipe.h"

#include "catalog/problem.h"
#include "catalog/workcontrol.h"

#include <QMutex>
#include <QVector>

#include <functional>
#include <utility>
#include <vector>

namespace accession {

// What a training run has done so far (its epochs, the images it left out, the card at the end): filled by
// trainModel on its thread, readable from any other meanwhile.
class TrainingRecord
{
public:
    ModelCard card() const
    {
        QMutexLocker lock(&m_mutex);
        return m_card;
    }
    QVector<EpochReport> history() const
    {
        QMutexLocker lock(&m_mutex);
        return m_history;
    }
    QVector<Problem> failures() const // images that could not be decoded (left out)
    {
        QMutexLocker lock(&m_mutex);
        return m_failures;
    }
    void setCard(const ModelCard &card)
    {
        QMutexLocker lock(&m_mutex);
        m_card = card;
    }
    void setHistory(const QVector<EpochReport> &history)
    {
        QMutexLocker lock(&m_mutex);
        m_history = history;
    }
    void appendEpoch(const EpochReport &report)
    {
        QMutexLocker lock(&m_mutex);
        m_history.push_back(report);
    }
    void addFailures(const std::vector<std::pair<QString, QString>> &failures); // each path once

private:
    mutable QMutex m_mutex;
    ModelCard m_card;
    QVector<EpochReport> m_history;
    QVector<Problem> m_failures;
};

// How a run reports: progress and cancel as every engine does, and each finished epoch (the live curves).
struct TrainingControl
{
    WorkControl work;
    std::function<void(const EpochReport &report)> epochFinished;
};

// Where a run keeps its last finished epoch, beside the model it writes.
QString trainingCheckpointPath(const QString &outPath);

// Trains a model from a catalog's labels; checkpoints every epoch, so that options.resume continues a cancelled or
// crashed run. Throws WorkCancelled when stopped and std::exception (one line) when it fails.
void trainModel(const TrainingOptions &options, TrainingRecord &record, const TrainingControl &control = {});

} // namespace accession
