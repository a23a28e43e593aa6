#include "exportdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace accession {

ExportDialog::ExportDialog(QString catalogPath, QWidget *parent)
    : QDialog(parent)
    , m_catalogPath(std::move(catalogPath))
{
    setWindowTitle(tr("Export"));
    m_format = new QComboBox(this);
    m_format->addItem(tr("CSV: one row per item, labels and predictions"), int(ExportRequest::Format::Csv));
    m_format->addItem(tr("JSON: the same rows, values kept exactly"), int(ExportRequest::Format::Json));
    m_format->addItem(tr("Folders: <department>/<image> for each labelled item, with labels.csv and labels.json"),
                      int(ExportRequest::Format::Folders));
    m_outEdit = new QLineEdit(this);
    auto *browseButton = new QPushButton(tr("Browse…"), this);
    connect(browseButton, &QPushButton::clicked, this, &ExportDialog::browse);
    auto *outRow = new QWidget(this);
    auto *outLayout = new QHBoxLayout(outRow);
    outLayout->setContentsMargins(0, 0, 0, 0);
    outLayout->addWidget(m_outEdit, 1);
    outLayout->addWidget(browseButton);

    auto *form = new QFormLayout;
    form->addRow(tr("Format:"), m_format);
    form->addRow(tr("Write to:"), outRow);
    auto *note = new QLabel(tr("In CSV, a cell that a spreadsheet would run as a formula gets a leading apostrophe."), this);
    note->setWordWrap(true);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_exportButton = buttons->addButton(tr("&Export"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);

    connect(m_outEdit, &QLineEdit::textChanged, this, [this](const QString &text) { m_exportButton->setEnabled(!text.isEmpty()); });
    m_exportButton->setEnabled(false);
    resize(640, 0);
}

void ExportDialog::setFormat(ExportRequest::Format format)
{
    m_format->setCurrentIndex(m_format->findData(int(format)));
}

void ExportDialog::setOutPath(const QString &path)
{
    m_outEdit->setText(path);
}

ExportRequest ExportDialog::request() const
{
    ExportRequest request;
    request.catalogPath = m_catalogPath;
    request.format = ExportRequest::Format(m_format->currentData().toInt());
    request.outPath = m_outEdit->text();
    return request;
}

void ExportDialog::browse()
{
    const auto format = ExportRequest::Format(m_format->currentData().toInt());
    QString path;
    if (format == ExportRequest::Format::Folders)
        path = QFileDialog::getExistingDirectory(this, tr("Export into Folder"));
    else if (format == ExportRequest::Format::Csv)
        path = QFileDialog::getSaveFileName(this, tr("Export CSV"), QStringLiteral("labels.csv"), tr("CSV files (*.csv)"));
    else
        path = QFileDialog::getSaveFileName(this, tr("Export JSON"), QStringLiteral("labels.json"), tr("JSON files (*.json)"));
    if (!path.isEmpty())
        m_outEdit->setText(path);
}

} // namespace accession
