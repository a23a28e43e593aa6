// Training throughput on the real MET photographs: Accession against a Python PyTorch + torchvision
// script doing the same job (same network, size, batch and threads; decoding and augmentation
// included), and against the network's own forward+backward rate on pre-decoded tensors (the ceiling).
// Run by hand; prints figures, asserts nothing.
//
//   bench_training [--arch resnet18] [--size 128] [--batch 32] [--threads 2] [--epochs 2] [--data DIR] [--work DIR]

#include "benchsupport.h"

#include "jobs/trainingjob.h"
#include "ml/throughput.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QStandardPaths>

#include <cstdio>

using namespace accession;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    bench::addNetworkBenchOptions(parser, 128);
    parser.addOption({QStringLiteral("epochs"), QStringLiteral("Epochs (the first decodes, later ones use the cache)."), QStringLiteral("N"), QStringLiteral("2")});
    parser.process(app);

    const auto common = bench::readNetworkBenchOptions(parser);
    if (!common)
        return 2;
    const Architecture architecture = common->architecture;
    const int size = common->size;
    const int batch = common->batch;
    const int threads = common->threads;
    const int epochs = parser.value(QStringLiteral("epochs")).toInt();
    const QString data = common->data;
    const QString work = common->work;
    std::printf("training throughput: %s at %d px, batch %d, %d threads, MET photographs in %s\n",
                qPrintable(architectureName(architecture)), size, batch, threads, qPrintable(data));

    TrainingOptions options;
    options.catalogPath = bench::metCatalog(data, work);
    options.architecture = architecture;
    options.imageSize = size;
    options.batchSize = batch;
    options.threads = threads;
    options.epochs = epochs;
    options.patience = 0;
    options.outPath = work + QStringLiteral("/bench-model.safetensors");
    TrainingJob job(options);
    if (!job.exec()) {
        std::fprintf(stderr, "training failed\n");
        return 1;
    }
    QVector<double> accession;
    for (const EpochReport &report : job.history())
        accession.push_back(report.imagesPerSecond);

    CeilingRequest ceiling;
    ceiling.architecture = architecture;
    ceiling.imageSize = size;
    ceiling.batchSize = batch;
    ceiling.threads = threads;
    ceiling.batches = 4;
    const double ceilingRate = trainingCeiling(ceiling);

    QVector<double> python;
    if (!common->skipPython && architecture != Architecture::Baseline) {
        const QJsonObject peer = bench::runPythonPeer({QStringLiteral("train"), data + QStringLiteral("/labels.csv"), data,
                                                       architectureName(architecture), QString::number(size), QString::number(batch),
                                                       QString::number(threads), QString::number(threads), QString::number(epochs)});
        if (peer.contains(QStringLiteral("error")))
            std::printf("python peer failed: %s\n", qPrintable(peer.value(QStringLiteral("error")).toString()));
        for (const QJsonValue &rate : peer.value(QStringLiteral("images_per_second")).toArray())
            python.push_back(rate.toDouble());
    }

    std::printf("%-28s %10s %10s\n", "", "epoch 1", "epoch 2+");
    const auto row = [&](const char *name, const QVector<double> &rates) {
        if (rates.isEmpty())
            return;
        double later = 0;
        for (int i = 1; i < rates.size(); ++i)
            later += rates[i];
        later = rates.size() > 1 ? later / (rates.size() - 1) : rates[0];
        std::printf("%-28s %10.1f %10.1f  images/s\n", name, rates[0], later);
    };
    row("Accession (C++)", accession);
    row("Python PyTorch+torchvision", python);
    std::printf("%-28s %21.1f  images/s (forward+backward on pre-decoded tensors)\n", "ceiling", ceilingRate);
    if (!accession.isEmpty()) {
        const double steady = accession.size() > 1 ? accession.last() : accession.first();
        std::printf("Accession steady state reaches %.0f%% of the ceiling", 100.0 * steady / ceilingRate);
        if (!python.isEmpty())
            std::printf("; %.2fx the Python pipeline (epoch 1: %.2fx)", steady / python.last(), accession.first() / python.first());
        std::printf("\n");
    }
    return 0;
}
