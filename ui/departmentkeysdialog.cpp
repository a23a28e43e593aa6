#include "departmentkeysdialog.h"

#include "departmentkeys.h"
#include "displaytext.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QRegularExpressionValidator>
#include <QScrollArea>
#include <QSet>
#include <QVBoxLayout>

namespace accession {

DepartmentKeysDialog::DepartmentKeysDialog(const QStringList &departments, const QHash<QString, QChar> &keys, QWidget *parent)
    : QDialog(parent)
    , m_departments(departments)
{
    setWindowTitle(tr("Review Keys"));
    setMinimumWidth(420);
    auto *intro = new QLabel(tr("The key that files an item under each department in the Review view: a digit or a letter "
                                "other than S, which skips."),
                             this);
    intro->setWordWrap(true);
    auto *form = new QFormLayout;
    auto *validator = new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9A-Za-z]?")), this);
    for (const QString &department : departments) {
        auto *field = new QLineEdit(keys.contains(department) ? QString(keys.value(department)) : QString(), this);
        field->setMaxLength(1);
        field->setValidator(validator);
        field->setMaximumWidth(field->fontMetrics().horizontalAdvance(QStringLiteral("MM")) * 2);
        connect(field, &QLineEdit::textEdited, field, [field](const QString &text) { field->setText(text.toUpper()); });
        auto *name = new QLabel(elided(department), this);
        name->setTextFormat(Qt::PlainText);
        if (department.size() > kShownNameChars)
            name->setToolTip(plainToolTip(department));
        form->addRow(name, field);
        m_fields.insert(department, field);
    }
    auto *inner = new QWidget;
    inner->setLayout(form);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(inner);
    scroll->setWidgetResizable(true);
    m_problem = new QLabel(this);
    m_problem->setTextFormat(Qt::PlainText);
    m_problem->setWordWrap(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &DepartmentKeysDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &DepartmentKeysDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(scroll, 1);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);
}

QHash<QString, QChar> DepartmentKeysDialog::keys() const
{
    QHash<QString, QChar> keys;
    for (const QString &department : m_departments) {
        const QString text = m_fields.value(department)->text().toUpper();
        if (text.size() == 1)
            keys.insert(department, text[0]);
    }
    return keys;
}

QString DepartmentKeysDialog::problem() const
{
    QHash<QChar, QString> owner;
    const QHash<QString, QChar> chosen = keys();
    for (const QString &department : m_departments) {
        if (!chosen.contains(department))
            continue;
        const QChar key = chosen.value(department);
        if (DepartmentKeys::isReserved(key))
            return tr("%1 is the key for Skip.").arg(key);
        if (owner.contains(key))
            return tr("%1 is given to both %2 and %3.").arg(key).arg(elided(owner.value(key)), elided(department));
        owner.insert(key, department);
    }
    return {};
}

void DepartmentKeysDialog::accept()
{
    const QString why = problem();
    m_problem->setText(why);
    if (!why.isEmpty())
        return;
    DepartmentKeys::save(m_departments, keys());
    QDialog::accept();
}

} // namespace accession
