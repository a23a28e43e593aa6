#pragma once

// Torch-side header: include only from core/ml sources.

#include <QString>

#include <torch/torch.h>

#include <map>
#include <string>
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

// safetensors: https://github.com/huggingface/safetensors (header JSON + raw little-endian data).
NamedTensors readSafetensors(const QString &path);
// Writes atomically (temporary file, then rename). Throws WeightsError.
void writeSafetensors(const QString &path, const NamedTensors &tensors);

// A state dict saved by torch.save (the zip format of PyTorch 1.6 and later). Nothing in the file is
// executed: only dicts, lists, tuples, numbers, strings and tensor storages are understood.
NamedTensors readTorchSave(const QString &path);

// Either format, by content. Throws WeightsError naming the file.
NamedTensors readWeightsFile(const QString &path);

} // namespace accession::ml
