#pragma once

#include <QWidget>

class QLabel;
class QMimeData;

namespace accession {

// The local files and folders a drag carries (the window and the start page both take drops).
QStringList droppedLocalPaths(const QMimeData *mimeData);
// A dropped file that is a catalog to open rather than something to import: the catalogs' own *.accession.
bool isCatalogFileName(const QString &path);

// What an empty catalog shows instead of a blank pane: what to do first, as buttons and as a drop target.
class StartPage : public QWidget
{
    Q_OBJECT
public:
    explicit StartPage(QWidget *parent = nullptr);

    // Sorts dropped paths: an .accession file is a catalog, a folder with subfolders is department folders, a .csv
    // file is labels, the rest are unlabelled photographs.
    void handleDroppedPaths(const QStringList &paths);

Q_SIGNALS:
    void importLabelledRequested();
    void importUnlabelledRequested();
    void addModelRequested();
    void addWeightsRequested();
    void departmentFoldersDropped(const QString &dir);
    void csvDropped(const QString &csvPath);
    void catalogDropped(const QString &catalogPath);
    void unlabelledDropped(const QStringList &paths);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;
};

} // namespace accession
