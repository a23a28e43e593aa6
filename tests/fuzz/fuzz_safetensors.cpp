// The safetensors reader on arbitrary bytes.

#include "ml/tensorio_torch.h"
#include "ml/weightserror.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // Small limits keep every input far under a second; the defaults are tested in tst_weightfiles.
    accession::ml::WeightsLimits limits;
    limits.maxTensorBytes = qint64(16) << 20;
    try {
        accession::ml::readSafetensorsBytes(QStringLiteral("fuzz.safetensors"), data, qint64(size), limits);
    } catch (const accession::WeightsError &) {
        // Refusing is the expected outcome for most inputs; anything else thrown is a finding.
    }
    return 0;
}
