#include "departmentsdialog.h"

#include "appearance.h"
#include "catalogsession.h"
#include "displaytext.h"
#include "mergedepartmentscommand.h"

#include "catalog/catalog.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
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
    m_error = new QLabel(this);
    m_error->setTextFormat(Qt::PlainText);
    m_error->setWordWrap(true);
    auto *add = new QPushButton(tr("Add…"), this);
    auto *rename = new QPushButton(tr("Rename…"), this);
    auto *merge = new QPushButton(tr("Merge into…"), this);
    m_undoMerge = new QPushButton(tr("Undo Merge"), this);
    auto *group = new QPushButton(tr("Group…"), this);
    auto *close = new QPushButton(tr("Close"), this);
    auto *buttons = new QVBoxLayout;
    for (QPushButton *button : {add, rename, merge, m_undoMerge, group})
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
    layout->addWidget(m_error);
    resize(560, 480);

    connect(add, &QPushButton::clicked, this, [this] {
        const QString name = QInputDialog::getText(this, tr("Add Department"), tr("Name:"));
        if (!name.trimmed().isEmpty())
            addDepartment(name);
    });
    connect(rename, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedId();
        const auto department = m_session->catalog() && id ? m_session->catalog()->department(id) : std::nullopt;
        if (!department)
            return;
        const QString name = QInputDialog::getText(this, tr("Rename Department"), tr("New name:"), QLineEdit::Normal, department->name);
        if (!name.trimmed().isEmpty())
            renameDepartment(id, name);
    });
    connect(merge, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedId();
        Catalog *catalog = m_session->catalog();
        if (!catalog || !id)
            return;
        QStringList others;
        QVector<qint64> ids;
        for (const Department &department : catalog->departments()) {
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
        const auto from = catalog->department(id);
        QMessageBox ask(QMessageBox::Question, tr("Merge Department"),
                        tr("Merge “%1” into “%2”? Its items and labels move to “%2”, and “%1” stays only as another name "
                           "for it in imports. Edit ▸ Undo or Undo Merge brings it back.")
                            .arg(elided(from ? from->name : QString()), into),
                        QMessageBox::Yes | QMessageBox::Cancel, this);
        ask.setTextFormat(Qt::PlainText); // department names are shown as they are
        ask.setDefaultButton(QMessageBox::Cancel);
        if (ask.exec() == QMessageBox::Yes)
            mergeDepartments(id, ids.value(int(shown.indexOf(into))));
    });
    connect(group, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedId();
        const auto department = m_session->catalog() && id ? m_session->catalog()->department(id) : std::nullopt;
        if (!department)
            return;
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Department Group"), tr("Group (empty for none):"), QLineEdit::Normal,
                                                   department->groupName, &ok);
        if (ok)
            setGroup(id, name);
    });
    connect(m_fixed, &QCheckBox::toggled, this, [this](bool fixed) {
        apply([this, fixed] { m_session->catalog()->setDepartmentsFixed(fixed); });
    });
    connect(m_undoMerge, &QPushButton::clicked, this, &DepartmentsDialog::undoLastMerge);
    // Edit ▸ Undo (Ctrl+Z) may undo a merge while the dialog is open.
    connect(m_session, &CatalogSession::catalogChanged, this, &DepartmentsDialog::refresh);
    connect(close, &QPushButton::clicked, this, &QDialog::accept);
    refresh();
}

void DepartmentsDialog::refresh()
{
    const qint64 selected = selectedId();
    m_list->clear();
    Catalog *catalog = m_session->catalog();
    if (!catalog)
        return;
    const CatalogStats stats = catalog->stats();
    const QVector<Department> departments = catalog->departments();
    for (int i = 0; i < departments.size(); ++i) {
        const Department &department = departments[i];
        auto *item = new QListWidgetItem(QStringLiteral("%1%2   (%3)").arg(elided(department.name),
                                             department.groupName.isEmpty() ? QString() : QStringLiteral("  [%1]").arg(elided(department.groupName)))
                                             .arg(stats.byDepartment.value(i).count), m_list);
        if (department.name.size() > kShownNameChars)
            item->setToolTip(plainToolTip(department.name));
        item->setData(Qt::UserRole, department.id);
        if (department.id == selected)
            m_list->setCurrentItem(item);
    }
    const QSignalBlocker blocker(m_fixed);
    m_fixed->setChecked(catalog->departmentsFixed());
    const QVector<Catalog::DepartmentMerge> merges = catalog->undoableDepartmentMerges();
    m_undoMerge->setEnabled(!merges.isEmpty());
    m_undoMerge->setToolTip(merges.isEmpty() ? QString()
                                             : plainToolTip(tr("Brings back “%1” with its items, labels and former names")
                                                                .arg(merges.first().fromName)));
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

bool DepartmentsDialog::apply(const std::function<void()> &edit)
{
    if (!m_session->catalog())
        return false;
    try {
        edit();
    } catch (const CatalogError &error) {
        QPalette red = m_error->palette(); // set when shown: readable in the light or dark palette of the moment
        red.setColor(QPalette::WindowText, readableOn(QColor(0xc6, 0x28, 0x28), palette()));
        m_error->setPalette(red);
        m_error->setText(elided(QString::fromUtf8(error.what()), kShownMessageChars));
        return false;
    }
    m_error->clear();
    refresh();
    m_session->notifyCatalogChanged();
    return true;
}

bool DepartmentsDialog::addDepartment(const QString &name)
{
    return apply([&] { m_session->catalog()->addDepartment(name); });
}

bool DepartmentsDialog::renameDepartment(qint64 id, const QString &name)
{
    return apply([&] { m_session->catalog()->renameDepartment(id, name); });
}

bool DepartmentsDialog::mergeDepartments(qint64 fromId, qint64 intoId)
{
    Catalog *catalog = m_session->catalog();
    const auto from = catalog ? catalog->department(fromId) : std::nullopt;
    const auto into = catalog ? catalog->department(intoId) : std::nullopt;
    qint64 mergeId = 0;
    if (!apply([&] { mergeId = catalog->mergeDepartments(fromId, intoId); }))
        return false;
    // Made here so that a refusal shows in the dialog; the stack's first redo leaves it as it is.
    m_session->undoStack()->push(new MergeDepartmentsCommand(
        m_session, mergeId, fromId, intoId,
        tr("Merge %1 into %2").arg(elided(from ? from->name : QString()), elided(into ? into->name : QString()))));
    return true;
}

bool DepartmentsDialog::undoLastMerge()
{
    Catalog *catalog = m_session->catalog();
    if (!catalog)
        return false;
    const QVector<Catalog::DepartmentMerge> merges = catalog->undoableDepartmentMerges();
    if (merges.isEmpty())
        return false;
    // The stack's own undo when the merge is on top of it, so that Redo follows; otherwise (a merge of an earlier
    // session, or one under other edits) straight from the catalog's record.
    QUndoStack *stack = m_session->undoStack();
    const auto *top = stack->index() > 0 ? dynamic_cast<const MergeDepartmentsCommand *>(stack->command(stack->index() - 1)) : nullptr;
    if (top && top->mergeId() == merges.first().id) {
        stack->undo();
        return catalog->undoableDepartmentMerges().size() < merges.size();
    }
    return apply([&] { catalog->undoDepartmentMerge(merges.first().id); });
}

bool DepartmentsDialog::setGroup(qint64 id, const QString &group)
{
    return apply([&] {
        Catalog *catalog = m_session->catalog();
        catalog->setDepartmentGroup(id, group.trimmed().isEmpty() ? 0 : catalog->addDepartmentGroup(group));
    });
}

} // namespace accession
