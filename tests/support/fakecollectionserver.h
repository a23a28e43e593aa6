#pragma once

// The loopback stand-in for The Met's Collection API and IIIF servers: a real HTTP server
// (tests/python/fake_collection_server.py) on 127.0.0.1, serving what the test writes under its root.

#include <QJsonObject>
#include <QPair>
#include <QProcess>
#include <QString>
#include <QVector>

namespace accession::test {

class FakeCollectionServer
{
public:
    explicit FakeCollectionServer(const QString &root);
    ~FakeCollectionServer();

    // Starts the server and reads the port it chose; false when it could not start.
    bool start();
    QString base() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }
    QString api() const { return base() + QStringLiteral("/api"); }
    // {"departments": [...], "objects": {id: object}, "faults": {...}}; see the script for the fields.
    void writeConfig(const QJsonObject &config) const;
    void writeManifest(const QString &name, const QByteArray &json) const;
    void writeImage(const QString &name, const QByteArray &bytes) const;
    // Request paths with their arrival times (seconds), in order.
    QVector<QPair<double, QString>> requests() const;
    void clearLog() const;

private:
    QString m_root;
    QProcess m_process;
    int m_port = 0;
};

} // namespace accession::test
