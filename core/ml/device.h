#pragma once

#include <QString>

namespace accession {

// Sets LibTorch's (and OpenCV's) thread counts; 0 means one per core. Returns the count used.
int configureComputeThreads(int threads = 0);
// "cuda" when a CUDA device is usable, else "cpu" (or what ACCESSION_DEVICE asks for).
QString computeDeviceName();

} // namespace accession
