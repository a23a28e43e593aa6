#pragma once

#include <QJsonObject>
#include <QMetaType>
#include <QString>

namespace accession {

// One epoch's figures, as the job publishes them, the checkpoint keeps them and the card lists them.
struct EpochReport
{
    QString phase; // "head", "fine-tune", "train", "cached-head"
    int epoch = 0; // 1-based within the phase
    int epochs = 0;
    double trainLoss = 0;
    double trainAccuracy = 0;
    double validationLoss = 0;
    double validationAccuracy = 0;
    double learningRate = 0;
    double seconds = 0;
    double imagesPerSecond = 0;
};

QJsonObject epochReportToJson(const EpochReport &report);
EpochReport epochReportFromJson(const QJsonObject &json);

} // namespace accession

Q_DECLARE_METATYPE(accession::EpochReport)
