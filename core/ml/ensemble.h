#pragma once

#include "evaluation.h"
#include "modelcard.h"

#include "catalog/workcontrol.h"

#include <QStringList>

#include <optional>

namespace accession {

// Which trained models to join into one ensemble file, and where to calibrate it.
struct EnsembleRequest
{
    QStringList memberPaths; // two or more model files with the same classes in the same order
    QString outPath;         // the ensemble's .safetensors; its card is written beside it
    QString catalogPath;     // optional: refit temperature and threshold on the first member's validation split
    TestTimeAugmentation testTimeAugmentation = TestTimeAugmentation::None;
    int threads = 0;
};

struct EnsembleResult
{
    ModelCard card;
    std::optional<EvaluationResult> validation; // with a catalog: the ensemble measured on the members' split
};

// Writes one model file holding every member's network (tensors "members.<i>.<name>") and a card listing each
// member's architecture, input and temperature; predictions are the mean of the members' calibrated
// probabilities. Without a catalog the ensemble's temperature is 1 and its threshold the strictest member's.
// Throws WeightsError naming the file at fault (members whose classes differ, an ensemble given as a member).
EnsembleResult buildEnsemble(const EnsembleRequest &request, const WorkControl &control = {});

} // namespace accession
