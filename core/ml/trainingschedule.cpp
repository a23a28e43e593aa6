#include "trainingschedule.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace accession {

bool stopsEarly(int epochsDone, int phaseEpochs, int epochsSinceBest, int patience)
{
    if (patience <= 0)
        return false;
    const int lastThirdStarts = phaseEpochs - phaseEpochs / 3;
    const int countedSinceBest = epochsDone - std::max(epochsDone - epochsSinceBest, lastThirdStarts);
    return countedSinceBest >= patience;
}

double scheduledRate(double base, qint64 step, qint64 totalSteps, qint64 warmupSteps)
{
    if (warmupSteps > 0 && step < warmupSteps)
        return base * double(step + 1) / double(warmupSteps);
    const double progress = totalSteps > warmupSteps ? double(step - warmupSteps) / double(totalSteps - warmupSteps) : 1.0;
    return base * (0.01 + 0.99 * 0.5 * (1.0 + std::cos(M_PI * std::clamp(progress, 0.0, 1.0))));
}

quint64 mixSeed(quint64 a, quint64 b)
{
    quint64 x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull);
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    return x ^ (x >> 29);
}

std::vector<int> shuffledOrder(int count, quint64 seed)
{
    std::vector<int> order(static_cast<size_t>(count));
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    return order;
}

std::vector<int> identityOrder(int count)
{
    std::vector<int> order(static_cast<size_t>(count));
    std::iota(order.begin(), order.end(), 0);
    return order;
}

} // namespace accession
