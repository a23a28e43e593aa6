#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QStringList>
#include <QVector>

#include <optional>

namespace accession {

class Catalog;

// Calibration temperatures a model may carry. Fitting searches 0.05..20; a temperature near zero turns every
// probability into 0 or 1 (a card with 1e-300 filed every item automatically), a huge one makes all equal.
constexpr double kMinimumTemperature = 0.01;
constexpr double kMaximumTemperature = 100.0;

// A model the catalog knows: its file, its card, and how sure it must be to file an item by itself.
struct RegisteredModel
{
    qint64 id = 0;
    QString name;
    QString architecture;
    QString weightsPath;
    QString weightsHash;
    QJsonObject card;
    QStringList classes;
    double temperature = 1.0;
    double threshold = 1.0;
    QDateTime registeredAt;
    bool active = false;

    // Why this row cannot be used (a threshold outside [0, 1], a temperature out of range, no classes: rows
    // registered before registration checked models); empty when it can.
    QString problem() const;
};

// The catalog's models: registered by content hash, one of them active.
class ModelRegistry
{
public:
    explicit ModelRegistry(Catalog &catalog);

    // Registers a model file (again: the same id, path refreshed); the first one becomes active. The card must
    // already have been checked (registerModelFile in ml/modelregistration.h loads the model); this only refuses, with
    // CatalogError, a card whose threshold, temperature or classes would make a row problem() reports.
    qint64 registerModel(const QString &weightsPath, const QString &weightsHash, const QJsonObject &card);
    QVector<RegisteredModel> models() const;
    std::optional<RegisteredModel> model(qint64 id) const;
    std::optional<RegisteredModel> activeModel() const;
    std::optional<qint64> modelIdByHash(const QString &weightsHash) const;
    void activate(qint64 id);
    // Moves the auto-file threshold; which items count as filed follows at once.
    void setThreshold(qint64 id, double threshold);

private:
    Catalog &m_catalog;
};

} // namespace accession
