#pragma once

#include <QtGlobal>

#include <array>
#include <optional>

namespace accession {

// A 64-bit DCT hash of a photograph's coarse shape, so that the same picture resized, recompressed or slightly
// cropped is found without comparing pixels: two hashes a few bits apart are near-duplicates.
constexpr int kPerceptualHashBits = 64;

// Hashes at most this many bits apart are taken as near-duplicates (measured in bench/near_duplicates.sh).
constexpr int kNearDuplicateHashDistance = 6;

// The hash of packed 8-bit RGB pixels (rowStride bytes per row); empty when the image is too small (under 8x8)
// or flat (no structure to hash: every flat image would otherwise match every other).
std::optional<quint64> perceptualHashOfRgb(const uchar *pixels, int width, int height, qsizetype rowStride);

int hammingDistance(quint64 a, quint64 b);

// The hash cut into four 16-bit bands: two hashes within 3 bits share at least one band exactly, so a lookup by
// band equality (an index per band) finds them without a scan; farther matches are found when a band agrees.
std::array<quint16, 4> perceptualHashBands(quint64 hash);

} // namespace accession
