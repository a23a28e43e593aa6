#pragma once

#include <QtGlobal>

#include <vector>

namespace accession {

// Whether a phase of `phaseEpochs` stops after `epochsDone` of them, `epochsSinceBest` epochs after the best
// validation accuracy. Only epochs in the last third of the phase count toward `patience` (0: never stop): before
// that the cosine schedule's rate is high and validation accuracy swings (bench/README.md, "Where the defaults
// come from").
bool stopsEarly(int epochsDone, int phaseEpochs, int epochsSinceBest, int patience);

// The learning rate at `step` of `totalSteps`: a linear warm-up over `warmupSteps`, then cosine decay to 1% of base.
double scheduledRate(double base, qint64 step, qint64 totalSteps, qint64 warmupSteps);

// A seed for one use (a phase's epoch, the head's shuffles) derived from the run's seed, so that each is
// reproducible on its own and a resumed run draws what the uninterrupted one would have.
quint64 mixSeed(quint64 a, quint64 b);
// 0..count-1 shuffled by the seed; in order.
std::vector<int> shuffledOrder(int count, quint64 seed);
std::vector<int> identityOrder(int count);

} // namespace accession
