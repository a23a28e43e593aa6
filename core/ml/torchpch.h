// Precompiled header for the few core/ml sources that use LibTorch.
#pragma once
#include <torch/torch.h>
