// The torch.save pickle reader (an archive's data.pkl) on arbitrary bytes; storages are filled from the input.

#include "ml/tensorio_torch.h"
#include "ml/weightserror.h"

#include <cstdint>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // Small limits keep every input far under a second; the defaults are tested in tst_weightfiles.
    accession::ml::WeightsLimits limits;
    limits.maxTensorBytes = qint64(16) << 20;
    limits.maxPickleValues = 100000;
    // Storage bytes repeat the input, so NaN and infinity reach the finiteness check too.
    const accession::ml::StorageLoader loadStorage = [&](const std::string &, void *destination, qint64 bytes) {
        auto *out = static_cast<uint8_t *>(destination);
        for (qint64 i = 0; i < bytes; ++i)
            out[i] = size > 0 ? data[size_t(i) % size] : 0;
    };
    try {
        accession::ml::readPickledStateDict(QStringLiteral("fuzz.pkl"), std::string_view(reinterpret_cast<const char *>(data), size),
                                            loadStorage, limits);
    } catch (const accession::WeightsError &) {
        // Refusing is the expected outcome for most inputs; anything else thrown is a finding.
    }
    return 0;
}
