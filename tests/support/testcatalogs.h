#pragma once

// Test-only helpers to build small catalogs and image trees on disk.

#include <QString>
#include <QStringList>

namespace accession::test {

// Writes DIR/<department>/... generated images with a learnable signal; returns the files.
QStringList writeDepartmentFolders(const QString &dir, const QStringList &departments, int perDepartment,
                                   int imageSize = 48, quint32 seed = 1);

// Imports department folders into the catalog (created if needed); fails the test on error.
void importFolders(const QString &catalogPath, const QString &dir);

// Runs accession-cli with the arguments; returns exit code, fills stdout/stderr.
int runCli(const QStringList &arguments, QByteArray *standardOutput = nullptr, QByteArray *standardError = nullptr,
           int timeoutMs = 300000);

} // namespace accession::test
