#pragma once

#include <QtGlobal>

#include <functional>
#include <vector>

namespace accession {

// Two rows found alike by an index.
struct SimilarRows
{
    int a = 0; // a < b
    int b = 0;
    double cosine = 0;   // embeddings
    int hashDistance = 0; // perceptual hashes
};

// Pairs of L2-normalised rows (count x dimension floats, row-major) whose cosine is at least threshold, found with
// random-hyperplane LSH (tables of log2(count) + 2 signs, each probed at its key and the keys one bit away), so that
// the work grows about as count log count, not count squared. As many tables (8 to 64) as a pair at the threshold
// needs to be found with a chance of 97%; pairs more alike are found more surely. checkCancel is called between
// tables.
// mostNeighbours > 0: a row found alike to more than that many others is crowded, and the embedding cannot tell it
// apart from them (a classifier trained on the catalog makes each class's photographs alike, and chains of such
// pairs would join a whole class into one group): its pairs are left out and it is searched no further, which also
// bounds the pairs kept and the work. crowdedRows, when given, receives those rows, ascending.
std::vector<SimilarRows> similarEmbeddingPairs(const float *rows, int count, int dimension, double threshold,
                                               quint64 seed = 1, const std::function<void()> &checkCancel = {},
                                               int mostNeighbours = 0, std::vector<int> *crowdedRows = nullptr);

// Pairs of hashes at most maxDistance bits apart, found through four 16-bit bands (complete up to 3 bits; farther
// pairs are found when a band agrees). A band shared by very many hashes (a common blank ground) is searched among
// near neighbours in hash order only, so the work stays near linear.
std::vector<SimilarRows> nearHashPairs(const std::vector<quint64> &hashes, int maxDistance);

// Joins pairs into groups of two or more rows (union-find); each group's rows ascending, groups by their first row.
std::vector<std::vector<int>> groupsOfPairs(int count, const std::vector<SimilarRows> &pairs);

} // namespace accession
