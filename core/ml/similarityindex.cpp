#include "similarityindex.h"

#include "imaging/perceptualhash.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace accession {

namespace {

// Tables enough for a pair at the threshold to share a probed key in at least one of them with this chance.
constexpr double kWantedRecall = 0.97;
constexpr int kMinTables = 8;
constexpr int kMaxTables = 64;
// Past this many items sharing a band, only neighbours in hash order are compared.
constexpr size_t kLargestBandRun = 256;
constexpr size_t kNeighboursInLargeRun = 32;

quint64 pairKey(int a, int b)
{
    return (quint64(quint32(a)) << 32) | quint32(b);
}

float dot(const float *x, const float *y, int dimension)
{
    float sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int i = 0;
    for (; i + 8 <= dimension; i += 8) {
        for (int k = 0; k < 8; ++k)
            sums[k] += x[i + k] * y[i + k];
    }
    float total = 0;
    for (; i < dimension; ++i)
        total += x[i] * y[i];
    for (float sum : sums)
        total += sum;
    return total;
}

} // namespace

std::vector<SimilarRows> similarEmbeddingPairs(const float *rows, int count, int dimension, double threshold, quint64 seed,
                                               const std::function<void()> &checkCancel, int mostNeighbours,
                                               std::vector<int> *crowdedRows)
{
    std::vector<SimilarRows> found;
    if (crowdedRows)
        crowdedRows->clear();
    if (count < 2 || dimension < 1)
        return found;
    std::vector<int> neighbours(size_t(count), 0);
    std::vector<char> crowded(size_t(count), 0);
    const auto countNeighbour = [&](int row) {
        if (mostNeighbours > 0 && ++neighbours[size_t(row)] > mostNeighbours)
            crowded[size_t(row)] = 1;
    };
    // About one random neighbour per probe: 2^bits near count, a couple of bits more to spare the verification.
    const int bits = std::clamp(int(std::ceil(std::log2(double(count)))) + 2, 6, 30);
    // A pair at the threshold falls on the same side of a random hyperplane with chance 1 - angle/pi; it shares a
    // table's probed keys when at most one of the bits differs.
    const double same = 1.0 - std::acos(std::clamp(threshold, -1.0, 1.0)) / M_PI;
    const double perTable = std::pow(same, bits) + bits * std::pow(same, bits - 1) * (1.0 - same);
    const int tables = perTable >= 1.0 ? kMinTables
                                       : std::clamp(int(std::ceil(std::log(1.0 - kWantedRecall) / std::log(1.0 - perTable))),
                                                    kMinTables, kMaxTables);
    torch::NoGradGuard noGrad;
    const torch::Tensor data = torch::from_blob(const_cast<float *>(rows), {count, dimension}, torch::kFloat32);
    torch::Generator generator = at::detail::createCPUGenerator(seed);
    std::unordered_set<quint64> accepted;
    std::vector<std::pair<quint32, int>> order(size_t(count), {0, 0});
    for (int table = 0; table < tables; ++table) {
        if (checkCancel)
            checkCancel();
        const torch::Tensor planes = torch::randn({dimension, bits}, generator, torch::kFloat32);
        const torch::Tensor signs = (torch::mm(data, planes) > 0).to(torch::kInt64);
        const torch::Tensor weights = torch::pow(2, torch::arange(bits, torch::kInt64));
        const torch::Tensor keys = (signs * weights).sum(1).contiguous();
        const int64_t *key = keys.data_ptr<int64_t>();
        for (int i = 0; i < count; ++i)
            order[size_t(i)] = {quint32(key[i]), i};
        std::sort(order.begin(), order.end());
        const auto visit = [&](int i, quint32 probe) {
            auto range = std::equal_range(order.begin(), order.end(), std::make_pair(probe, 0),
                                          [](const auto &x, const auto &y) { return x.first < y.first; });
            for (auto it = range.first; it != range.second && !crowded[size_t(i)]; ++it) {
                const int j = it->second;
                // Each pair is visited from its first row, except that a row goes on counting its neighbours among
                // rows already crowded (which search no further), so that every row of a crowd is found crowded.
                if (j == i || (j < i && !crowded[size_t(j)]))
                    continue;
                const quint64 key = pairKey(std::min(i, j), std::max(i, j));
                if (accepted.count(key))
                    continue;
                const float cosine = dot(rows + size_t(i) * size_t(dimension), rows + size_t(j) * size_t(dimension), dimension);
                if (cosine >= threshold) {
                    accepted.insert(key);
                    if (!crowded[size_t(j)])
                        found.push_back({std::min(i, j), std::max(i, j), double(cosine), -1});
                    countNeighbour(i);
                    countNeighbour(j);
                }
            }
        };
        for (int i = 0; i < count; ++i) {
            if (crowded[size_t(i)])
                continue;
            const quint32 own = quint32(key[i]);
            visit(i, own);
            for (int bit = 0; bit < bits; ++bit)
                visit(i, own ^ (quint32(1) << bit));
        }
    }
    found.erase(std::remove_if(found.begin(), found.end(),
                               [&](const SimilarRows &pair) { return crowded[size_t(pair.a)] || crowded[size_t(pair.b)]; }),
                found.end());
    std::sort(found.begin(), found.end(), [](const SimilarRows &x, const SimilarRows &y) {
        return x.a != y.a ? x.a < y.a : x.b < y.b;
    });
    if (crowdedRows) {
        for (int row = 0; row < count; ++row) {
            if (crowded[size_t(row)])
                crowdedRows->push_back(row);
        }
    }
    return found;
}

std::vector<SimilarRows> nearHashPairs(const std::vector<quint64> &hashes, int maxDistance)
{
    std::vector<SimilarRows> found;
    std::unordered_set<quint64> accepted;
    const int count = int(hashes.size());
    const auto consider = [&](int x, int y) {
        const int a = std::min(x, y);
        const int b = std::max(x, y);
        if (a == b || accepted.count(pairKey(a, b)))
            return;
        const int distance = hammingDistance(hashes[size_t(a)], hashes[size_t(b)]);
        if (distance <= maxDistance) {
            accepted.insert(pairKey(a, b));
            found.push_back({a, b, std::numeric_limits<double>::quiet_NaN(), distance});
        }
    };
    struct Entry
    {
        quint16 band;
        quint64 hash;
        int row;
        bool operator<(const Entry &other) const { return band != other.band ? band < other.band : hash < other.hash; }
    };
    std::vector<Entry> order(static_cast<size_t>(count));
    for (int band = 0; band < 4; ++band) {
        // Sorted by the band, then by the whole hash: a run shares the band, and in a large run neighbours in this
        // order are the likeliest to be close.
        for (int i = 0; i < count; ++i)
            order[size_t(i)] = {perceptualHashBands(hashes[size_t(i)])[size_t(band)], hashes[size_t(i)], i};
        std::sort(order.begin(), order.end());
        size_t begin = 0;
        while (begin < order.size()) {
            size_t end = begin + 1;
            while (end < order.size() && order[end].band == order[begin].band)
                ++end;
            const size_t reach = end - begin <= kLargestBandRun ? end - begin : kNeighboursInLargeRun + 1;
            for (size_t x = begin; x < end; ++x) {
                for (size_t y = x + 1; y < std::min(end, x + reach); ++y)
                    consider(order[x].row, order[y].row);
            }
            begin = end;
        }
    }
    std::sort(found.begin(), found.end(), [](const SimilarRows &x, const SimilarRows &y) {
        return x.a != y.a ? x.a < y.a : x.b < y.b;
    });
    return found;
}

std::vector<std::vector<int>> groupsOfPairs(int count, const std::vector<SimilarRows> &pairs)
{
    std::vector<int> parent(static_cast<size_t>(count));
    std::iota(parent.begin(), parent.end(), 0);
    const auto root = [&](int x) {
        while (parent[size_t(x)] != x) {
            parent[size_t(x)] = parent[size_t(parent[size_t(x)])];
            x = parent[size_t(x)];
        }
        return x;
    };
    for (const SimilarRows &pair : pairs) {
        const int a = root(pair.a);
        const int b = root(pair.b);
        if (a != b)
            parent[size_t(std::max(a, b))] = std::min(a, b);
    }
    std::unordered_map<int, std::vector<int>> byRoot;
    for (int i = 0; i < count; ++i)
        byRoot[root(i)].push_back(i);
    std::vector<std::vector<int>> groups;
    for (auto &entry : byRoot) {
        if (entry.second.size() >= 2)
            groups.push_back(std::move(entry.second));
    }
    std::sort(groups.begin(), groups.end(), [](const auto &x, const auto &y) { return x.front() < y.front(); });
    return groups;
}

} // namespace accession
