#include "imagefolderdialog.h"

#include "catalogsession.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace accession {

namespace {

// Asked on the catalog thread: the write probe of imageFolderProblem touches the disk (perhaps a slow share).
ImageFolderState readState(Catalog &catalog)
{
    ImageFolderState state;
    state.setting = catalog.imageFolderSetting();
    state.override = catalog.imageFolderOverride();
    state.here = catalog.imageFolder();
    state.problem = state.here.isEmpty() ? QString() : Catalog::imageFolderProblem(state.here);
    state.besideCatalog = catalog.imageStoreDir();
    return state;
}

QLabel *plainLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

ImageFolderDialog::ImageFolderDialog(CatalogSession *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
{
    setWindowTitle(tr("Shared Image Folder"));
    setMinimumWidth(520);
    auto *intro = plainLabel(this);
    intro->setText(tr("Imports that copy photographs, and downloads from The Met and IIIF, store them in the shared image "
                      "folder as content-addressed files, which every curator's machine reads through its own mount of "
                      "the share. Without one, copies stay on this machine beside the catalog. Items already stored stay "
                      "where they are when the folder changes."));
    m_folder = new QLineEdit(this);
    m_folder->setPlaceholderText(tr("None: copies go beside the catalog"));
    m_choose = new QPushButton(tr("Choose…"), this);
    m_clear = new QPushButton(tr("Clear"), this);
    auto *row = new QHBoxLayout;
    row->addWidget(m_folder, 1);
    row->addWidget(m_choose);
    row->addWidget(m_clear);
    m_state = plainLabel(this);
    m_error = plainLabel(this);
    m_error->setObjectName(QStringLiteral("imageFolderError"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_save = buttons->addButton(tr("Save"), QDialogButtonBox::ApplyRole);
    m_save->setDefault(true);
    connect(buttons, &QDialogButtonBox::rejected, this, &ImageFolderDialog::reject);
    connect(m_save, &QPushButton::clicked, this, &ImageFolderDialog::save);
    connect(m_choose, &QPushButton::clicked, this, &ImageFolderDialog::chooseFolder);
    connect(m_clear, &QPushButton::clicked, m_folder, &QLineEdit::clear);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(row);
    layout->addWidget(m_state);
    layout->addWidget(m_error);
    layout->addStretch(1);
    layout->addWidget(buttons);
    m_state->setText(tr("Reading the catalog's setting…"));
    m_save->setEnabled(false);
    connect(m_session, &CatalogSession::opened, this, &ImageFolderDialog::refresh);
    connect(m_session, &CatalogSession::closed, this, &ImageFolderDialog::reject);
    refresh();
}

void ImageFolderDialog::setChosenFolder(const QString &folder)
{
    m_folder->setText(folder);
    m_error->clear();
}

void ImageFolderDialog::chooseFolder()
{
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Shared Image Folder"), m_folder->text());
    if (!folder.isEmpty())
        setChosenFolder(folder);
}

void ImageFolderDialog::refresh()
{
    if (!m_session->isOpen())
        return;
    const quint64 generation = ++m_generation;
    m_session->worker()->read(
        this, [](Catalog &catalog) { return readState(catalog); },
        [this, generation](const ImageFolderState &state) {
            if (generation == m_generation)
                showState(state);
        },
        [this](const QString &message) { m_error->setText(tr("Cannot read the image folder setting: %1").arg(message)); });
}

void ImageFolderDialog::showState(const ImageFolderState &state)
{
    m_folder->setText(state.setting);
    QStringList lines;
    if (state.setting.isEmpty())
        lines << tr("No shared image folder: copies go beside the catalog, in %1.").arg(state.besideCatalog);
    else
        lines << tr("The catalog's shared image folder: %1.").arg(state.setting);
    if (!state.override.isEmpty())
        lines << tr("On this machine %1 is set: blobs are read and written in %2 instead; the setting above is what the "
                    "other machines are told.")
                     .arg(QLatin1String(Catalog::kImageFolderEnvironment), state.override);
    if (!state.problem.isEmpty())
        lines << state.problem;
    m_state->setText(lines.join(QLatin1Char('\n')));
    m_save->setEnabled(!m_saving);
    Q_EMIT stateShown();
}

void ImageFolderDialog::save()
{
    if (!m_session->isOpen() || m_saving)
        return;
    m_saving = true;
    m_save->setEnabled(false);
    m_error->clear();
    const QString folder = m_folder->text().trimmed();
    // setImageFolderSetting asks imageFolderProblem first and throws, naming the folder and the reason, before it
    // writes anything: a refused folder leaves the old setting.
    m_session->worker()->write(
        this,
        [folder](Catalog &catalog) {
            catalog.setImageFolderSetting(folder);
            return readState(catalog);
        },
        [this](const ImageFolderState &state) {
            m_saving = false;
            ++m_generation; // a read posted before the save is older than this
            showState(state);
            m_session->notifyCatalogChanged(); // blob items may resolve differently now
            Q_EMIT saveFinished(true, QString());
        },
        [this](const QString &message) {
            m_saving = false;
            m_save->setEnabled(true);
            m_error->setText(tr("Not saved: %1").arg(message));
            Q_EMIT saveFinished(false, message);
        });
}

} // namespace accession
