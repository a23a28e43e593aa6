#pragma once

#include <QChar>
#include <QDialog>
#include <QHash>
#include <QStringList>

class QLabel;
class QLineEdit;

namespace accession {

// Lets the curator choose each department's review key; refuses a key given twice or one taken by Skip.
class DepartmentKeysDialog : public QDialog
{
    Q_OBJECT
public:
    DepartmentKeysDialog(const QStringList &departments, const QHash<QString, QChar> &keys, QWidget *parent = nullptr);

    // The keys as edited; a department left blank has none.
    QHash<QString, QChar> keys() const;
    QLineEdit *keyField(const QString &department) const { return m_fields.value(department); }
    // Why the keys as edited cannot be saved; empty when they can.
    QString problem() const;

    void accept() override;

private:
    QStringList m_departments;
    QHash<QString, QLineEdit *> m_fields;
    QLabel *m_problem;
};

} // namespace accession
