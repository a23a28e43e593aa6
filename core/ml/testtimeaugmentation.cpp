#include "testtimeaugmentation.h"

#include <algorithm>
#include <cmath>

namespace accession {

QString testTimeAugmentationName(TestTimeAugmentation views)
{
    switch (views) {
    case TestTimeAugmentation::None: return QStringLiteral("none");
    case TestTimeAugmentation::Flip: return QStringLiteral("flip");
    case TestTimeAugmentation::FlipScales: return QStringLiteral("flip-scales");
    }
    return QStringLiteral("none");
}

std::optional<TestTimeAugmentation> testTimeAugmentationFromName(const QString &name)
{
    for (TestTimeAugmentation views : {TestTimeAugmentation::None, TestTimeAugmentation::Flip, TestTimeAugmentation::FlipScales}) {
        if (name == testTimeAugmentationName(views))
            return views;
    }
    return std::nullopt;
}

QStringList testTimeAugmentationNames()
{
    return {QStringLiteral("none"), QStringLiteral("flip"), QStringLiteral("flip-scales")};
}

int testTimeViewCount(TestTimeAugmentation views)
{
    switch (views) {
    case TestTimeAugmentation::None: return 1;
    case TestTimeAugmentation::Flip: return 2;
    case TestTimeAugmentation::FlipScales: return 4;
    }
    return 1;
}

int testTimeLargerSize(int inputSize)
{
    const int nearestMultipleOf32 = int(std::lround(inputSize * 8.0 / 7.0 / 32.0)) * 32;
    return std::max(inputSize + 16, nearestMultipleOf32);
}

} // namespace accession
