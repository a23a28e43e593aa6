#include "exporter.h"

#include "catalog/catalog.h"
#include "catalog/itemquery.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>
#include <QSqlQuery>

#include <cmath>

namespace accession {

namespace {

// A cell a spreadsheet would run as a formula (=HYPERLINK(...), +1, -1, @SUM, or one hidden behind a tab or
// carriage return) gets a leading apostrophe, which spreadsheets show as text and do not display.
QString neutraliseFormula(const QString &value)
{
    static const QString kFormulaStarts = QStringLiteral("=+-@\t\r");
    if (!value.isEmpty() && kFormulaStarts.contains(value.front()))
        return QLatin1Char('\'') + value;
    return value;
}

QString csvField(const QString &rawValue)
{
    const QString value = neutraliseFormula(rawValue);
    if (!value.contains(QLatin1Char(',')) && !value.contains(QLatin1Char('"')) && !value.contains(QLatin1Char('\n'))
        && !value.contains(QLatin1Char('\r')))
        return value;
    QString quoted = value;
    quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString folderName(const QString &department)
{
    QString name = department;
    for (QChar &c : name) {
        if (c == QLatin1Char('/') || c == QLatin1Char('\\') || c == QLatin1Char(':') || c.category() == QChar::Other_Control)
            c = QLatin1Char('_');
    }
    return name.trimmed().isEmpty() ? QStringLiteral("_") : name.trimmed();
}

QJsonValue orNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue() : QJsonValue(text);
}

} // namespace

QString exportCsvHeader()
{
    return QStringLiteral("id,external_id,path,department,label_source,predicted,confidence,model,status,out_of_scope,out_of_scope_score");
}

QString exportCsvRow(const ItemRow &row)
{
    const QStringList fields = {QString::number(row.id), row.externalId, row.path, row.label(),
                                row.labelSource ? labelSourceName(*row.labelSource) : QString(), row.predicted,
                                row.confidence >= 0 ? QString::number(row.confidence, 'f', 4) : QString(), row.modelName,
                                itemStatusName(row.status), row.confidence >= 0 ? QString::number(row.outOfScope ? 1 : 0) : QString(),
                                std::isfinite(row.outOfScopeScore) ? QString::number(row.outOfScopeScore, 'f', 4) : QString()};
    QStringList escaped;
    for (const QString &field : fields)
        escaped << csvField(field);
    return escaped.join(QLatin1Char(','));
}

QJsonObject exportJsonRow(const ItemRow &row)
{
    return QJsonObject{{QStringLiteral("id"), row.id},
                       {QStringLiteral("external_id"), orNull(row.externalId)},
                       {QStringLiteral("path"), row.path},
                       {QStringLiteral("department"), orNull(row.label())},
                       {QStringLiteral("label_source"), row.labelSource ? QJsonValue(labelSourceName(*row.labelSource)) : QJsonValue()},
                       {QStringLiteral("predicted"), orNull(row.predicted)},
                       {QStringLiteral("confidence"), row.confidence >= 0 ? QJsonValue(row.confidence) : QJsonValue()},
                       {QStringLiteral("model"), orNull(row.modelName)},
                       {QStringLiteral("status"), itemStatusName(row.status)},
                       {QStringLiteral("out_of_scope"), row.confidence >= 0 ? QJsonValue(row.outOfScope) : QJsonValue()},
                       {QStringLiteral("out_of_scope_score"), std::isfinite(row.outOfScopeScore) ? QJsonValue(row.outOfScopeScore) : QJsonValue()}};
}

qint64 exportItems(Catalog &catalog, QIODevice *device, ExportFormat format, const std::function<void(qint64 written)> &afterEachRow,
                   const ItemFilter &filter)
{
    const bool csv = format == ExportFormat::Csv;
    device->write(csv ? exportCsvHeader().toUtf8() + '\n' : QByteArray("[\n"));
    qint64 written = 0;
    ItemQuery(catalog, filter, ItemOrder::OldestFirst).forEach([&](const ItemRow &row) {
        if (csv)
            device->write(exportCsvRow(row).toUtf8() + '\n');
        else
            device->write((written == 0 ? QByteArray("  ") : QByteArray(",\n  ")) + QJsonDocument(exportJsonRow(row)).toJson(QJsonDocument::Compact));
        ++written;
        if (afterEachRow)
            afterEachRow(written);
    });
    if (!csv)
        device->write("\n]\n");
    return written;
}

namespace {

constexpr qint64 kCopyChunkBytes = 1 << 20;

enum class CopyOutcome { Copied, Failed, Cancelled };

// Copies in chunks to TARGET.part, renamed to TARGET when whole: a cancel or a failure never leaves half an image
// under the image's name.
CopyOutcome copyInChunks(const QString &source, const QString &target, const FolderExportControl &control, QString *error)
{
    QFile in(source);
    if (!in.open(QIODevice::ReadOnly)) {
        *error = in.errorString();
        return CopyOutcome::Failed;
    }
    const QString partial = target + QStringLiteral(".part");
    QFile out(partial);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        *error = out.errorString();
        return CopyOutcome::Failed;
    }
    const auto abandon = [&](CopyOutcome outcome) {
        out.close();
        QFile::remove(partial);
        return outcome;
    };
    for (;;) {
        if (control.isCancelled && control.isCancelled())
            return abandon(CopyOutcome::Cancelled);
        const QByteArray chunk = in.read(kCopyChunkBytes);
        if (chunk.isEmpty()) {
            if (!in.atEnd()) {
                *error = in.errorString();
                return abandon(CopyOutcome::Failed);
            }
            break;
        }
        if (out.write(chunk) != chunk.size()) {
            *error = out.errorString();
            return abandon(CopyOutcome::Failed);
        }
    }
    if (!out.flush()) {
        *error = out.errorString();
        return abandon(CopyOutcome::Failed);
    }
    out.close();
    QFile::remove(target); // replaced only by a whole copy
    if (!QFile::rename(partial, target)) {
        *error = QStringLiteral("cannot rename %1").arg(partial);
        QFile::remove(partial);
        return CopyOutcome::Failed;
    }
    return CopyOutcome::Copied;
}

} // namespace

FolderExportSummary exportDepartmentFolders(Catalog &catalog, const QString &dir, const FolderExportControl &control)
{
    FolderExportSummary summary;
    if (!QDir().mkpath(dir))
        throw std::runtime_error(QStringLiteral("cannot create %1").arg(dir).toStdString());
    QSaveFile csv(dir + QStringLiteral("/labels.csv"));
    QSaveFile json(dir + QStringLiteral("/labels.json"));
    if (!csv.open(QIODevice::WriteOnly) || !json.open(QIODevice::WriteOnly))
        throw std::runtime_error(QStringLiteral("cannot write into %1: %2").arg(dir, csv.errorString()).toStdString());
    {
        QSqlQuery labelled = catalog.run(QStringLiteral("SELECT COUNT(*) FROM items WHERE current_label_id IS NOT NULL"));
        summary.total = labelled.next() ? labelled.value(0).toLongLong() : 0;
    }
    csv.write(exportCsvHeader().toUtf8() + ",exported_file\n");
    json.write("[\n");
    bool first = true;
    qint64 done = 0;
    struct Stop {}; // unwinds the walk over the items once cancelled
    const auto exportOne = [&](const ItemRow &row) {
        if (row.label().isEmpty())
            return;
        const auto reportDone = [&] {
            ++done;
            if (control.progress)
                control.progress(done, summary.total);
        };
        const QString folder = folderName(row.label());
        const QString target = QStringLiteral("%1/%2/%3-%4").arg(dir, folder).arg(row.id).arg(QFileInfo(row.path).fileName());
        QDir().mkpath(dir + QLatin1Char('/') + folder);
        if (!QFileInfo::exists(row.path)) {
            QFile::remove(target); // not left from an earlier export as if it were this one's
            const QString blobProblem = catalog.itemPathProblem(row.path);
            summary.failures.push_back({row.path, blobProblem.isEmpty() ? QStringLiteral("the image is missing (moved or deleted)")
                                                                        : blobProblem});
            reportDone();
            return;
        }
        QString error;
        switch (copyInChunks(row.path, target, control, &error)) {
        case CopyOutcome::Cancelled:
            summary.cancelled = true;
            throw Stop();
        case CopyOutcome::Failed:
            summary.failures.push_back({row.path, QStringLiteral("cannot copy to %1: %2").arg(target, error)});
            reportDone();
            return;
        case CopyOutcome::Copied:
            break;
        }
        const QString relative = folder + QLatin1Char('/') + QFileInfo(target).fileName();
        csv.write((exportCsvRow(row) + QLatin1Char(',') + csvField(relative) + QLatin1Char('\n')).toUtf8());
        QJsonObject object = exportJsonRow(row);
        object.insert(QStringLiteral("exported_file"), relative);
        json.write((first ? QByteArray("  ") : QByteArray(",\n  ")) + QJsonDocument(object).toJson(QJsonDocument::Compact));
        first = false;
        ++summary.written;
        reportDone();
    };
    try {
        ItemQuery(catalog, {}, ItemOrder::OldestFirst).forEach(exportOne);
    } catch (const Stop &) {
    }
    json.write("\n]\n");
    if (!csv.commit() || !json.commit())
        throw std::runtime_error(QStringLiteral("cannot write into %1 (disk full?)").arg(dir).toStdString());
    return summary;
}

} // namespace accession
