// How the near-duplicate indexes scale: random unit embeddings and random 64-bit hashes with planted near pairs,
// timed at growing sizes up to 500,000, against what comparing every pair would cost.
//
//   build/bench/bench_nearduplicates [MAX_ITEMS] [DIMENSION] [THRESHOLD]     (default 500000 1280 0.8)
#include "imaging/perceptualhash.h"
#include "ml/similarityindex.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <random>
#include <set>
#include <vector>

using namespace accession;

namespace {

constexpr int kPlanted = 1000;

void normalise(float *row, int dimension)
{
    double norm = 0;
    for (int d = 0; d < dimension; ++d)
        norm += double(row[d]) * row[d];
    const float scale = float(1.0 / std::sqrt(norm));
    for (int d = 0; d < dimension; ++d)
        row[d] *= scale;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int maxItems = argc > 1 ? std::atoi(argv[1]) : 500000;
    const int dimension = argc > 2 ? std::atoi(argv[2]) : 1280;
    const double threshold = argc > 3 ? std::atof(argv[3]) : 0.8;
    // Twins planted a little above the threshold: cosine = 1 / sqrt(1 + noise^2).
    const double noise = std::sqrt(1.0 / std::pow(std::min(0.999, threshold + 0.04), 2) - 1.0);
    std::mt19937_64 random(7);
    std::normal_distribution<float> normal;

    std::printf("items      embeddings (%d-d, cosine >= %.2f, twins at %.2f)   hashes (<= %d bits)\n", dimension, threshold,
                std::min(0.999, threshold + 0.04), kNearDuplicateHashDistance);
    std::printf("           seconds (cpu seconds)   planted found  other pairs    seconds  planted found (<=3 bits, 4-6 bits)\n");
    std::vector<float> rows(size_t(maxItems) * size_t(dimension));
    for (float &value : rows)
        value = normal(random);
    for (int i = 0; i < maxItems; ++i)
        normalise(rows.data() + size_t(i) * size_t(dimension), dimension);
    std::vector<quint64> allHashes(static_cast<size_t>(maxItems));
    for (quint64 &hash : allHashes)
        hash = random();

    for (int count = maxItems / 8; count <= maxItems; count *= 2) {
        // Rows 0..kPlanted-1 get twins at the end of this size's rows (cosine near the threshold), hashes likewise (1..6 bits).
        // The rows the twins replace are kept and put back afterwards (no copy of the whole set).
        float *data = rows.data();
        const std::vector<float> replaced(rows.begin() + std::ptrdiff_t(size_t(count - kPlanted) * size_t(dimension)),
                                          rows.begin() + std::ptrdiff_t(size_t(count) * size_t(dimension)));
        std::vector<quint64> hashes(allHashes.begin(), allHashes.begin() + count);
        int close = 0;
        int above = 0; // planted twins whose cosine reached the threshold: the pairs there are to find
        std::uniform_int_distribution<int> bit(0, 63);
        for (int i = 0; i < kPlanted; ++i) {
            float *twin = data + size_t(count - 1 - i) * size_t(dimension);
            const float *original = data + size_t(i) * size_t(dimension);
            for (int d = 0; d < dimension; ++d)
                twin[d] = original[d] + float(noise) * normal(random) / std::sqrt(float(dimension));
            normalise(twin, dimension);
            float cosine = 0;
            for (int d = 0; d < dimension; ++d)
                cosine += twin[d] * original[d];
            above += cosine >= threshold ? 1 : 0;
            quint64 flipped = hashes[size_t(i)];
            std::set<int> bits;
            while (int(bits.size()) < 1 + i % kNearDuplicateHashDistance)
                bits.insert(bit(random));
            for (const int b : bits)
                flipped ^= quint64(1) << b;
            hashes[size_t(count - 1 - i)] = flipped;
            close += bits.size() <= 3 ? 1 : 0;
        }
        QElapsedTimer timer;
        timer.start();
        const std::clock_t cpuStart = std::clock();
        const std::vector<SimilarRows> similar = similarEmbeddingPairs(data, count, dimension, threshold);
        const double embeddingSeconds = timer.elapsed() / 1000.0;
        const double embeddingCpuSeconds = double(std::clock() - cpuStart) / CLOCKS_PER_SEC; // wall time on a busy machine misleads
        int plantedFound = 0; // of the planted twins above the threshold
        for (const SimilarRows &pair : similar)
            plantedFound += (pair.a < kPlanted && pair.b == count - 1 - pair.a) ? 1 : 0;
        timer.restart();
        const std::vector<SimilarRows> near = nearHashPairs(hashes, kNearDuplicateHashDistance);
        const double hashSeconds = timer.elapsed() / 1000.0;
        int closeFound = 0;
        int farFound = 0;
        for (const SimilarRows &pair : near) {
            if (pair.a < kPlanted && pair.b == count - 1 - pair.a)
                (1 + pair.a % kNearDuplicateHashDistance <= 3 ? closeFound : farFound) += 1;
        }
        std::printf("%7d    %7.2f (%7.2f cpu)  %5d/%-5d  %11lld    %7.3f  %4d/%d, %4d/%d\n", count, embeddingSeconds, embeddingCpuSeconds, plantedFound, above,
                    (long long)(similar.size()) - plantedFound, hashSeconds, closeFound, close, farFound, kPlanted - close);
        std::fflush(stdout);
        std::copy(replaced.begin(), replaced.end(), rows.begin() + std::ptrdiff_t(size_t(count - kPlanted) * size_t(dimension)));
    }
    std::printf("all pairs at %d items: %.3g cosines of %d floats (the quadratic cost the index avoids)\n", maxItems,
                double(maxItems) * (maxItems - 1) / 2, dimension);
    return 0;
}
