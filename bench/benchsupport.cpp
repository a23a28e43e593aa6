#include "benchsupport.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>

#include <stdexcept>

namespace accession::bench {

QString defaultMetDir()
{
    return QDir::cleanPath(QStringLiteral(ACCESSION_SOURCE_DIR) + QStringLiteral("/../shared/data/met"));
}

QString metCatalog(const QString &metDir, const QString &workDir)
{
    QDir().mkpath(workDir);
    const QString catalog = workDir + QStringLiteral("/met.db");
    if (QFileInfo::exists(catalog))
        return catalog;
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(QStringLiteral(ACCESSION_CLI_PATH), {QStringLiteral("import"), QStringLiteral("--catalog"), catalog, QStringLiteral("--csv"),
                                                       metDir + QStringLiteral("/labels.csv"), QStringLiteral("--images"), metDir});
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

} // namespace accession::bench
