// End-to-end classification on the real MET photographs (decode + preprocess + forward + store in the
// catalog), against a Python PyTorch + torchvision DataLoader script doing the same, and against the
// network's forward rate on pre-decoded tensors (the ceiling). Run by hand; prints figures.
//
//   bench_classify [--arch resnet18] [--size 224] [--batch 32] [--threads 2] [--images 1000] [--data DIR] [--work DIR]

#include "benchsupport.h"

#include "jobs/classifyjob.h"
#include "ml/modelcard.h"
#include "ml/network.h"
#include "ml/throughput.h"

#include "catalog/catalog.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>

#include <cstdio>

using namespace accession;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    bench::addNetworkBenchOptions(parser, 224);
    parser.addOption({QStringLiteral("images"), QStringLiteral("How many photographs (0: all 3,206)."), QStringLiteral("N"), QStringLiteral("1000")});
    parser.process(app);

    const auto common = bench::readNetworkBenchOptions(parser);
    if (!common)
        return 2;
    const Architecture architecture = common->architecture;
    const int size = common->size;
    const int batch = common->batch;
    const int threads = common->threads;
    const QString data = common->data;
    const QString work = common->work;
    QString csv;
    const QString sourceCatalog = bench::metCatalog(data, work, parser.value(QStringLiteral("images")).toInt(), &csv);

    // A fresh copy of the catalog for every run, and an untrained model: speed does not depend on the weights.
    const QString catalog = work + QStringLiteral("/classify-bench.db");
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(catalog + suffix);
    { Catalog(sourceCatalog).run(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")); }
    QFile::copy(sourceCatalog, catalog);
    const QString model = work + QStringLiteral("/classify-bench-%1.safetensors").arg(architectureName(architecture));
    Network(architecture, 9, 1).saveWeights(model);
    ModelCard card;
    card.architecture = architectureName(architecture);
    for (int i = 0; i < 9; ++i)
        card.classes << QStringLiteral("class %1").arg(i);
    card.preprocessing = Preprocessing::imagenet(size);
    card.threshold = 0.9;
    card.writeBeside(model);

    ClassifyRequest request;
    request.catalogPath = catalog;
    request.modelPath = model;
    request.batchSize = batch;
    request.threads = threads;
    ClassifyJob job(request);
    if (!job.exec()) {
        std::fprintf(stderr, "classification failed\n");
        return 1;
    }
    const ClassifySummary summary = job.summary();

    CeilingRequest ceiling;
    ceiling.architecture = architecture;
    ceiling.imageSize = size;
    ceiling.batchSize = batch;
    ceiling.threads = threads;
    ceiling.batches = 4;
    const double ceilingRate = inferenceCeiling(ceiling);

    double python = 0;
    if (!common->skipPython && architecture != Architecture::Baseline) {
        const QJsonObject peer = bench::runPythonPeer({QStringLiteral("classify"), csv, data, architectureName(architecture),
                                                       QString::number(size), QString::number(batch), QString::number(threads),
                                                       QString::number(threads)});
        if (peer.contains(QStringLiteral("error")))
            std::printf("python peer failed: %s\n", qPrintable(peer.value(QStringLiteral("error")).toString()));
        python = peer.value(QStringLiteral("images_per_second")).toDouble();
    }

    std::printf("classification: %s at %d px, batch %d, %d threads, %lld MET photographs\n", qPrintable(architectureName(architecture)),
                size, batch, threads, summary.classified);
    std::printf("%-44s %8.1f images/s (%.1f s, peak memory %.0f MB)\n", "Accession: decode+preprocess+forward+store",
                summary.imagesPerSecond, summary.seconds, summary.peakMemoryMb);
    if (python > 0)
        std::printf("%-44s %8.1f images/s\n", "Python PyTorch+torchvision DataLoader", python);
    std::printf("%-44s %8.1f images/s\n", "ceiling: forward on pre-decoded tensors", ceilingRate);
    std::printf("Accession reaches %.0f%% of the ceiling", 100.0 * summary.imagesPerSecond / ceilingRate);
    if (python > 0)
        std::printf(" and runs at %.2fx the Python pipeline", summary.imagesPerSecond / python);
    std::printf("\n");
    return 0;
}
