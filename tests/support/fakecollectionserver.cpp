#include "fakecollectionserver.h"

#include "testimages.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>

namespace accession::test {

FakeCollectionServer::FakeCollectionServer(const QString &root)
    : m_root(root)
{
    QDir().mkpath(root + QStringLiteral("/images"));
    QDir().mkpath(root + QStringLiteral("/iiif"));
}

FakeCollectionServer::~FakeCollectionServer()
{
    m_process.kill();
    m_process.waitForFinished(5000);
}

bool FakeCollectionServer::start()
{
    m_process.start(QStringLiteral(ACCESSION_PYTHON), {QStringLiteral(ACCESSION_FAKE_SERVER_SCRIPT), m_root});
    if (!m_process.waitForStarted(10000) || !m_process.waitForReadyRead(10000))
        return false;
    const QByteArray line = m_process.readLine().trimmed();
    m_port = line.startsWith("PORT ") ? line.mid(5).toInt() : 0;
    return m_port > 0;
}

void FakeCollectionServer::writeConfig(const QJsonObject &config) const
{
    writeFile(m_root + QStringLiteral("/config.json"), QJsonDocument(config).toJson());
}

void FakeCollectionServer::writeManifest(const QString &name, const QByteArray &json) const
{
    writeFile(m_root + QStringLiteral("/iiif/") + name, json);
}

void FakeCollectionServer::writeImage(const QString &name, const QByteArray &bytes) const
{
    writeFile(m_root + QStringLiteral("/images/") + name, bytes);
}

QVector<QPair<double, QString>> FakeCollectionServer::requests() const
{
    QFile log(m_root + QStringLiteral("/requests.log"));
    QVector<QPair<double, QString>> entries;
    if (!log.open(QIODevice::ReadOnly))
        return entries;
    for (const QByteArray &line : log.readAll().split('\n')) {
        const int space = line.indexOf(' ');
        if (space > 0)
            entries.push_back({line.left(space).toDouble(), QString::fromUtf8(line.mid(space + 1))});
    }
    return entries;
}

void FakeCollectionServer::clearLog() const
{
    QFile::remove(m_root + QStringLiteral("/requests.log"));
}

} // namespace accession::test
