#include "democatalogjob.h"

#include "catalog/catalog.h"
#include "ingest/importjob.h"
#include "syntheticimages.h"

#include <QDir>
#include <QStandardPaths>

namespace accession {

namespace {
const QString kBuiltKey = QStringLiteral("demo_built");
}

DemoCatalogJob::DemoCatalogJob(QString dir, QObject *parent)
    : Job(parent)
    , m_dir(std::move(dir))
{
}

QString DemoCatalogJob::defaultDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/demo");
}

QString DemoCatalogJob::catalogPathIn(const QString &dir)
{
    return dir + QStringLiteral("/demo-catalog.db");
}

bool DemoCatalogJob::isBuilt(const QString &dir)
{
    if (!QFileInfo::exists(catalogPathIn(dir)))
        return false;
    try {
        Catalog catalog(catalogPathIn(dir));
        return catalog.setting(kBuiltKey) == QLatin1String("1");
    } catch (const CatalogError &) {
        return false;
    }
}

void DemoCatalogJob::run()
{
    reportProgress(0, 3, tr("Generating demo images"));
    const QString labelledDir = m_dir + QStringLiteral("/images/labelled");
    const QString incomingDir = m_dir + QStringLiteral("/images/incoming");
    // A half-built demo from an interrupted start is rebuilt from scratch.
    QDir(m_dir).removeRecursively();
    SyntheticDatasetSpec spec;
    spec.departments = demoDepartments();
    spec.imagesPerDepartment = kImagesPerDepartment;
    spec.imageSize = 160;
    spec.seed = 2024;
    writeSyntheticDataset(labelledDir, spec);
    throwIfCancelled();

    // Incoming works: the same departments, unlabelled, waiting to be classified.
    SyntheticDatasetSpec incoming = spec;
    incoming.imagesPerDepartment = kUnlabelledImages / int(spec.departments.size());
    incoming.seed = 7;
    const QStringList incomingFiles = writeSyntheticDataset(incomingDir + QStringLiteral("/by-department"), incoming);
    for (const QString &file : incomingFiles)
        QFile::rename(file, incomingDir + QLatin1Char('/') + QFileInfo(file).fileName());
    QDir(incomingDir + QStringLiteral("/by-department")).removeRecursively();
    throwIfCancelled();

    const QString catalogPath = catalogPathIn(m_dir);
    {
        Catalog catalog(catalogPath, Catalog::OpenMode::CreateIfMissing);
        catalog.setSetting(QStringLiteral("demo_notice"),
                           tr("Demo catalog: every image in it is generated (coloured motifs standing in for "
                              "photographs of artworks), not a real collection."));
    }
    const auto runImport = [&](ImportRequest request, int step, const QString &message) {
        reportProgress(step, 3, message);
        ImportJob job(catalogPath, std::move(request));
        job.followCancelOf(this);
        if (!job.exec()) {
            throwIfCancelled();
            throw std::runtime_error(tr("the demo import failed").toStdString());
        }
    };
    ImportRequest labelled;
    labelled.source = ImportRequest::Source::DepartmentFolders;
    labelled.foldersDir = labelledDir;
    runImport(labelled, 1, tr("Importing labelled demo images"));
    throwIfCancelled();
    ImportRequest unlabelled;
    unlabelled.source = ImportRequest::Source::Unlabelled;
    unlabelled.paths = {incomingDir};
    runImport(unlabelled, 2, tr("Importing incoming demo images"));

    Catalog catalog(catalogPath);
    catalog.setSetting(kBuiltKey, QStringLiteral("1"));
    reportProgress(3, 3, tr("Demo catalog ready"));
}

} // namespace accession
