#include "exportjob.h"

#include "catalog/catalog.h"
#include "ingest/exporter.h"

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
        FolderExportControl control;
        control.isCancelled = [this] { return isCancelRequested(); };
        control.progress = [this](qint64 done, qint64 labelled) {
            reportProgress(done, labelled, tr("Copied %1 of %2 images").arg(done).arg(labelled));
        };
        const FolderExportSummary folders = exportDepartmentFolders(catalog, m_request.outPath, control);
        {
            QMutexLocker lock(&m_mutex);
            m_summary.written = folders.written;
            m_summary.failures = folders.failures;
        }
        // Stopped between or inside a copy: the images copied so far stay, listed in labels.csv and labels.json.
        if (folders.cancelled)
            throw JobCancelled();
        return;
    }
    // Written to a temporary file and renamed at the end: a cancel or a failure leaves no half file behind.
    QSaveFile file(m_request.outPath);
    if (!file.open(QIODevice::WriteOnly))
        throw std::runtime_error(tr("cannot write %1: %2").arg(m_request.outPath, file.errorString()).toStdString());
    const ExportFormat format = m_request.format == ExportRequest::Format::Csv ? ExportFormat::Csv : ExportFormat::Json;
    const qint64 done = exportItems(catalog, &file, format, [&](qint64 written) {
        throwIfCancelled();
        if (written % 256 == 0)
            reportProgress(written, total, tr("Exported %1 of %2 items").arg(written).arg(total));
    });
    if (!file.commit())
        throw std::runtime_error(tr("cannot write %1: %2").arg(m_request.outPath, file.errorString()).toStdString());
    QMutexLocker lock(&m_mutex);
    m_summary.written = done;
}

} // namespace accession
