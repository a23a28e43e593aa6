#pragma once

// Test-only helpers that fill a catalog by hand, without images or training: items, a model registered from a
// card the test writes, and predictions with the probabilities the test chooses.

#include "catalog/catalog.h"

#include <QJsonObject>
#include <QStringList>
#include <QVector>

#include <functional>
#include <vector>

namespace accession::test {

// A catalog created in dir with the given departments, in order (a PostgreSQL database instead when the test runs
// on that backend: see newCatalogLocation()).
struct HandmadeCatalog
{
    QString path;
    QVector<qint64> departmentIds;
};
HandmadeCatalog makeHandmadeCatalog(const QString &dir, const QStringList &departments);

// Inserts an item whose content hash derives from path (so each path is a distinct item); returns its id.
qint64 addHandmadeItem(Catalog &catalog, const QString &path, const QString &externalId = QString(),
                       const QJsonObject &metadata = QJsonObject());

// A model card as training writes it, with only what registration reads.
QJsonObject handmadeModelCard(const QStringList &classes, double threshold, double temperature = 1.0);
// Registers a model from such a card under a weights hash derived from name; returns its id.
qint64 registerHandmadeModel(Catalog &catalog, const QString &name, const QStringList &classes, double threshold);

// Records the model's prediction for the item, classes in the catalog's department order.
qint64 addHandmadePrediction(Catalog &catalog, qint64 modelId, qint64 itemId, const std::vector<float> &probabilities);

// Takes a current catalog back to schema 3 as Accession wrote it then, without what migrations 4 and later added, so
// that opening it migrates; false (with a warning naming the statement) when a statement fails.
bool rollBackToSchema3(const QString &path);

// The CatalogError the action threw, as text; empty when it threw none.
QString catalogRefusal(const std::function<void()> &action);

} // namespace accession::test
