#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

namespace accession {

// Class indices from the most to the least likely, for scores that are probabilities or logits alike. Ties keep
// the classes' order and NaN ranks last, so a broken score is never the prediction and sorting stays well-defined.
// The one ranking the classifier, the metrics, the review store and the review view share.
template <typename Score>
std::vector<int> rankedClasses(const Score *scores, std::size_t count)
{
    std::vector<int> order(count);
    std::iota(order.begin(), order.end(), 0);
    const auto key = [scores](int index) {
        const double value = double(scores[index]);
        return std::isnan(value) ? -INFINITY : value;
    };
    std::stable_sort(order.begin(), order.end(), [&key](int a, int b) { return key(a) > key(b); });
    return order;
}

template <typename Scores>
std::vector<int> rankedClasses(const Scores &scores)
{
    return rankedClasses(scores.data(), scores.size());
}

} // namespace accession
