#pragma once

#include <QtGlobal>

#include <array>
#include <optional>

namespace accession {

// A 64-bit DCT hash of a photograph's coarse shape, so that the same picture resized, recompressed or slightly
// cropped is found without comparing pixels: two hashes a few bits apart are near-duplicates.
constexpr int kPerceptualHashBits = 64;

// Hashes at most this many bits apart are taken as near-duplicates. Measured (bench/README.md): resized and
// recompressed copies of MET photographs hash 0 or 2 bits from their originals (153 of 177 found within 6), while
// distinct objects photographed alike on a plain ground (a flute and a tall clock) come within 4 to 6 bits: 21 false
// pairs among 2,565 MET photographs at 6 bits, none at 2. At 2 the band index is also exact (a band always agrees).
constexpr int kNearDuplicateHashDistance = 2;

// The hash of packed 8-bit RGB pixels (rowStride bytes per row); empty when the image is too small (under 8x8)
// or flat (no structure to hash: every flat image would otherwise match every other).
std::optional<quint64> perceptualHashOfRgb(const uchar *pixels, int width, int height, qsizetype rowStride);

int hammingDistance(quint64 a, quint64 b);

// The hash cut into four 16-bit bands: two hashes within 3 bits share at least one band exactly, so a lookup by
// band equality (an index per band) finds them without a scan; farther matches are found when a band agrees.
std::array<quint16, 4> perceptualHashBands(quint64 hash);

} // namespace accession
