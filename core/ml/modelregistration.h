#pragma once

#include <QString>

namespace accession {

// Registers a model file in the catalog (by content hash) after loading it whole, so that a file that cannot
// classify never becomes a model; returns its id. Throws WeightsError or CatalogError.
qint64 registerModelFile(const QString &catalogPath, const QString &modelPath);

} // namespace accession
