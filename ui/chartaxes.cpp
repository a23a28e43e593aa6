#include "chartaxes.h"

#include <QValueAxis>

#include <algorithm>

namespace accession {

QValueAxis *unitAxis(const QString &title)
{
    auto *axis = new QValueAxis;
    axis->setRange(0, 1);
    axis->setTickCount(kUnitAxisTicks);
    axis->setTitleText(title);
    axis->setLabelFormat(QStringLiteral("%.1f"));
    return axis;
}

int epochTickStep(int lastEpoch)
{
    constexpr int kMaxTicks = 8;
    int step = 1;
    for (int scale = 1;; scale *= 10) {
        for (int factor : {1, 2, 5}) {
            step = factor * scale;
            if (std::max(lastEpoch, 2) / step <= kMaxTicks)
                return step;
        }
    }
}

void setEpochRange(QValueAxis *axis, int lastEpoch)
{
    axis->setLabelFormat(QStringLiteral("%d"));
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0);
    axis->setTickInterval(epochTickStep(lastEpoch));
    axis->setRange(1, std::max(2, lastEpoch));
}

} // namespace accession
