#pragma once

#include <QDialog>

class QCheckBox;
class QLabel;
class QListWidget;
class QPushButton;

namespace accession {

class CatalogSession;

// Edits the department list: add, rename, merge two, and map departments into coarser groups.
class DepartmentsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit DepartmentsDialog(CatalogSession *session, QWidget *parent = nullptr);

    // The edits behind the buttons; each shows a failure in the dialog (no modal box) and returns false.
    bool addDepartment(const QString &name);
    bool renameDepartment(qint64 id, const QString &name);
    bool mergeDepartments(qint64 fromId, qint64 intoId); // undoable: Edit ▸ Undo, or Undo Merge here
    bool undoLastMerge(); // the newest merge not undone, also one from an earlier session
    bool setGroup(qint64 id, const QString &group); // empty: no group
    QListWidget *list() const { return m_list; }
    QPushButton *undoMergeButton() const { return m_undoMerge; }
    QString lastError() const;
    void refresh();

private:
    qint64 selectedId() const;
    bool apply(const std::function<void()> &edit);

    CatalogSession *m_session;
    QListWidget *m_list;
    QCheckBox *m_fixed;
    QLabel *m_error;
    QPushButton *m_undoMerge;
};

} // namespace accession
