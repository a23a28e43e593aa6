#pragma once

// Torch-side header: include only from core/ml sources.

#include <QString>

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace accession::ml {

// Tensors by name, in file order, with the file's string metadata.
struct NamedTensors
{
    std::vector<std::string> names;
    std::map<std::string, torch::Tensor> tensors;
    std::map<std::string, std::string> metadata;

    void add(const std::string &name, torch::Tensor tensor);
};

// Tensor data one weights file may load: ResNet-50 in float32 is 98 MB, so this leaves room for far bigger
// networks while a hostile file that claims terabytes is refused before anything is allocated.
inline constexpr qint64 kDefaultMaxTensorBytes = qint64(4096) << 20;
// Values (and references to them) one torch.save pickle may create: a ResNet-50 state dict needs about
// 10,000, a checkpoint with optimizer state a few times that; each costs about 150 bytes.
inline constexpr qint64 kDefaultMaxPickleValues = 1000000;

// What one weights file may make Accession allocate; a file past these is refused, not obeyed.
struct WeightsLimits
{
    qint64 maxTensorBytes = kDefaultMaxTensorBytes;   // ACCESSION_MAX_WEIGHTS_MB, in MiB
    qint64 maxPickleValues = kDefaultMaxPickleValues; // ACCESSION_MAX_PICKLE_VALUES

    // The defaults, overridden by the environment variables named above (read on each call).
    static WeightsLimits fromEnvironment();
};

// safetensors: https://github.com/huggingface/safetensors (header JSON + raw little-endian data).
NamedTensors readSafetensors(const QString &path);
// The same from bytes in memory; path only names them in messages.
NamedTensors readSafetensorsBytes(const QString &path, const uchar *data, qint64 size,
                                  const WeightsLimits &limits = WeightsLimits::fromEnvironment());
// Writes atomically (temporary file, then rename). Throws WeightsError.
void writeSafetensors(const QString &path, const NamedTensors &tensors);

// A state dict saved by torch.save (the zip format of PyTorch 1.6 and later). Nothing in the file is
// executed: only dicts, lists, tuples, numbers, strings and tensor storages are understood.
NamedTensors readTorchSave(const QString &path);
// The same from the archive's bytes in memory; path only names them in messages.
NamedTensors readTorchSaveBytes(const QString &path, const uchar *data, qint64 size,
                                const WeightsLimits &limits = WeightsLimits::fromEnvironment());

// Fills destination with the bytes of storage record data/<key>; throws WeightsError when the record is
// missing or does not hold exactly that many bytes.
using StorageLoader = std::function<void(const std::string &key, void *destination, qint64 bytes)>;
// The state dict in a torch.save pickle (the archive's data.pkl), its storages read through loadStorage.
NamedTensors readPickledStateDict(const QString &path, std::string_view pickle, const StorageLoader &loadStorage,
                                  const WeightsLimits &limits = WeightsLimits::fromEnvironment());

// Either format, by content; the legacy torch.save format of PyTorch before 1.6 is recognised and refused.
// Every reader here refuses floating-point tensors holding NaN or infinity, and throws only WeightsError,
// with a one-line message that starts with the path.
NamedTensors readWeightsFile(const QString &path);
// The network's tensors in a weights or model file: readWeightsFile without a model file's feature bank
// (kFeatureBankTensor, kept for its out-of-scope score), which is no part of the network.
NamedTensors readNetworkTensors(const QString &path);

} // namespace accession::ml
