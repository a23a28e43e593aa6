#include "testcatalogs.h"

#include "catalog/catalog.h"
#include "catalog/itemquery.h"
#include "catalog/reviewstore.h"
#include "demo/syntheticimages.h"
#include "jobs/classifyjob.h"
#include "jobs/importjob.h"
#include "jobs/trainingjob.h"

#include <QDir>

#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <stdexcept>

namespace accession::test {

QStringList writeDepartmentFolders(const QString &dir, const QStringList &departments, int perDepartment,
                                   int imageSize, quint32 seed)
{
    SyntheticDatasetSpec spec;
    spec.departments = departments;
    spec.imagesPerDepartment = perDepartment;
    spec.imageSize = imageSize;
    spec.seed = seed;
    return writeSyntheticDataset(dir, spec);
}

void importFolders(const QString &catalogPath, const QString &dir)
{
    ImportRequest request;
    request.source = ImportRequest::Source::DepartmentFolders;
    request.foldersDir = dir;
    ImportJob job(catalogPath, request);
    QString error;
    QObject::connect(&job, &Job::failed, [&](const QString &message) { error = message; });
    if (!job.exec())
        throw std::runtime_error(QString("import failed: " + error).toStdString());
    if (!job.summary().failures.isEmpty())
        throw std::runtime_error(QString("import reported failures, first: " + job.summary().failures.first().reason).toStdString());
}

ClassifiedCatalog makeClassifiedCatalog(const QString &dir, int perDepartment, int incomingPerDepartment)
{
    ClassifiedCatalog result;
    result.departments = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art"), QStringLiteral("Drawings and Prints")};
    result.catalogPath = dir + QStringLiteral("/catalog.db");
    result.modelPath = dir + QStringLiteral("/model.safetensors");
    result.incomingDir = dir + QStringLiteral("/incoming");
    writeDepartmentFolders(dir + QStringLiteral("/labelled"), result.departments, perDepartment, 40, 41);
    importFolders(result.catalogPath, dir + QStringLiteral("/labelled"));

    SyntheticDatasetSpec incoming;
    incoming.departments = result.departments;
    incoming.imagesPerDepartment = incomingPerDepartment;
    incoming.imageSize = 40;
    incoming.seed = 42;
    incoming.ambiguity = 0.5;
    const QStringList files = writeSyntheticDataset(dir + QStringLiteral("/incoming-by-department"), incoming);
    QDir().mkpath(result.incomingDir);
    for (int i = 0; i < files.size(); ++i)
        QFile::rename(files[i], QStringLiteral("%1/new-%2.jpg").arg(result.incomingDir).arg(i, 3, 10, QLatin1Char('0')));

    TrainingOptions options;
    options.catalogPath = result.catalogPath;
    options.architecture = Architecture::Baseline;
    options.imageSize = 32;
    options.epochs = 6;
    options.batchSize = 16;
    options.threads = 2;
    options.patience = 0;
    options.outPath = result.modelPath;
    if (!TrainingJob(options).exec())
        throw std::runtime_error("training the test model failed");
    ClassifyRequest request;
    request.catalogPath = result.catalogPath;
    request.modelPath = result.modelPath;
    request.paths = {result.incomingDir};
    request.threads = 2;
    if (!ClassifyJob(request).exec())
        throw std::runtime_error("classifying the test items failed");
    return result;
}

QString copyCatalog(const QString &catalogPath, const QString &dir, const QString &name)
{
    {
        Catalog catalog(catalogPath);
        catalog.run(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    }
    const QString target = dir + QLatin1Char('/') + name;
    QFile::remove(target);
    if (!QFile::copy(catalogPath, target))
        throw std::runtime_error(QString(QStringLiteral("cannot copy ") + catalogPath).toStdString());
    return target;
}

qint64 pidOfAnEndedProcess()
{
    QProcess child;
    child.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("exit 0")});
    if (!child.waitForStarted())
        throw std::runtime_error("cannot run /bin/sh");
    const qint64 pid = child.processId(); // 0 once it has finished
    if (!child.waitForFinished())
        throw std::runtime_error("/bin/sh did not finish");
    return pid;
}

int runCli(const QStringList &arguments, QByteArray *standardOutput, QByteArray *standardError, int timeoutMs)
{
#ifdef ACCESSION_CLI_PATH
    const QString program = QStringLiteral(ACCESSION_CLI_PATH);
#else
    const QString program = QStringLiteral("accession-cli");
#endif
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForStarted(30000))
        throw std::runtime_error(QString("cannot start " + program).toStdString());
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        throw std::runtime_error(QString("accession-cli did not finish: " + arguments.join(QLatin1Char(' '))).toStdString());
    }
    if (standardOutput)
        *standardOutput = process.readAllStandardOutput();
    if (standardError)
        *standardError = process.readAllStandardError();
    if (process.exitStatus() != QProcess::NormalExit)
        return -1;
    return process.exitCode();
}

bool waitForJobEnded(QSignalSpy &ended, int timeoutMs)
{
    if (!QTest::qWaitFor([&] { return !ended.isEmpty(); }, timeoutMs))
        return false;
    return ended.takeFirst().first().toBool();
}

QMap<QString, int> labelCounts(Catalog &catalog, std::optional<LabelSource> source)
{
    QMap<QString, int> counts;
    ItemQuery(catalog, {}, ItemOrder::OldestFirst).forEach([&](const ItemRow &row) {
        if (!row.label().isEmpty() && (!source || row.labelSource == source))
            counts[row.label()] += 1;
    });
    return counts;
}

} // namespace accession::test
