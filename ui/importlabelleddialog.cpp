#include "importlabelleddialog.h"

#include "displaytext.h"

#include "ingest/csvreader.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace accession {

namespace {
// A preview row longer than this is a broken file, not a label: it stops the preview, never fills memory.
constexpr qsizetype kMaxPreviewRecordChars = 64 * 1024;

QWidget *pathRow(QLineEdit *edit, QPushButton *browse)
{
    auto *row = new QWidget;
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    return row;
}

// A bounded read: the header and kPreviewRows rows, each at most kMaxPreviewRecordChars. Runs on a pool thread.
ImportLabelledDialog::CsvPreview readCsvPreview(const QString &csvPath)
{
    ImportLabelledDialog::CsvPreview preview;
    preview.path = csvPath;
    CsvReader reader(csvPath);
    reader.setMaxRecordChars(kMaxPreviewRecordChars);
    CsvReader::Row row;
    if (!reader.open() || !reader.readRow(row)) {
        preview.error = reader.error().isEmpty() ? QObject::tr("%1 has no header row").arg(csvPath) : reader.error();
        return preview;
    }
    preview.header = row.fields;
    while (preview.rows.size() < ImportLabelledDialog::kPreviewRows && reader.readRow(row))
        preview.rows << row.fields;
    return preview;
}

// The first header name that is one of the usual names for a column, or -1.
int usualColumn(const QStringList &header, const QStringList &usual)
{
    for (const QString &name : usual) {
        const int index = header.indexOf(name);
        if (index >= 0)
            return index;
    }
    return -1;
}
}

ImportLabelledDialog::ImportLabelledDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Import Labelled Photographs"));
    m_foldersChoice = new QRadioButton(tr("One &folder per department (photos/<department>/*.jpg)"), this);
    m_csvChoice = new QRadioButton(tr("A &CSV with labels, and a folder of images"), this);
    m_foldersChoice->setChecked(true);
    auto *choices = new QButtonGroup(this);
    choices->addButton(m_foldersChoice);
    choices->addButton(m_csvChoice);

    m_foldersEdit = new QLineEdit(this);
    m_foldersEdit->setPlaceholderText(tr("The folder that holds one subfolder per department"));
    auto *browseFolders = new QPushButton(tr("Browse…"), this);
    connect(browseFolders, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Department Folders"));
        if (!dir.isEmpty())
            chooseDepartmentFolders(dir);
    });
    m_foldersPart = pathRow(m_foldersEdit, browseFolders);

    m_csvEdit = new QLineEdit(this);
    m_csvEdit->setPlaceholderText(tr("labels.csv"));
    auto *browseCsv = new QPushButton(tr("Browse…"), this);
    connect(browseCsv, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("CSV with Labels"), QString(), tr("CSV files (*.csv);;All files (*)"));
        if (!path.isEmpty())
            chooseCsv(path);
    });
    connect(m_csvEdit, &QLineEdit::editingFinished, this, [this] { chooseCsv(m_csvEdit->text()); });
    m_imagesEdit = new QLineEdit(this);
    m_imagesEdit->setPlaceholderText(tr("The folder the CSV's file names are relative to (default: the CSV's folder)"));
    auto *browseImages = new QPushButton(tr("Browse…"), this);
    connect(browseImages, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Image Folder"));
        if (!dir.isEmpty())
            setImagesDir(dir);
    });
    m_idColumn = new QComboBox(this);
    m_fileColumn = new QComboBox(this);
    m_labelColumn = new QComboBox(this);
    m_titleColumn = new QComboBox(this);
    m_csvStatus = new QLabel(this);
    m_csvStatus->setTextFormat(Qt::PlainText);
    m_csvStatus->setWordWrap(true);
    m_preview = new QTableWidget(this);
    m_preview->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_preview->verticalHeader()->hide();
    m_preview->setMinimumHeight(180);

    m_csvPart = new QWidget(this);
    auto *csvForm = new QFormLayout(m_csvPart);
    csvForm->setContentsMargins(0, 0, 0, 0);
    csvForm->addRow(tr("CSV file:"), pathRow(m_csvEdit, browseCsv));
    csvForm->addRow(tr("Images folder:"), pathRow(m_imagesEdit, browseImages));
    csvForm->addRow(tr("Department column:"), m_labelColumn);
    csvForm->addRow(tr("File name column:"), m_fileColumn);
    csvForm->addRow(tr("Object id column:"), m_idColumn);
    csvForm->addRow(tr("Title column:"), m_titleColumn);
    csvForm->addRow(m_csvStatus);
    csvForm->addRow(m_preview);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_importButton = buttons->addButton(tr("&Import"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_foldersChoice);
    layout->addWidget(m_foldersPart);
    layout->addSpacing(8);
    layout->addWidget(m_csvChoice);
    layout->addWidget(m_csvPart, 1);
    layout->addWidget(buttons);

    connect(m_foldersChoice, &QRadioButton::toggled, this, &ImportLabelledDialog::updateEnabled);
    connect(m_foldersEdit, &QLineEdit::textChanged, this, &ImportLabelledDialog::updateEnabled);
    connect(m_labelColumn, &QComboBox::currentIndexChanged, this, &ImportLabelledDialog::updateEnabled);
    for (QComboBox *combo : {m_idColumn, m_fileColumn, m_labelColumn, m_titleColumn})
        connect(combo, &QComboBox::currentIndexChanged, this, &ImportLabelledDialog::updatePreviewHeader);
    connect(&m_previewReader, &QFutureWatcher<CsvPreview>::finished, this, [this] {
        const CsvPreview preview = m_previewReader.result();
        if (preview.path == m_csvEdit->text()) // else another file was chosen meanwhile
            showPreview(preview);
    });
    resize(760, 560);
    updateEnabled();
}

void ImportLabelledDialog::chooseDepartmentFolders(const QString &dir)
{
    m_foldersChoice->setChecked(true);
    m_foldersEdit->setText(dir);
}

void ImportLabelledDialog::setImagesDir(const QString &dir)
{
    m_imagesEdit->setText(dir);
}

void ImportLabelledDialog::chooseCsv(const QString &csvPath)
{
    m_csvChoice->setChecked(true);
    if (m_csvEdit->text() != csvPath)
        m_csvEdit->setText(csvPath);
    m_header.clear();
    m_preview->clear();
    m_preview->setRowCount(0);
    m_preview->setColumnCount(0);
    for (QComboBox *combo : {m_idColumn, m_fileColumn, m_labelColumn, m_titleColumn})
        combo->clear();
    m_csvStatus->setText(tr("Reading %1…").arg(elided(QFileInfo(csvPath).fileName())));
    updateEnabled();
    m_previewReader.setFuture(QtConcurrent::run(readCsvPreview, csvPath));
}

void ImportLabelledDialog::showPreview(const CsvPreview &preview)
{
    if (!preview.error.isEmpty()) {
        m_csvStatus->setText(elided(preview.error, kShownMessageChars));
        updateEnabled();
        Q_EMIT previewShown();
        return;
    }
    m_header = preview.header;
    const QVector<QStringList> &rows = preview.rows;
    m_preview->setColumnCount(int(m_header.size()));
    m_preview->setRowCount(int(rows.size()));
    for (int r = 0; r < rows.size(); ++r) {
        for (int c = 0; c < rows[r].size() && c < m_header.size(); ++c) {
            auto *cell = new QTableWidgetItem(elided(rows[r][c]));
            cell->setToolTip(plainToolTip(rows[r][c]));
            m_preview->setItem(r, c, cell);
        }
    }

    // An empty mapping makes the import look for the usual names, so "none" is offered only where the header
    // holds none of them: what the combo shows is what the import will use.
    const int usualLabel = usualColumn(m_header, defaultLabelColumns());
    const int usualFile = usualColumn(m_header, defaultFileColumns());
    const int usualId = usualColumn(m_header, defaultIdColumns());
    const int usualTitle = usualColumn(m_header, defaultTitleColumns());
    if (usualLabel < 0)
        m_labelColumn->addItem(tr("(choose the department column)"), QString());
    if (usualFile < 0)
        m_fileColumn->addItem(tr("(none: images are <id>.jpg, .png, …)"), QString());
    if (usualId < 0)
        m_idColumn->addItem(tr("(none)"), QString());
    if (usualTitle < 0)
        m_titleColumn->addItem(tr("(none)"), QString());
    for (const QString &name : m_header) {
        for (QComboBox *combo : {m_idColumn, m_fileColumn, m_labelColumn, m_titleColumn})
            combo->addItem(elided(name), name);
    }
    m_labelColumn->setCurrentIndex(std::max(0, int(m_labelColumn->findData(m_header.value(usualLabel)))));
    m_fileColumn->setCurrentIndex(std::max(0, int(m_fileColumn->findData(m_header.value(usualFile)))));
    m_idColumn->setCurrentIndex(std::max(0, int(m_idColumn->findData(m_header.value(usualId)))));
    m_titleColumn->setCurrentIndex(std::max(0, int(m_titleColumn->findData(m_header.value(usualTitle)))));
    updatePreviewHeader();
    m_csvStatus->setText(tr("The first %n row(s) of %1 (columns mapped to no role are kept but not shown as the item's details):",
                            nullptr, int(rows.size()))
                             .arg(elided(QFileInfo(preview.path).fileName())));
    if (m_imagesEdit->text().isEmpty())
        m_imagesEdit->setText(QFileInfo(preview.path).absolutePath());
    updateEnabled();
    Q_EMIT previewShown();
}

QComboBox *ImportLabelledDialog::comboFor(const QString &role) const
{
    if (role == QLatin1String("id"))
        return m_idColumn;
    if (role == QLatin1String("file"))
        return m_fileColumn;
    if (role == QLatin1String("label"))
        return m_labelColumn;
    if (role == QLatin1String("title"))
        return m_titleColumn;
    return nullptr;
}

bool ImportLabelledDialog::mapColumn(const QString &role, const QString &column)
{
    QComboBox *combo = comboFor(role);
    const int index = combo ? combo->findData(column) : -1;
    if (index < 0)
        return false;
    combo->setCurrentIndex(index);
    return true;
}

ImportRequest ImportLabelledDialog::request() const
{
    ImportRequest request;
    if (m_foldersChoice->isChecked()) {
        request.source = ImportRequest::Source::DepartmentFolders;
        request.foldersDir = m_foldersEdit->text();
        return request;
    }
    request.source = ImportRequest::Source::Csv;
    request.csvPath = m_csvEdit->text();
    request.imagesDir = m_imagesEdit->text().isEmpty() ? QFileInfo(request.csvPath).absolutePath() : m_imagesEdit->text();
    request.columns.labelColumn = m_labelColumn->currentData().toString();
    request.columns.fileColumn = m_fileColumn->currentData().toString();
    request.columns.idColumn = m_idColumn->currentData().toString();
    request.columns.titleColumn = m_titleColumn->currentData().toString();
    return request;
}

void ImportLabelledDialog::updatePreviewHeader()
{
    // Each column's header says which role it is mapped to, so the preview shows what the import will read.
    for (int column = 0; column < m_header.size() && column < m_preview->columnCount(); ++column) {
        QStringList roles;
        if (m_labelColumn->currentData().toString() == m_header[column])
            roles << tr("department");
        if (m_fileColumn->currentData().toString() == m_header[column])
            roles << tr("file");
        if (m_idColumn->currentData().toString() == m_header[column])
            roles << tr("id");
        if (m_titleColumn->currentData().toString() == m_header[column])
            roles << tr("title");
        const QString name = elided(m_header[column]);
        auto *item = new QTableWidgetItem(roles.isEmpty() ? name : tr("%1 → %2").arg(name, roles.join(QStringLiteral(", "))));
        item->setToolTip(plainToolTip(m_header[column]));
        m_preview->setHorizontalHeaderItem(column, item);
    }
    m_preview->resizeColumnsToContents();
}

void ImportLabelledDialog::updateEnabled()
{
    const bool folders = m_foldersChoice->isChecked();
    m_foldersPart->setEnabled(folders);
    m_csvPart->setEnabled(!folders);
    if (m_importButton)
        m_importButton->setEnabled(folders ? !m_foldersEdit->text().isEmpty()
                                           : !m_header.isEmpty() && !m_labelColumn->currentData().toString().isEmpty());
}

} // namespace accession
