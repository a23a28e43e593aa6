#pragma once

#include "architecture.h"

#include "catalog/weightsregistry.h"

namespace accession {

// Which network a backbone weights file (torchvision or timm names, safetensors or torch.save) is for, told from
// its tensor names and confirmed by loading it into that network. Throws WeightsError "PATH: reason".
Architecture checkPretrainedWeights(const QString &path);

// The lowercase hex SHA-256 of a weights or model file, by which the catalog knows it; throws WeightsError.
QString sha256OfWeightsFile(const QString &path);

// Checks the file and records it in the catalog (WeightsRegistry); throws WeightsError or CatalogError.
AddedWeights addPretrainedWeights(const QString &catalogPath, const QString &path);

} // namespace accession
