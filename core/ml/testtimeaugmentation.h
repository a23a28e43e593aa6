#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace accession {

// Which views of each photograph a model averages when it predicts: a property of the model (its card), so that
// evaluation, classification and the review queue all see the same probabilities.
enum class TestTimeAugmentation {
    None,       // the centre crop alone
    Flip,       // the centre crop and its mirror image
    FlipScales, // both, also enlarged to a second input size (testTimeLargerSize)
};

QString testTimeAugmentationName(TestTimeAugmentation views); // "none", "flip", "flip-scales"
std::optional<TestTimeAugmentation> testTimeAugmentationFromName(const QString &name);
QStringList testTimeAugmentationNames();
int testTimeViewCount(TestTimeAugmentation views);
// The second scale of FlipScales: about 8/7 of the input (224 -> 256, 128 -> 160), a multiple of 32 where that
// is larger, since the networks' strides make other sizes do worse (bench/README.md, "Test-time resolution").
int testTimeLargerSize(int inputSize);

} // namespace accession
