#pragma once

#include <QMap>
#include <QString>

#include <cstdint>
#include <vector>

namespace accession {

// A float tensor in host memory, for passing data across the public API without Torch types.
struct HostTensor
{
    std::vector<int64_t> shape;
    std::vector<float> values;

    int64_t numel() const
    {
        int64_t n = 1;
        for (int64_t size : shape)
            n *= size;
        return n;
    }
};

// Every tensor of a safetensors or torch.save file, converted to float. Throws WeightsError.
QMap<QString, HostTensor> readTensorFile(const QString &path);

} // namespace accession
