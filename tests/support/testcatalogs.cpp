#include "testcatalogs.h"

#include "demo/syntheticimages.h"
#include "ingest/importjob.h"

#include <QProcess>
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

} // namespace accession::test
