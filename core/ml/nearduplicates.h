#pragma once

#include "catalog/catalogtypes.h"
#include "catalog/problem.h"
#include "catalog/workcontrol.h"
#include "imaging/perceptualhash.h"

#include <QString>
#include <QVector>

namespace accession {

// Embeddings at least this alike (cosine of the backbone's features, centred on the catalog's mean and
// L2-normalised) are near-duplicates. Chosen by measurement (bench/README.md): at 0.80 altered copies were found more
// often (recall 0.89 with the hashes, against 0.70), but 2,565 MET photographs of distinct objects then formed 95
// false pairs, chained into groups of up to 16 polearms or sword guards photographed alike; at 0.90, 7.
constexpr double kDefaultNearDuplicateCosine = 0.90;
// A photograph alike by features to more than this many others is compared by its hash alone: the backbone cannot
// tell it apart from them. A model trained on the catalog makes each department's photographs alike: on the demo its
// features paired 340 photographs 8,720 times and chained them into three groups of 63 to 139. Real near-duplicates
// (an object photographed a few times, its copies) stay far below it.
constexpr int kMostFeatureNeighbours = 16;

struct NearDuplicateRequest
{
    QString catalogPath;
    // The backbone giving the embeddings: a model file (empty: the catalog's active model), or pretrained weights
    // with their architecture. With none of them and no active model, perceptual hashes alone are compared.
    QString modelPath;
    QString weightsPath;
    QString architecture;
    QVector<double> mean; // with weightsPath: the network's input normalisation, when not ImageNet's
    QVector<double> std;
    bool useEmbeddings = true; // false: perceptual hashes only, no network
    double cosineThreshold = kDefaultNearDuplicateCosine;
    int mostFeatureNeighbours = kMostFeatureNeighbours;
    int hashDistance = kNearDuplicateHashDistance;
    int batchSize = 32;
    int threads = 0; // 0: the default
    bool saveGroups = true; // replace the catalog's saved groups with the ones found
};

struct NearDuplicateReport
{
    QVector<NearDuplicateGroup> groups; // largest first; ids set when saved
    qint64 itemsChecked = 0;
    qint64 hashesFilled = 0; // items imported before hashes existed, hashed now
    qint64 embeddingPairs = 0;
    qint64 crowdedItems = 0; // alike by features to more than mostFeatureNeighbours others: compared by hashes alone
    qint64 hashPairs = 0;
    QString backbone; // the weights file whose features were compared; empty when hashes alone were
    QString note;     // why embeddings were not compared, or for which photographs (crowdedItems), when they were not
    QVector<Problem> failures;
    double seconds = 0;
};

// Finds groups of near-duplicate photographs in a catalog: hashes each item that has none yet (decoding it within
// the decode budget), pairs hashes within hashDistance bits and embeddings within cosineThreshold through indexes
// that stay sub-quadratic (ml/similarityindex.h), joins pairs into groups and, unless told not to, saves them in the
// catalog in place of the last check's. A photograph that cannot be read is a failure; the rest goes on.
NearDuplicateReport findNearDuplicates(const NearDuplicateRequest &request, const WorkControl &control = {});

} // namespace accession
