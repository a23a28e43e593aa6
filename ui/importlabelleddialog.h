#pragma once

#include "ingest/importer.h"

#include <QDialog>
#include <QFutureWatcher>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QTableWidget;

namespace accession {

// File ▸ Import labelled…: one folder per department, or a CSV whose columns the curator maps while seeing its
// first rows. It only builds the request; the main window runs the import as a job with progress and Cancel.
class ImportLabelledDialog : public QDialog
{
    Q_OBJECT
public:
    static constexpr int kPreviewRows = 10;

    // What the preview shows of a CSV: its header and first rows, or why it could not be read.
    struct CsvPreview
    {
        QString path;
        QStringList header;
        QVector<QStringList> rows;
        QString error;
    };

    explicit ImportLabelledDialog(QWidget *parent = nullptr);

    void chooseDepartmentFolders(const QString &dir);
    // Reads the header and the first kPreviewRows rows (each bounded) on a worker thread, then fills the mapping
    // and the preview and emits previewShown; a file on a slow disk or share never stalls the window.
    void chooseCsv(const QString &csvPath);
    bool isReadingPreview() const { return m_previewReader.isRunning(); }
    void setImagesDir(const QString &dir);
    // Sets a mapping combo to a header name; false when the CSV has no such column.
    bool mapColumn(const QString &role, const QString &column); // role: "id", "file", "label" or "title"
    ImportRequest request() const;

    QTableWidget *preview() const { return m_preview; }
    QLabel *csvStatus() const { return m_csvStatus; }

Q_SIGNALS:
    void previewShown();

private:
    void showPreview(const CsvPreview &preview);
    void updateEnabled();
    void updatePreviewHeader();
    QComboBox *comboFor(const QString &role) const;

    QRadioButton *m_foldersChoice;
    QRadioButton *m_csvChoice;
    QLineEdit *m_foldersEdit;
    QLineEdit *m_csvEdit;
    QLineEdit *m_imagesEdit;
    QComboBox *m_idColumn;
    QComboBox *m_fileColumn;
    QComboBox *m_labelColumn;
    QComboBox *m_titleColumn;
    QTableWidget *m_preview;
    QLabel *m_csvStatus;
    QWidget *m_csvPart;
    QWidget *m_foldersPart;
    QPushButton *m_importButton = nullptr;
    QStringList m_header;
    QFutureWatcher<CsvPreview> m_previewReader;
};

} // namespace accession
