#pragma once

#include <QChar>
#include <QHash>
#include <QString>
#include <QStringList>

namespace accession {

// Fixed review keys per department, kept by department name in QSettings: a department's key must not
// change from item to item, so the hand learns it.
class DepartmentKeys
{
public:
    // The keys handed out by department order: 1-9, 0, then the letters S (skip) leaves free.
    static QString defaultKeys();
    static bool isReserved(QChar key) { return key.toUpper() == QLatin1Char('S'); }
    // One key per department (in the catalog's order): the saved choice where it is free, else the next
    // unused default; departments past the last key get none.
    static QHash<QString, QChar> load(const QStringList &departments);
    // Saves these keys; a department missing from the map goes back to its default.
    static void save(const QStringList &departments, const QHash<QString, QChar> &keys);
};

} // namespace accession
