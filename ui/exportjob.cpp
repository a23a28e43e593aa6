#include "exportjob.h"

#include "catalog/catalog.h"
#include "catalog/reviewstore.h"
#include "ingest/exporter.h"

#include <QJsonDocument>
#include <QSaveFile>

namespace accession {

ExportJob::ExportJob(ExportRequest request, QObject *parent)
    : Job(parent)
    , m_request(std::move(request))
{
}

ExportSummary ExportJob::summary() const
{
    QMutexLocker lock(&m_mutex);
    return m_summary;
}

void ExportJob::run()
{
    Catalog catalog(m_request.catalogPath);
    const qint64 total = catalog.itemCount();
    reportProgress(0, total, tr("Exporting %1").arg(m_request.outPath));
    if (m_request.format == ExportRequest::Format::Folders) {
        const FolderExportSummary folders = exportDepartmentFolders(catalog, m_request.outPath);
        QMutexLocker lock(&m_mutex);
        m_summary.written = folders.written;
        m_summary.failures = folders.failures;
        return;
    }
    // Written to a temporary file and renamed at the end: a cancel or a failure leaves no half file behind.
    QSaveFile file(m_request.outPath);
    if (!file.open(QIODevice::WriteOnly))
        throw std::runtime_error(tr("cannot write %1: %2").arg(m_request.outPath, file.errorString()).toStdString());
    const bool csv = m_request.format == ExportRequest::Format::Csv;
    file.write(csv ? exportCsvHeader().toUtf8() + '\n' : QByteArray("[\n"));
    qint64 done = 0;
    ReviewStore(catalog).forEachItem([&](const ItemOverview &row) {
        throwIfCancelled();
        if (csv)
            file.write(exportCsvRow(row).toUtf8() + '\n');
        else
            file.write((done == 0 ? QByteArray("  ") : QByteArray(",\n  ")) + QJsonDocument(exportJsonRow(row)).toJson(QJsonDocument::Compact));
        ++done;
        if (done % 256 == 0)
            reportProgress(done, total, tr("Exported %1 of %2 items").arg(done).arg(total));
    });
    if (!csv)
        file.write("\n]\n");
    if (!file.commit())
        throw std::runtime_error(tr("cannot write %1: %2").arg(m_request.outPath, file.errorString()).toStdString());
    QMutexLocker lock(&m_mutex);
    m_summary.written = done;
}

} // namespace accession
