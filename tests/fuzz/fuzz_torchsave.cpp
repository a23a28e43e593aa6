// A whole torch.save archive on arbitrary bytes: the zip directory and records, then the pickle.

#include "ml/tensorio_torch.h"
#include "ml/weightserror.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // Small limits keep every input far under a second; the defaults are tested in tst_weightfiles.
    accession::ml::WeightsLimits limits;
    limits.maxTensorBytes = qint64(16) << 20;
    limits.maxPickleValues = 100000;
    try {
        accession::ml::readTorchSaveBytes(QStringLiteral("fuzz.pth"), data, qint64(size), limits);
    } catch (const accession::WeightsError &) {
        // Refusing is the expected outcome for most inputs; anything else thrown is a finding.
    }
    return 0;
}
