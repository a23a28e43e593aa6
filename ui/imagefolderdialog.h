#pragma once

#include <QDialog>
#include <QString>

class QLabel;
class QLineEdit;
class QPushButton;

namespace accession {

class CatalogSession;

// What the catalog and this machine say about the shared image folder, read on the catalog thread.
struct ImageFolderState
{
    QString setting;  // the catalog's folder, as the curators' machines see it; empty: none
    QString override; // this machine's ACCESSION_IMAGE_FOLDER; empty: none
    QString here;     // where this machine reads and writes blobs (the override, else the setting)
    QString problem;  // why blobs cannot be written there; empty if they can (or there is no folder)
    QString besideCatalog; // where copies go without a shared folder
};

// Edit ▸ Shared Image Folder…: the GUI's `accession-cli storage`. Shows the catalog's shared image folder (and an
// environment override in force on this machine), lets the curator choose one or clear it, and records the setting
// through the catalog thread, which checks the folder first; a refused folder is named with the reason and the
// old setting stays. Like the command, it only records the setting: items already stored stay where they are.
class ImageFolderDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ImageFolderDialog(CatalogSession *session, QWidget *parent = nullptr);

    QLineEdit *folderField() const { return m_folder; }
    QPushButton *chooseButton() const { return m_choose; }
    QPushButton *clearButton() const { return m_clear; }
    QPushButton *saveButton() const { return m_save; }
    QLabel *stateLabel() const { return m_state; }
    QLabel *errorLabel() const { return m_error; }
    // The folder the curator asked for, as the Choose… button's file dialog gives it.
    void setChosenFolder(const QString &folder);
    // Reads the setting again (after opened, and after each save).
    void refresh();
    // Records the folder in the field (empty: clear the setting) on the catalog thread.
    void save();

Q_SIGNALS:
    void stateShown(); // a fresh reading of the setting is on screen
    void saveFinished(bool saved, const QString &error);

private:
    void showState(const ImageFolderState &state);
    void chooseFolder();

    CatalogSession *m_session;
    QLineEdit *m_folder;
    QPushButton *m_choose;
    QPushButton *m_clear;
    QPushButton *m_save;
    QLabel *m_state;
    QLabel *m_error;
    quint64 m_generation = 0;
    bool m_saving = false;
};

} // namespace accession
