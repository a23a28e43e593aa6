#include "epochreport.h"

namespace accession {

QJsonObject epochReportToJson(const EpochReport &r)
{
    return QJsonObject{{QStringLiteral("phase"), r.phase},
                       {QStringLiteral("epoch"), r.epoch},
                       {QStringLiteral("epochs"), r.epochs},
                       {QStringLiteral("train_loss"), r.trainLoss},
                       {QStringLiteral("train_accuracy"), r.trainAccuracy},
                       {QStringLiteral("validation_loss"), r.validationLoss},
                       {QStringLiteral("validation_accuracy"), r.validationAccuracy},
                       {QStringLiteral("learning_rate"), r.learningRate},
                       {QStringLiteral("seconds"), r.seconds},
                       {QStringLiteral("images_per_second"), r.imagesPerSecond}};
}

EpochReport epochReportFromJson(const QJsonObject &o)
{
    EpochReport r;
    r.phase = o.value(QStringLiteral("phase")).toString();
    r.epoch = o.value(QStringLiteral("epoch")).toInt();
    r.epochs = o.value(QStringLiteral("epochs")).toInt();
    r.trainLoss = o.value(QStringLiteral("train_loss")).toDouble();
    r.trainAccuracy = o.value(QStringLiteral("train_accuracy")).toDouble();
    r.validationLoss = o.value(QStringLiteral("validation_loss")).toDouble();
    r.validationAccuracy = o.value(QStringLiteral("validation_accuracy")).toDouble();
    r.learningRate = o.value(QStringLiteral("learning_rate")).toDouble();
    r.seconds = o.value(QStringLiteral("seconds")).toDouble();
    r.imagesPerSecond = o.value(QStringLiteral("images_per_second")).toDouble();
    return r;
}

} // namespace accession
