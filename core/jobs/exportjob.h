#pragma once

#include "catalog/problem.h"
#include "jobs/job.h"

#include <QMutex>

namespace accession {

struct ExportRequest
{
    enum class Format { Csv, Json, Folders };

    QString catalogPath;
    Format format = Format::Csv;
    QString outPath; // a file for csv and json, a folder for folders
};

struct ExportSummary
{
    qint64 written = 0; // rows (csv, json) or images (folders)
    QVector<Problem> failures;
};

// File ▸ Export… off the GUI thread: the same rows and folders as `accession-cli export`.
class ExportJob : public Job
{
    Q_OBJECT
public:
    explicit ExportJob(ExportRequest request, QObject *parent = nullptr);
    ExportSummary summary() const;
    ExportRequest request() const { return m_request; }

protected:
    void run() override;

private:
    ExportRequest m_request;
    mutable QMutex m_mutex;
    ExportSummary m_summary;
};

} // namespace accession
