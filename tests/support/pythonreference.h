#pragma once

// Runs tests/python/torchvision_reference.py with Debian's python3 (which has torch and torchvision).

#include <QString>
#include <QStringList>

namespace accession::test {

// Empty when python3 with torch and torchvision can run; otherwise why not (the test should skip).
QString pythonReferenceUnavailable();
// Runs the reference script; returns its combined output on failure, empty on success.
QString runPythonReference(const QStringList &arguments, int timeoutMs = 600000);

} // namespace accession::test
