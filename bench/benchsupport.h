#pragma once

// Shared by the benchmarks: the MET development set, a catalog made from it, and the Python peer.

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace accession::bench {

// ../shared/data/met beside the project, unless --data says otherwise.
QString defaultMetDir();
// A catalog of the MET photographs in workDir (imported once with accession-cli); with limit > 0, only
// the first limit rows of labels.csv (written to workDir/labels-LIMIT.csv, returned in csvOut).
QString metCatalog(const QString &metDir, const QString &workDir, int limit = 0, QString *csvOut = nullptr);
// Runs bench/python/torch_pipeline.py with Debian's python3; its JSON output, or an "error".
QJsonObject runPythonPeer(const QStringList &arguments);

} // namespace accession::bench
