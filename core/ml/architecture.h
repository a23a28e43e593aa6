#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace accession {

// The networks Accession can train and run.
enum class Architecture { Baseline, ResNet18, ResNet50, MobileNetV2 };

QString architectureName(Architecture architecture);          // "baseline", "resnet18", ...
std::optional<Architecture> architectureFromName(const QString &name);
QStringList architectureNames();
// The study's small CNN works on small images; the ImageNet networks on 224 px.
int defaultInputSize(Architecture architecture);

} // namespace accession
