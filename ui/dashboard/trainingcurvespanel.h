#pragma once

#include "chartpanel.h"

class QJsonArray;
class QLineSeries;
class QValueAxis;

namespace accession {

struct EpochReport;

// Training and validation loss and validation accuracy per epoch: from a model card's history, or live, epoch
// by epoch, while a run trains.
class TrainingCurvesPanel : public ChartPanel
{
    Q_OBJECT
public:
    explicit TrainingCurvesPanel(QWidget *parent = nullptr);
    // A card's "history" array, one object per epoch.
    void setHistory(const QJsonArray &history);
    // Live curves: cleared, then each finished epoch added.
    void beginLiveRun();
    void appendEpoch(const EpochReport &report);
    // Whether the curves are a live run's (a model card's history then leaves them alone).
    bool isShowingLiveRun() const { return m_liveEpochs > 0; }
    int epochsShown() const;

private:
    QLineSeries *m_trainLoss;
    QLineSeries *m_validationLoss;
    QLineSeries *m_validationAccuracy;
    QValueAxis *m_epochAxis;
    QValueAxis *m_lossAxis;
    int m_liveEpochs = 0;
};

} // namespace accession
