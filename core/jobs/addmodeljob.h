#pragma once

#include "jobs/job.h"

#include <QMutex>

namespace accession {

// Model ▸ Add model file… off the GUI thread: loading a model to check it fully can take seconds.
class AddModelJob : public Job
{
    Q_OBJECT
public:
    AddModelJob(QString catalogPath, QString modelPath, QObject *parent = nullptr);
    QString modelPath() const { return m_modelPath; }
    qint64 modelId() const;

protected:
    void run() override;

private:
    QString m_catalogPath;
    QString m_modelPath;
    mutable QMutex m_mutex;
    qint64 m_modelId = 0;
};

} // namespace accession
