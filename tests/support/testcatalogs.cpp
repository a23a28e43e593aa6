#include "testcatalogs.h"

#include "catalog/catalog.h"
#include "catalog/itemquery.h"
#include "catalog/reviewstore.h"
#include "demo/syntheticimages.h"
#include "jobs/classifyjob.h"
#include "jobs/importjob.h"
#include "jobs/trainingjob.h"
#include "testimages.h"

#include <QDir>
#include <QJsonDocument>
#include <QRandomGenerator>

#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
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

void writeColourFolders(const QString &dir, const QStringList &departments, int perDepartment, quint32 seed)
{
    const Rgb colours[] = {{200, 40, 40}, {40, 180, 60}, {50, 70, 210}, {220, 200, 40}};
    const Rgb bands[] = {{20, 20, 20}, {240, 240, 240}, {120, 60, 0}, {0, 120, 120}};
    QRandomGenerator random(seed);
    for (int d = 0; d < departments.size(); ++d) {
        QDir().mkpath(dir + QLatin1Char('/') + departments[d]);
        for (int i = 0; i < perDepartment; ++i) {
            const auto jitter = [&](int value) { return std::clamp(value + random.bounded(-25, 26), 0, 255); };
            const Rgb inside{jitter(colours[d % 4].r), jitter(colours[d % 4].g), jitter(colours[d % 4].b)};
            writeFile(QStringLiteral("%1/%2/%3.png").arg(dir, departments[d]).arg(i, 3, 10, QLatin1Char('0')),
                      bandedImage(QStringLiteral("png"), 40 + random.bounded(12), 40, inside, bands[d % 4], 4 + random.bounded(4)));
        }
    }
}

QHash<qint64, QString> plantWrongLabels(const QString &catalogPath, const QStringList &departments, int nth)
{
    Catalog catalog(catalogPath);
    QHash<QString, qint64> departmentIds;
    for (const Department &department : catalog.departments())
        departmentIds.insert(department.name, department.id);
    QHash<qint64, QString> planted;
    QHash<QString, int> seen;
    for (const ItemRow &item : catalog.labelledItems()) {
        if (seen[item.department]++ != nth)
            continue;
        const QString wrong = departments[(departments.indexOf(item.department) + 1) % departments.size()];
        catalog.addLabel(item.id, departmentIds.value(wrong), LabelSource::Imported);
        planted.insert(item.id, item.department);
    }
    return planted;
}

bool trainSmallBaseline(const QString &catalogPath, const QString &modelPath, int epochs, int batchSize,
                        const std::function<void(TrainingOptions &)> &adjust)
{
    TrainingOptions options;
    options.catalogPath = catalogPath;
    options.architecture = Architecture::Baseline;
    options.imageSize = 32;
    options.epochs = epochs;
    options.batchSize = batchSize;
    options.threads = 2;
    options.patience = 0;
    options.outPath = modelPath;
    if (adjust)
        adjust(options);
    return TrainingJob(options).exec();
}

ClassifySummary classifyWithModel(const QString &catalogPath, const QString &modelPath, const QStringList &paths, int batchSize)
{
    ClassifyRequest request;
    request.catalogPath = catalogPath;
    request.modelPath = modelPath;
    request.paths = paths;
    request.batchSize = batchSize;
    request.threads = 2;
    ClassifyJob job(request);
    if (!job.exec())
        qWarning("classification did not finish");
    return job.summary();
}

QJsonObject parseJsonObject(const QByteArray &text)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        qWarning("not a JSON object: %s", text.left(300).constData());
    return document.object();
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

    if (!trainSmallBaseline(result.catalogPath, result.modelPath, 6))
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
