#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QStringList>
#include <QVector>

#include <optional>

namespace accession {

class Catalog;

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
};

// The catalog's models: registered by content hash, one of them active.
class ModelRegistry
{
public:
    explicit ModelRegistry(Catalog &catalog);

    // Registers a model file (again: the same id, path refreshed); the first one becomes active.
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
