#include "democatalogjob.h"

#include "catalog/catalog.h"
#include "demo/syntheticimages.h"
#include "ingest/importer.h"
#include "ml/classifier.h"
#include "ml/trainer.h"

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
    reportProgress(0, 5, tr("Generating demo images"));
    const QString labelledDir = m_dir + QStringLiteral("/images/labelled");
    const QString incomingDir = m_dir + QStringLiteral("/images/incoming");
    // A half-built demo from an interrupted start is rebuilt from scratch.
    QDir(m_dir).removeRecursively();
    SyntheticDatasetSpec spec;
    spec.departments = demoDepartments();
    spec.imagesPerDepartment = kImagesPerDepartment;
    spec.imageSize = 160;
    spec.seed = 2024;
    // Like real collections, some works carry another department's cues and a few labels are wrong.
    spec.ambiguity = 0.25;
    spec.labelNoise = 0.04;
    writeSyntheticDataset(labelledDir, spec);
    throwIfCancelled();

    // Incoming works: the same departments, unlabelled, waiting to be classified.
    SyntheticDatasetSpec incoming = spec;
    incoming.imagesPerDepartment = kUnlabelledImages / int(spec.departments.size());
    incoming.seed = 7;
    incoming.ambiguity = 0.5; // many incoming works mix two departments' cues: the review queue's share
    incoming.labelNoise = 0.0;
    const QStringList incomingFiles = writeSyntheticDataset(incomingDir + QStringLiteral("/by-department"), incoming);
    // Incoming works arrive without a department, and so do their file names.
    for (int i = 0; i < incomingFiles.size(); ++i)
        QFile::rename(incomingFiles[i], QStringLiteral("%1/incoming-%2.jpg").arg(incomingDir).arg(i + 1, 4, 10, QLatin1Char('0')));
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
        reportProgress(step, 5, message);
        // Only the cancel: the demo's progress counts its five steps, not the files of each import.
        WorkControl control;
        control.isCancelled = [this] { return isCancelRequested(); };
        ImportSummary imported;
        importIntoCatalog(catalogPath, request, imported, control);
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

    throwIfCancelled();

    // A model trained on the demo's labels at first start, so every view has something to show.
    reportProgress(3, 5, tr("Training the demo model (a minute or two)"));
    TrainingOptions training;
    training.catalogPath = catalogPath;
    training.architecture = Architecture::Baseline;
    training.imageSize = 40;
    training.epochs = 12;
    training.batchSize = 16;
    training.seed = 11;
    training.outPath = m_dir + QStringLiteral("/models/demo-baseline.safetensors");
    training.targetAccuracy = 0.92; // with 60 validation images, 95% would file almost nothing automatically
    TrainingControl trainingControl;
    trainingControl.work.progress = [this](qint64, qint64, const QString &message) { reportProgress(3, 5, message); };
    trainingControl.work.isCancelled = [this] { return isCancelRequested(); };
    TrainingRecord record;
    trainModel(training, record, trainingControl); // a cancel unwinds from here as this job's own
    reportProgress(4, 5, tr("Classifying the incoming demo images"));
    ClassifyRequest classify;
    classify.catalogPath = catalogPath;
    classify.modelPath = training.outPath;
    WorkControl cancelOnly;
    cancelOnly.isCancelled = [this] { return isCancelRequested(); };
    ClassifySummary classified;
    classifyCatalog(classify, classified, cancelOnly);

    Catalog catalog(catalogPath);
    catalog.setSetting(kBuiltKey, QStringLiteral("1"));
    reportProgress(5, 5, tr("Demo catalog ready"));
}

} // namespace accession
