// Import benchmark: generates a catalog's worth of photographs, then times `accession-cli import` on them
// and reports images per second and the importer's peak memory. Run by hand; prints figures, asserts nothing.
//
//   bench_import [--images N] [--size PX] [--threads N] [--keep DIR]

#include "demo/syntheticimages.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdio>
#include <sys/resource.h>

using namespace accession;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("images"), QStringLiteral("Images to generate (default 20000)."), QStringLiteral("N"), QStringLiteral("20000")});
    parser.addOption({QStringLiteral("size"), QStringLiteral("Longer side in pixels (default 384, as the MET set)."), QStringLiteral("PX"), QStringLiteral("384")});
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Decoding threads (default: every core)."), QStringLiteral("N"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("keep"), QStringLiteral("Generate into DIR and keep it (reused when present)."), QStringLiteral("DIR")});
    parser.process(app);

    const int images = parser.value(QStringLiteral("images")).toInt();
    QTemporaryDir temporary;
    const QString root = parser.isSet(QStringLiteral("keep")) ? parser.value(QStringLiteral("keep")) : temporary.path();
    const QString tree = root + QStringLiteral("/tree");
    const QStringList departments = demoDepartments();

    if (!QDir(tree).exists()) {
        QElapsedTimer generation;
        generation.start();
        SyntheticDatasetSpec spec;
        spec.departments = departments;
        spec.imagesPerDepartment = (images + int(departments.size()) - 1) / int(departments.size());
        spec.imageSize = parser.value(QStringLiteral("size")).toInt();
        writeSyntheticDataset(tree, spec);
        std::printf("generated %d JPEGs of %d px in %.1f s\n", spec.imagesPerDepartment * int(departments.size()),
                    spec.imageSize, generation.elapsed() / 1000.0);
    }

    const QString catalog = root + QStringLiteral("/bench.db");
    QFile::remove(catalog);
    QFile::remove(catalog + QStringLiteral("-wal"));
    QFile::remove(catalog + QStringLiteral("-shm"));
    QProcess process;
    QStringList arguments = {QStringLiteral("import"), QStringLiteral("--catalog"), catalog, QStringLiteral("--folders"), tree,
                             QStringLiteral("--json")};
    if (parser.value(QStringLiteral("threads")).toInt() > 0)
        arguments << QStringLiteral("--threads") << parser.value(QStringLiteral("threads"));
    QElapsedTimer timer;
    timer.start();
    process.start(QStringLiteral(ACCESSION_CLI_PATH), arguments);
    process.waitForFinished(-1);
    const double seconds = timer.elapsed() / 1000.0;
    rusage usage{};
    getrusage(RUSAGE_CHILDREN, &usage);
    const QJsonObject summary = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
    const int imported = summary.value(QStringLiteral("imported")).toInt();
    std::printf("imported %d images (%d failed) in %.2f s wall: %.0f images/s; importer peak RSS %.0f MiB; catalog %.0f MiB\n",
                imported, int(summary.value(QStringLiteral("failed")).toArray().size()), seconds, imported / seconds,
                usage.ru_maxrss / 1024.0, QFileInfo(catalog).size() / 1048576.0);

    // A second run over the same files: every one is a duplicate, so this is the cost of hashing alone.
    timer.restart();
    process.start(QStringLiteral(ACCESSION_CLI_PATH), arguments);
    process.waitForFinished(-1);
    const QJsonObject again = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
    std::printf("re-import (all duplicates): %d in %.2f s: %.0f images/s\n",
                again.value(QStringLiteral("duplicates")).toInt(), timer.elapsed() / 1000.0,
                again.value(QStringLiteral("duplicates")).toInt() / (timer.elapsed() / 1000.0));
    return process.exitCode();
}
