#pragma once

#include "metrics.h"
#include "preprocessing.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QStringList>

namespace accession {

// What a trained model is and how far to trust it; saved as JSON beside the model's .safetensors.
struct ModelCard
{
    static constexpr int kFormatVersion = 1;

    QString architecture;
    QStringList classes;
    Preprocessing preprocessing;
    double temperature = 1.0;
    double threshold = 1.0; // calibrated confidence at or above which predictions are auto-filed
    double targetAccuracy = 0.95;
    EvaluationReport validation;
    QDateTime trainedAt;
    QMap<QString, int> trainingImagesPerClass;
    QMap<QString, int> validationImagesPerClass;
    QJsonObject training; // options, phases, per-epoch history, timings
    QString pretrainedFrom;
    QString catalogPath;
    qint64 splitId = 0;

    QJsonObject toJson() const;
    // Throws WeightsError when the JSON is not a model card.
    static ModelCard fromJson(const QJsonObject &json, const QString &source);

    static QString pathBeside(const QString &modelPath); // MODEL.json for MODEL.safetensors
    static ModelCard readBeside(const QString &modelPath);
    void writeBeside(const QString &modelPath) const;
};

} // namespace accession
