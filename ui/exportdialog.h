#pragma once

#include "jobs/exportjob.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QPushButton;

namespace accession {

// File ▸ Export…: a format (csv, json, or one folder per department) and where to write it. The main window runs
// the export as a job with progress and Cancel.
class ExportDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ExportDialog(QString catalogPath, QWidget *parent = nullptr);

    void setFormat(ExportRequest::Format format);
    void setOutPath(const QString &path);
    ExportRequest request() const;

private:
    void browse();

    QString m_catalogPath;
    QComboBox *m_format;
    QLineEdit *m_outEdit;
    QPushButton *m_exportButton;
};

} // namespace accession
