#pragma once

#include <QString>

QT_BEGIN_NAMESPACE
class QValueAxis;
QT_END_NAMESPACE

namespace accession {

// Ticks of a 0..1 axis: every 0.2, so that one decimal names each tick exactly (0.25 steps read 0.3 and 0.8).
constexpr int kUnitAxisTicks = 6;

// A 0..1 axis (accuracy, confidence, coverage) whose tick labels are exact.
QValueAxis *unitAxis(const QString &title);

// The whole-epoch step between ticks for a run of lastEpoch epochs: 1, 2, 5, 10, 20, 50... at most 8 ticks.
int epochTickStep(int lastEpoch);

// Shows epochs 1..lastEpoch (at least 1..2) with ticks only at whole epochs, so labels never read "0 0 0 1".
void setEpochRange(QValueAxis *axis, int lastEpoch);

} // namespace accession
