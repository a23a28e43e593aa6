#pragma once

#include "jobs/job.h"

namespace accession {

// Builds the built-in demo: generated images of a few departments, imported into a catalog in dir.
class DemoCatalogJob : public Job
{
    Q_OBJECT
public:
    explicit DemoCatalogJob(QString dir, QObject *parent = nullptr);

    static QString defaultDir();
    static QString catalogPathIn(const QString &dir);
    // True when the demo catalog in dir is complete (a finished build leaves a marker setting).
    static bool isBuilt(const QString &dir);

    static constexpr int kImagesPerDepartment = 60;
    static constexpr int kUnlabelledImages = 40;

protected:
    void run() override;

private:
    QString m_dir;
};

} // namespace accession
