#pragma once

#include <QDateTime>
#include <QString>
#include <QVector>

#include <optional>

namespace accession {

class Catalog;

// A backbone weights file the curator added, to start training from.
struct AddedWeights
{
    qint64 id = 0;
    QString path;
    QString architecture; // architectureName(): "mobilenet_v2", "resnet18", ...
    QString sha256;
    QDateTime addedAt;
};

// The catalog's added pretrained weights, known by content hash, so that training presets can pick them.
class WeightsRegistry
{
public:
    explicit WeightsRegistry(Catalog &catalog);

    // Records a checked weights file; adding the same bytes again refreshes its path and time (same id).
    qint64 add(const QString &path, const QString &architecture, const QString &sha256);
    // Most recently added first.
    QVector<AddedWeights> weights() const;
    // The most recently added weights for this architecture whose file is still there.
    std::optional<AddedWeights> latestFor(const QString &architecture) const;

private:
    Catalog &m_catalog;
};

} // namespace accession
