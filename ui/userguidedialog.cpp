#include "userguidedialog.h"

#include <QDialogButtonBox>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace accession {

UserGuideDialog::UserGuideDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Accession User Guide"));
    m_browser = new QTextBrowser(this);
    m_browser->setOpenExternalLinks(false);
    m_browser->setHtml(guideHtml());
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_browser);
    layout->addWidget(buttons);
    resize(640, 560);
}

QString UserGuideDialog::guideHtml()
{
    return tr(
        "<h2>Accession: sorting photographs into departments</h2>"
        "<p>Accession learns from photographs your museum has already filed and proposes a department for each new one. "
        "Confident proposals are filed automatically; the others wait in the review queue for you.</p>"
        "<h3>1. A catalog</h3>"
        "<p><b>File ▸ New Catalog…</b> creates a catalog file; <b>File ▸ Open Catalog…</b> opens one. The last catalog "
        "opens by itself at the next start. <b>File ▸ Open Demo Catalog</b> builds a small example (generated images, "
        "not real artworks).</p>"
        "<h3>2. Photographs</h3>"
        "<p><b>File ▸ Import Files…</b> (Ctrl+I), <b>Import Folder…</b>, or drop files and folders on the window. "
        "Photographs already filed by the museum teach the model; new ones are classified as soon as a model exists. "
        "Files that cannot be read are listed in the Problems panel (<b>View ▸ Problems</b>).</p>"
        "<h3>3. A model</h3>"
        "<p><b>Model ▸ Train or Retrain…</b> (Ctrl+T) trains on the labelled photographs, with progress and Cancel. "
        "The <b>Model</b> tab shows its accuracy per department, the confusion matrix (click a cell for its items), "
        "calibration, and the auto-file threshold: move the slider to see how many items would be filed and how "
        "accurately, then <b>Apply threshold</b>.</p>"
        "<h3>4. Review</h3>"
        "<p>The <b>Review</b> tab (Ctrl+2) shows the least certain items first. Enter accepts the suggestion; choose "
        "another department to correct it. Every decision can be undone with Ctrl+Z. Your decisions become labels "
        "that the next training uses.</p>"
        "<h3>5. The catalog</h3>"
        "<p>The <b>Catalog</b> tab (Ctrl+1) shows every item as a grid or a list, filtered by department, status or a "
        "search of external ids and file names. <b>Edit ▸ Departments…</b> renames, merges and groups departments. "
        "<b>Edit ▸ Shared Image Folder…</b> names a folder on a share where copied imports and downloads are "
        "stored for every curator's machine to read (<code>accession-cli storage</code> on the command line).</p>"
        "<h3>6. Checking labels</h3>"
        "<p><b>Model ▸ Check Labels…</b> (Ctrl+Shift+L) lists the labelled items whose department is probably wrong, "
        "most suspicious first, each judged by a model fitted without its own label. C keeps the label, T takes the "
        "suggestion (both recorded as your labels, undone with Ctrl+Z), S skips. Items you have labelled or confirmed "
        "are not listed again.</p>"
        "<h3>Preferences</h3>"
        "<p><b>Edit ▸ Preferences…</b> sets the thumbnail size and the accuracy a new model's auto-filing aims for.</p>"
        "<p>Everything the application does can also be done from the command line: run "
        "<code>accession-cli --help</code>.</p>");
}

} // namespace accession
