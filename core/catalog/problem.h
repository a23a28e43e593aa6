#pragma once

#include <QJsonObject>
#include <QString>
#include <QVector>

namespace accession {

// A file or record that could not be used, and why: what imports, classification, training, evaluation and
// export report item by item while the rest of the work goes on.
struct Problem
{
    QString path;   // the file, address or row the problem is about; empty for one about the work as a whole
    QString reason; // one line for a person

    // "path: reason", or the reason alone, for logs and the command line.
    QString toLine() const { return path.isEmpty() ? reason : path + QStringLiteral(": ") + reason; }
    QJsonObject toJson() const { return {{QStringLiteral("path"), path}, {QStringLiteral("reason"), reason}}; }
};

} // namespace accession
