#pragma once

// Torch-side header: include only from core/ml sources.

#include "architecture.h"
#include "headfitting_torch.h"
#include "network_torch.h"
#include "preprocessing.h"

#include "catalog/problem.h"
#include "catalog/workcontrol.h"

#include <QString>
#include <QVector>

#include <optional>

namespace accession {
class Catalog;
}

namespace accession::ml {

// A network whose backbone gives features (checking labels, finding near-duplicates); the file's head, for
// another class list or ImageNet's, is left unloaded.
struct Backbone
{
    QString path;
    Architecture architecture = Architecture::Baseline;
    Preprocessing preprocessing;
    ClassifierNet net{nullptr};
};

// Where the features come from: pretrained weights with their architecture (and, when given, their input
// normalisation), else a model file, else the catalog's active model.
struct BackboneSource
{
    QString modelPath;
    QString weightsPath;
    QString architecture;
    QVector<double> mean; // three values, or empty: the weights' own (a JSON beside them) or ImageNet's
    QVector<double> std;
    QString purpose; // what needs the features, for messages: "label-issues", "near-duplicates"
};

// The backbone with a head of `classes` outputs. nullopt when the source names nothing and the catalog has no
// active model. Throws WeightsError naming the file (missing, an ensemble, an unknown architecture, a bad
// preprocessing, tensors that do not fit) or std::runtime_error for an unknown --arch.
std::optional<Backbone> loadBackbone(const BackboneSource &source, Catalog &catalog, int classes);

// The hooks a pass over the backbone reports through: progress and cancel to the work's control, and each image that
// cannot be read once into failures (those already listed there count as reported).
TrainingHooks featureHooks(const WorkControl &control, QVector<Problem> &failures);

// The folder beside a catalog where backbone features are kept (catalog.db -> catalog.cache).
QString featureCacheDirOf(const QString &catalogPath);

} // namespace accession::ml
