#pragma once

#include "catalog/catalog.h"
#include "catalog/classificationlevel.h"

#include <QDialog>

#include <functional>

class QCheckBox;
class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;

namespace accession {

class CatalogSession;

// Edits the department list: add, rename, merge two, map departments into coarser groups, and choose whether the
// catalog classifies by department or by group (with a group's own threshold). It reads and writes
// on the catalog thread: it opens at once, says it is reading, and fills when the departments arrive.
class DepartmentsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit DepartmentsDialog(CatalogSession *session, QWidget *parent = nullptr);

    // The edits behind the buttons, written on the catalog thread; editFinished follows, and a failure shows in
    // the dialog (no modal box).
    void addDepartment(const QString &name);
    void renameDepartment(qint64 id, const QString &name);
    void mergeDepartments(qint64 fromId, qint64 intoId); // undoable: Edit ▸ Undo, or Undo Merge here
    void undoLastMerge(); // the newest merge not undone, also one from an earlier session
    void setGroup(qint64 id, const QString &group); // empty: no group
    // Classify by department or by group: every prediction is filed again from its stored probabilities, on the
    // catalog thread; the views hear that every status may have changed.
    void setLevel(ClassificationLevel level);
    // A group's own filing threshold at group level; nullopt: the model's.
    void setGroupThreshold(qint64 groupId, std::optional<double> threshold);
    QComboBox *levelBox() const { return m_level; }
    QListWidget *list() const { return m_list; }
    QPushButton *undoMergeButton() const { return m_undoMerge; }
    QString lastError() const;
    // Reads the departments again; the list keeps what it shows until they arrive.
    void refresh();
    bool isReading() const { return m_reading; }

Q_SIGNALS:
    void departmentsShown(); // a read arrived and the list shows it
    void editFinished(bool succeeded);

private:
    // What the dialog shows, read in one task.
    struct Snapshot
    {
        QVector<Department> departments;
        QVector<qint64> itemCounts; // by department, in the same order
        bool fixed = false;
        QVector<Catalog::DepartmentMerge> merges; // undoable, newest first
        ClassificationLevel level = ClassificationLevel::Department;
        QVector<DepartmentGroupInfo> groups;
    };

    void showSnapshot(const Snapshot &snapshot);
    qint64 selectedId() const;
    std::optional<Department> shownDepartment(qint64 id) const;
    // Runs the edit on the catalog thread; on success refreshes and tells the session, else shows why.
    void apply(std::function<void(Catalog &catalog)> edit, bool refiles = false);
    // An edit that files the predictions again (level, a group's threshold, a department's group).
    void applyToFiling(std::function<void(Catalog &catalog)> edit);
    void showError(const QString &message);

    CatalogSession *m_session;
    QListWidget *m_list;
    QCheckBox *m_fixed;
    QComboBox *m_level;
    QLabel *m_error;
    QLabel *m_readingLabel;
    QPushButton *m_undoMerge;
    Snapshot m_shown;
    quint64 m_generation = 0; // of the latest read; older results are dropped
    bool m_reading = false;
};

} // namespace accession
