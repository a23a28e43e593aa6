#pragma once

// Shared by the benchmarks: the MET development set, a catalog made from it, and the Python peer.

#include "ml/architecture.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

class QCommandLineParser;

namespace accession::bench {

// ../shared/data/met beside the project, unless --data says otherwise.
QString defaultMetDir();
// A catalog of the MET photographs in workDir (imported once with accession-cli); with limit > 0, only
// the first limit rows of labels.csv (written to workDir/labels-LIMIT.csv, returned in csvOut).
QString metCatalog(const QString &metDir, const QString &workDir, int limit = 0, QString *csvOut = nullptr);
// The options every network benchmark takes: --arch, --size, --batch, --threads, --data, --work, --skip-python.
struct NetworkBenchOptions
{
    Architecture architecture = Architecture::ResNet18;
    int size = 0;
    int batch = 0;
    int threads = 0;
    QString data;
    QString work;
    bool skipPython = false;
};
void addNetworkBenchOptions(QCommandLineParser &parser, int defaultSize);
// The parsed options; nullopt (after a message on stderr) when --arch names no known network.
std::optional<NetworkBenchOptions> readNetworkBenchOptions(const QCommandLineParser &parser);

// The processor's model name (/proc/cpuinfo), printed beside every figure: machines change between runs.
QString cpuName();

// Runs bench/python/torch_pipeline.py with Debian's python3; its JSON output, or an "error".
QJsonObject runPythonPeer(const QStringList &arguments);

} // namespace accession::bench
