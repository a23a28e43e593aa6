#include "benchsupport.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>

#include <algorithm>
#include <cstdio>

#include <stdexcept>

namespace accession::bench {

QString defaultMetDir()
{
    return QDir::cleanPath(QStringLiteral(ACCESSION_SOURCE_DIR) + QStringLiteral("/../shared/data/met"));
}

void addNetworkBenchOptions(QCommandLineParser &parser, int defaultSize)
{
    parser.addOption({QStringLiteral("arch"), QStringLiteral("Network."), QStringLiteral("A"), QStringLiteral("resnet18")});
    parser.addOption({QStringLiteral("size"), QStringLiteral("Input size."), QStringLiteral("PX"), QString::number(defaultSize)});
    parser.addOption({QStringLiteral("batch"), QStringLiteral("Batch size."), QStringLiteral("N"), QStringLiteral("32")});
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Compute threads."), QStringLiteral("N"), QStringLiteral("2")});
    parser.addOption({QStringLiteral("data"), QStringLiteral("MET photographs folder."), QStringLiteral("DIR"), defaultMetDir()});
    parser.addOption({QStringLiteral("work"), QStringLiteral("Working folder."), QStringLiteral("DIR"), QStringLiteral("/tmp/accession-bench")});
    parser.addOption({QStringLiteral("skip-python"), QStringLiteral("Do not run the Python peer.")});
}

std::optional<NetworkBenchOptions> readNetworkBenchOptions(const QCommandLineParser &parser)
{
    const auto architecture = architectureFromName(parser.value(QStringLiteral("arch")));
    if (!architecture) {
        std::fprintf(stderr, "unknown --arch\n");
        return std::nullopt;
    }
    NetworkBenchOptions options;
    options.architecture = *architecture;
    options.size = parser.value(QStringLiteral("size")).toInt();
    options.batch = parser.value(QStringLiteral("batch")).toInt();
    options.threads = parser.value(QStringLiteral("threads")).toInt();
    options.data = parser.value(QStringLiteral("data"));
    options.work = parser.value(QStringLiteral("work"));
    options.skipPython = parser.isSet(QStringLiteral("skip-python"));
    return options;
}

QString metCatalog(const QString &metDir, const QString &workDir, int limit, QString *csvOut)
{
    QDir().mkpath(workDir);
    QString csv = metDir + QStringLiteral("/labels.csv");
    if (limit > 0) {
        QFile all(csv);
        all.open(QIODevice::ReadOnly);
        const QList<QByteArray> lines = all.readAll().split('\n');
        csv = workDir + QStringLiteral("/labels-%1.csv").arg(limit);
        QFile subset(csv);
        subset.open(QIODevice::WriteOnly);
        for (int i = 0; i < std::min<int>(int(lines.size()), limit + 1); ++i)
            subset.write(lines[i] + '\n');
    }
    if (csvOut)
        *csvOut = csv;
    const QString catalog = workDir + (limit > 0 ? QStringLiteral("/met-%1.db").arg(limit) : QStringLiteral("/met.db"));
    if (QFileInfo::exists(catalog))
        return catalog;
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(QStringLiteral(ACCESSION_CLI_PATH), {QStringLiteral("import"), QStringLiteral("--catalog"), catalog, QStringLiteral("--csv"),
                                                       csv, QStringLiteral("--images"), metDir});
    process.waitForFinished(-1);
    if (process.exitCode() != 0)
        throw std::runtime_error("importing the MET photographs failed");
    return catalog;
}

QJsonObject runPythonPeer(const QStringList &arguments)
{
    QProcess process;
    process.start(QStringLiteral("/usr/bin/python3"),
                  QStringList{QStringLiteral(ACCESSION_SOURCE_DIR) + QStringLiteral("/bench/python/torch_pipeline.py")} + arguments);
    process.waitForFinished(-1);
    const QByteArray out = process.readAllStandardOutput();
    const QJsonDocument document = QJsonDocument::fromJson(out.trimmed().split('\n').last());
    if (!document.isObject())
        return QJsonObject{{QStringLiteral("error"), QString::fromUtf8(process.readAllStandardError().right(600))}};
    return document.object();
}

QString cpuName()
{
    QFile cpuinfo(QStringLiteral("/proc/cpuinfo"));
    if (cpuinfo.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : cpuinfo.readAll().split('\n')) {
            if (line.startsWith("model name"))
                return QString::fromUtf8(line.mid(line.indexOf(':') + 1).trimmed());
        }
    }
    return QStringLiteral("unknown CPU");
}

} // namespace accession::bench
