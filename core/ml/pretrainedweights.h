#pragma once

#include "architecture.h"

#include "catalog/weightsregistry.h"
#include "jobs/job.h"

#include <QMutex>

namespace accession {

// Which network a backbone weights file (torchvision or timm names, safetensors or torch.save) is for, told from
// its tensor names and confirmed by loading it into that network. Throws WeightsError "PATH: reason".
Architecture checkPretrainedWeights(const QString &path);

// The lowercase hex SHA-256 of a weights or model file, by which the catalog knows it; throws WeightsError.
QString sha256OfWeightsFile(const QString &path);

// Checks the file and records it in the catalog (WeightsRegistry); throws WeightsError or CatalogError.
AddedWeights addPretrainedWeights(const QString &catalogPath, const QString &path);

// Model > Add Pretrained Weights off the GUI thread: reading and loading a backbone takes seconds.
class AddWeightsJob : public Job
{
    Q_OBJECT
public:
    AddWeightsJob(QString catalogPath, QString weightsPath, QObject *parent = nullptr);
    QString weightsPath() const { return m_weightsPath; }
    AddedWeights added() const;

protected:
    void run() override;

private:
    QString m_catalogPath;
    QString m_weightsPath;
    mutable QMutex m_mutex;
    AddedWeights m_added;
};

} // namespace accession
