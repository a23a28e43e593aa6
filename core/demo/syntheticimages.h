#pragma once

#include <QString>
#include <QStringList>

namespace accession {

// Generated stand-ins for artwork photographs: each department has its own palette and motif, with
// random placement, scale and noise, so a network can learn them and a person sees they are not real.
struct SyntheticDatasetSpec
{
    QStringList departments;
    int imagesPerDepartment = 20;
    int imageSize = 96;     // longer side in pixels
    quint32 seed = 1;
    QString extension = QStringLiteral("jpg"); // jpg or png
    double labelNoise = 0.0; // share of images drawn with another department's motif
    double ambiguity = 0.0;  // share drawn with this department's palette but another one's motif
};

// The demo's departments (a few of the MET's).
const QStringList &demoDepartments();

// Writes DIR/<department>/<department-slug>-NNNN.<ext>; returns the files written.
// Throws std::runtime_error naming the file when one cannot be written.
QStringList writeSyntheticDataset(const QString &dir, const SyntheticDatasetSpec &spec);

// One image of the given department as encoded bytes (jpg or png).
QByteArray renderSyntheticImage(int departmentIndex, int imageSize, quint32 seed, const QString &extension,
                                int motifDepartmentIndex = -1);

} // namespace accession
