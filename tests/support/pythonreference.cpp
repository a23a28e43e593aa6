#include "pythonreference.h"

#include <QProcess>

namespace accession::test {

namespace {

QString runPython(const QStringList &arguments, int timeoutMs)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral(ACCESSION_PYTHON), arguments);
    if (!process.waitForStarted(30000))
        return QStringLiteral("cannot start %1").arg(QStringLiteral(ACCESSION_PYTHON));
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        return QStringLiteral("python timed out");
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return QString::fromUtf8(process.readAll());
    return QString();
}

} // namespace

QString pythonReferenceUnavailable()
{
    static const QString reason = [] {
        const QString error = runPython({QStringLiteral("-c"), QStringLiteral("import torch, torchvision")}, 120000);
        return error.isEmpty() ? QString()
                               : QStringLiteral("%1 cannot import torch and torchvision (install python3-torch and "
                                                "python3-torchvision): %2").arg(QStringLiteral(ACCESSION_PYTHON), error.left(300));
    }();
    return reason;
}

QString runPythonReference(const QStringList &arguments, int timeoutMs)
{
    return runPython(QStringList{QStringLiteral(ACCESSION_REFERENCE_SCRIPT)} + arguments, timeoutMs);
}

} // namespace accession::test
