#include "trainingcurvespanel.h"

#include "chartaxes.h"

#include "ml/epochreport.h"

#include <QChart>
#include <QChartView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>

namespace accession {

TrainingCurvesPanel::TrainingCurvesPanel(QWidget *parent)
    : ChartPanel(new QChart, parent)
    , m_trainLoss(new QLineSeries)
    , m_validationLoss(new QLineSeries)
    , m_validationAccuracy(new QLineSeries)
    , m_epochAxis(new QValueAxis)
    , m_lossAxis(new QValueAxis)
{
    m_trainLoss->setName(tr("training loss"));
    m_validationLoss->setName(tr("validation loss"));
    m_validationAccuracy->setName(tr("validation accuracy"));
    m_epochAxis->setTitleText(tr("epoch"));
    setEpochRange(m_epochAxis, 0);
    m_lossAxis->setTitleText(tr("loss"));
    QValueAxis *accuracyAxis = unitAxis(tr("accuracy"));
    QChart *chart = chartView()->chart();
    chart->addAxis(m_epochAxis, Qt::AlignBottom);
    chart->addAxis(m_lossAxis, Qt::AlignLeft);
    chart->addAxis(accuracyAxis, Qt::AlignRight);
    for (QLineSeries *series : {m_trainLoss, m_validationLoss}) {
        chart->addSeries(series);
        series->attachAxis(m_epochAxis);
        series->attachAxis(m_lossAxis);
    }
    chart->addSeries(m_validationAccuracy);
    m_validationAccuracy->attachAxis(m_epochAxis);
    m_validationAccuracy->attachAxis(accuracyAxis);
    followPaletteInChart();
}

void TrainingCurvesPanel::setHistory(const QJsonArray &history)
{
    m_liveEpochs = 0;
    m_trainLoss->clear();
    m_validationLoss->clear();
    m_validationAccuracy->clear();
    double maxLoss = 0.5;
    int epoch = 0;
    for (const QJsonValue &value : history) {
        const QJsonObject entry = value.toObject();
        ++epoch;
        const double trainLoss = entry.value(QStringLiteral("train_loss")).toDouble();
        const double validationLoss = entry.value(QStringLiteral("validation_loss")).toDouble();
        m_trainLoss->append(epoch, trainLoss);
        m_validationLoss->append(epoch, validationLoss);
        m_validationAccuracy->append(epoch, entry.value(QStringLiteral("validation_accuracy")).toDouble());
        maxLoss = std::max({maxLoss, trainLoss, validationLoss});
    }
    setEpochRange(m_epochAxis, epoch);
    m_lossAxis->setRange(0, maxLoss * 1.1);
    m_lossAxis->applyNiceNumbers(); // ticks at 0.1 or 0.2 steps, not 0.14 and 0.28
}

void TrainingCurvesPanel::beginLiveRun()
{
    setHistory(QJsonArray());
}

void TrainingCurvesPanel::appendEpoch(const EpochReport &report)
{
    ++m_liveEpochs;
    m_trainLoss->append(m_liveEpochs, report.trainLoss);
    m_validationLoss->append(m_liveEpochs, report.validationLoss);
    m_validationAccuracy->append(m_liveEpochs, report.validationAccuracy);
    setEpochRange(m_epochAxis, m_liveEpochs);
    m_lossAxis->setMax(std::max({m_lossAxis->max(), report.trainLoss * 1.1, report.validationLoss * 1.1}));
    m_lossAxis->applyNiceNumbers();
}

int TrainingCurvesPanel::epochsShown() const
{
    return int(m_trainLoss->count());
}

} // namespace accession
