#include "departmentsdialog.h"

#include "appearance.h"
#include "catalogsession.h"
#include "displaytext.h"
#include "mergedepartmentscommand.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHash>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QUndoStack>
#include <QVBoxLayout>

namespace accession {

DepartmentsDialog::DepartmentsDialog(CatalogSession *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
{
    setWindowTitle(tr("Departments"));
    m_list = new QListWidget(this);
    m_fixed = new QCheckBox(tr("Fixed list: imports refuse departments not in it"), this);
    m_level = new QComboBox(this);
    m_level->addItem(tr("Department"), int(ClassificationLevel::Department));
    m_level->addItem(tr("Department group"), int(ClassificationLevel::Group));
    m_level->setToolTip(tr("By group, items are filed, reviewed and measured by department group (a department in no "
                           "group counts as its own): a group's probability is the sum of its departments'."));
    m_error = new QLabel(this);
    m_error->setTextFormat(Qt::PlainText);
    m_error->setWordWrap(true);
    auto *add = new QPushButton(tr("Add…"), this);
    auto *rename = new QPushButton(tr("Rename…"), this);
    auto *merge = new QPushButton(tr("Merge into…"), this);
    m_undoMerge = new QPushButton(tr("Undo Merge"), this);
    auto *group = new QPushButton(tr("Group…"), this);
    auto *groupThreshold = new QPushButton(tr("Group Threshold…"), this);
    groupThreshold->setToolTip(tr("The selected department's group's own auto-filing threshold when classifying by group"));
    auto *close = new QPushButton(tr("Close"), this);
    auto *buttons = new QVBoxLayout;
    for (QPushButton *button : {add, rename, merge, m_undoMerge, group, groupThreshold})
        buttons->addWidget(button);
    buttons->addStretch(1);
    buttons->addWidget(close);
    auto *top = new QHBoxLayout;
    top->addWidget(m_list, 1);
    top->addLayout(buttons);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("A merged or renamed department's old name keeps working in imports. Groups let a "
                                    "smaller institution see the model's predictions at its own coarser level."), this));
    layout->addLayout(top);
    layout->addWidget(m_fixed);
    auto *levelRow = new QHBoxLayout;
    levelRow->addWidget(new QLabel(tr("Classify by:"), this));
    levelRow->addWidget(m_level);
    levelRow->addStretch(1);
    layout->addLayout(levelRow);
    layout->addWidget(m_error);
    resize(560, 480);

    m_readingLabel = new QLabel(tr("Reading the departments…"), this);
    layout->insertWidget(1, m_readingLabel);

    connect(add, &QPushButton::clicked, this, [this] {
        const QString name = QInputDialog::getText(this, tr("Add Department"), tr("Name:"));
        if (!name.trimmed().isEmpty())
            addDepartment(name);
    });
    connect(rename, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedId();
        const auto department = shownDepartment(id);
        if (!department)
            return;
        const QString name = QInputDialog::getText(this, tr("Rename Department"), tr("New name:"), QLineEdit::Normal, department->name);
        if (!name.trimmed().isEmpty())
            renameDepartment(id, name);
    });
    connect(merge, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedId();
        const auto from = shownDepartment(id);
        if (!from)
            return;
        QStringList others;
        QVector<qint64> ids;
        for (const Department &department : std::as_const(m_shown.departments)) {
            if (department.id != id) {
                others << department.name;
                ids << department.id;
            }
        }
        // Shown elided; numbered where elided names come out alike, so that the choice maps back to one id.
        QStringList shown;
        for (const QString &name : std::as_const(others)) {
            QString label = elided(name);
            for (int n = 2; shown.contains(label); ++n)
                label = QStringLiteral("%1 (%2)").arg(elided(name)).arg(n);
            shown << label;
        }
        bool ok = false;
        const QString into = QInputDialog::getItem(this, tr("Merge Department"), tr("Merge the selected department into:"), shown, 0, false, &ok);
        if (!ok)
            return;
        // A merge moves every item and label of the department: asked before, never on a stray click.
        QMessageBox ask(QMessageBox::Question, tr("Merge Department"),
                        tr("Merge “%1” into “%2”? Its items and labels move to “%2”, and “%1” stays only as another name "
                           "for it in imports. Edit ▸ Undo or Undo Merge brings it back.")
                            .arg(elided(from->name), into),
                        QMessageBox::Yes | QMessageBox::Cancel, this);
        ask.setTextFormat(Qt::PlainText); // department names are shown as they are
        ask.setDefaultButton(QMessageBox::Cancel);
        if (ask.exec() == QMessageBox::Yes)
            mergeDepartments(id, ids.value(int(shown.indexOf(into))));
    });
    connect(group, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedId();
        const auto department = shownDepartment(id);
        if (!department)
            return;
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Department Group"), tr("Group (empty for none):"), QLineEdit::Normal,
                                                   department->groupName, &ok);
        if (ok)
            setGroup(id, name);
    });
    connect(groupThreshold, &QPushButton::clicked, this, [this] {
        const auto department = shownDepartment(selectedId());
        if (!department)
            return;
        if (department->groupId == 0) {
            showError(tr("“%1” is in no group: put it in one first (Group…)").arg(elided(department->name)));
            return;
        }
        std::optional<double> current;
        for (const DepartmentGroupInfo &info : std::as_const(m_shown.groups)) {
            if (info.id == department->groupId)
                current = info.threshold;
        }
        bool ok = false;
        const QString text = QInputDialog::getText(this, tr("Group Threshold"),
                                                   tr("Auto-file threshold for “%1”, 0 to 1 (empty: the model's):").arg(elided(department->groupName)),
                                                   QLineEdit::Normal, current ? QString::number(*current) : QString(), &ok);
        if (!ok)
            return;
        bool number = true;
        const double value = text.trimmed().toDouble(&number);
        if (!text.trimmed().isEmpty() && (!number || value < 0.0 || value > 1.0)) {
            showError(tr("A threshold is a number from 0 to 1, not “%1”").arg(elided(text)));
            return;
        }
        setGroupThreshold(department->groupId, text.trimmed().isEmpty() ? std::nullopt : std::optional<double>(value));
    });
    connect(m_level, &QComboBox::currentIndexChanged, this, [this](int index) {
        setLevel(ClassificationLevel(m_level->itemData(index).toInt()));
    });
    connect(m_fixed, &QCheckBox::toggled, this, [this](bool fixed) {
        apply([fixed](Catalog &catalog) { catalog.setDepartmentsFixed(fixed); });
    });
    connect(m_undoMerge, &QPushButton::clicked, this, &DepartmentsDialog::undoLastMerge);
    // Edit ▸ Undo (Ctrl+Z) may undo a merge while the dialog is open; an edit here tells the session too.
    connect(m_session, &CatalogSession::catalogChanged, this, &DepartmentsDialog::refresh);
    connect(m_session, &CatalogSession::opened, this, &DepartmentsDialog::refresh);
    connect(close, &QPushButton::clicked, this, &QDialog::accept);
    m_undoMerge->setEnabled(false);
    refresh();
}

void DepartmentsDialog::refresh()
{
    if (!m_session->isOpen())
        return;
    const quint64 generation = ++m_generation;
    m_reading = true;
    m_readingLabel->setVisible(m_list->count() == 0); // a list already shown stays until the new one replaces it
    m_session->worker()->read(
        this,
        [](Catalog &catalog) {
            Snapshot snapshot;
            snapshot.departments = catalog.departments();
            const CatalogStats stats = catalog.stats();
            for (int i = 0; i < snapshot.departments.size(); ++i)
                snapshot.itemCounts << stats.byDepartment.value(i).count;
            snapshot.fixed = catalog.departmentsFixed();
            snapshot.merges = catalog.undoableDepartmentMerges();
            snapshot.level = classificationLevel(catalog);
            snapshot.groups = departmentGroups(catalog);
            return snapshot;
        },
        [this, generation](const Snapshot &snapshot) {
            if (generation == m_generation)
                showSnapshot(snapshot);
        },
        [this, generation](const QString &message) {
            if (generation != m_generation)
                return;
            m_reading = false;
            m_readingLabel->hide();
            showError(message);
        });
}

void DepartmentsDialog::showSnapshot(const Snapshot &snapshot)
{
    m_reading = false;
    m_readingLabel->hide();
    m_shown = snapshot;
    const qint64 selected = selectedId();
    m_list->clear();
    QHash<qint64, QString> thresholds; // of the groups with their own
    for (const DepartmentGroupInfo &group : snapshot.groups) {
        if (group.threshold)
            thresholds.insert(group.id, tr(", threshold %1").arg(*group.threshold, 0, 'f', 2));
    }
    for (int i = 0; i < snapshot.departments.size(); ++i) {
        const Department &department = snapshot.departments[i];
        const QString group = department.groupName.isEmpty()
            ? QString()
            : QStringLiteral("  [%1%2]").arg(elided(department.groupName), thresholds.value(department.groupId));
        auto *item = new QListWidgetItem(QStringLiteral("%1%2   (%3)").arg(elided(department.name), group)
                                             .arg(snapshot.itemCounts.value(i)), m_list);
        if (department.name.size() > kShownNameChars)
            item->setToolTip(plainToolTip(department.name));
        item->setData(Qt::UserRole, department.id);
        if (department.id == selected)
            m_list->setCurrentItem(item);
    }
    const QSignalBlocker blocker(m_fixed);
    m_fixed->setChecked(snapshot.fixed);
    const QSignalBlocker levelBlocker(m_level);
    m_level->setCurrentIndex(m_level->findData(int(snapshot.level)));
    m_undoMerge->setEnabled(!snapshot.merges.isEmpty());
    m_undoMerge->setToolTip(snapshot.merges.isEmpty() ? QString()
                                                      : plainToolTip(tr("Brings back “%1” with its items, labels and former names")
                                                                         .arg(snapshot.merges.first().fromName)));
    Q_EMIT departmentsShown();
}

QString DepartmentsDialog::lastError() const
{
    return m_error->text();
}

qint64 DepartmentsDialog::selectedId() const
{
    const QListWidgetItem *item = m_list->currentItem();
    return item ? item->data(Qt::UserRole).toLongLong() : 0;
}

std::optional<Department> DepartmentsDialog::shownDepartment(qint64 id) const
{
    for (const Department &department : m_shown.departments) {
        if (department.id == id)
            return department;
    }
    return std::nullopt;
}

void DepartmentsDialog::showError(const QString &message)
{
    QPalette red = m_error->palette(); // set when shown: readable in the light or dark palette of the moment
    red.setColor(QPalette::WindowText, readableOn(QColor(0xc6, 0x28, 0x28), palette()));
    m_error->setPalette(red);
    m_error->setText(elided(message, kShownMessageChars));
}

void DepartmentsDialog::applyToFiling(std::function<void(Catalog &catalog)> edit)
{
    apply(std::move(edit), true);
}

void DepartmentsDialog::apply(std::function<void(Catalog &catalog)> edit, bool refiles)
{
    if (!m_session->isOpen())
        return;
    // The session receives the result, so that the views hear of the change even when the dialog is closed first.
    const QPointer<DepartmentsDialog> dialog(this);
    m_session->worker()->write(
        m_session, [edit = std::move(edit)](Catalog &catalog) { edit(catalog); },
        [session = m_session, dialog, refiles] {
            if (dialog) {
                dialog->m_error->clear();
                Q_EMIT dialog->editFinished(true);
            }
            session->notifyCatalogChanged(); // the dialog refreshes on it
            if (refiles)
                session->notifyModelsChanged(); // every item's status may have changed, and the dashboard's level
        },
        [session = m_session, dialog](const QString &message) {
            if (!dialog) {
                session->reportError(message);
                return;
            }
            dialog->showError(message);
            dialog->refresh(); // what the catalog holds, e.g. the fixed box as it was
            Q_EMIT dialog->editFinished(false);
        });
}

void DepartmentsDialog::addDepartment(const QString &name)
{
    apply([name](Catalog &catalog) { catalog.addDepartment(name); });
}

void DepartmentsDialog::renameDepartment(qint64 id, const QString &name)
{
    apply([id, name](Catalog &catalog) { catalog.renameDepartment(id, name); });
}

void DepartmentsDialog::mergeDepartments(qint64 fromId, qint64 intoId)
{
    if (!m_session->isOpen())
        return;
    const auto from = shownDepartment(fromId);
    const auto into = shownDepartment(intoId);
    const QString text = tr("Merge %1 into %2").arg(elided(from ? from->name : QString()), elided(into ? into->name : QString()));
    const QPointer<DepartmentsDialog> dialog(this);
    m_session->worker()->write(
        m_session, [fromId, intoId](Catalog &catalog) { return catalog.mergeDepartments(fromId, intoId); },
        [session = m_session, dialog, fromId, intoId, text](qint64 mergeId) {
            // Pushed once made, so that a refusal shows in the dialog; the stack's first redo leaves it as it is.
            session->undoStack()->push(new MergeDepartmentsCommand(session, mergeId, fromId, intoId, text));
            if (dialog) {
                dialog->m_error->clear();
                Q_EMIT dialog->editFinished(true);
            }
            session->notifyCatalogChanged();
        },
        [session = m_session, dialog](const QString &message) {
            if (!dialog) {
                session->reportError(message);
                return;
            }
            dialog->showError(message);
            Q_EMIT dialog->editFinished(false);
        });
}

void DepartmentsDialog::undoLastMerge()
{
    if (!m_session->isOpen() || m_shown.merges.isEmpty())
        return;
    const qint64 newest = m_shown.merges.first().id;
    // The stack's own undo when the merge is on top of it, so that Redo follows; otherwise (a merge of an earlier
    // session, or one under other edits) straight from the catalog's record.
    QUndoStack *stack = m_session->undoStack();
    const auto *top = stack->index() > 0 ? dynamic_cast<const MergeDepartmentsCommand *>(stack->command(stack->index() - 1)) : nullptr;
    if (top && top->mergeId() == newest) {
        m_undoMerge->setEnabled(false); // until the refresh after the undo says what is left to undo
        stack->undo();
        return;
    }
    apply([newest](Catalog &catalog) { catalog.undoDepartmentMerge(newest); });
}

void DepartmentsDialog::setLevel(ClassificationLevel level)
{
    applyToFiling([level](Catalog &catalog) { setClassificationLevel(catalog, level); });
}

void DepartmentsDialog::setGroupThreshold(qint64 groupId, std::optional<double> threshold)
{
    applyToFiling([groupId, threshold](Catalog &catalog) { accession::setGroupThreshold(catalog, groupId, threshold); });
}

void DepartmentsDialog::setGroup(qint64 id, const QString &group)
{
    applyToFiling([id, group](Catalog &catalog) {
        catalog.setDepartmentGroup(id, group.trimmed().isEmpty() ? 0 : catalog.addDepartmentGroup(group));
    });
}

} // namespace accession
