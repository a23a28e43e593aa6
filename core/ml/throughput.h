#pragma once

#include "architecture.h"

namespace accession {

// The network's own speed on random, pre-decoded input: the ceiling a data pipeline can approach.
struct CeilingRequest
{
    Architecture architecture = Architecture::ResNet18;
    int classes = 9;
    int imageSize = 224;
    int batchSize = 32;
    int batches = 5;
    int threads = 0;
    bool channelsLast = true;  // as training and inference run
    bool foldBatchNorm = true; // inference only, as the classifier runs
};

// Images per second of forward + backward + AdamW step (training) or of forward alone in eval mode.
double trainingCeiling(const CeilingRequest &request);
double inferenceCeiling(const CeilingRequest &request);

} // namespace accession
