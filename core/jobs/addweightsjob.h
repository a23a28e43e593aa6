#pragma once

#include "catalog/weightsregistry.h"
#include "jobs/job.h"

#include <QMutex>

namespace accession {

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
