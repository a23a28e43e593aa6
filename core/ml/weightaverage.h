#pragma once

#include <QtGlobal>

namespace accession {

// How much of the running average of the weights the update after `updatesDone` optimizer steps keeps:
// 1 - 1/horizonSteps once warm, less while few steps have been averaged ((1 + n) / (10 + n), as timm's model
// EMA warms up), so that the random or pretrained starting weights do not linger in the average.
double weightAverageDecay(qint64 updatesDone, double horizonSteps);

} // namespace accession
