#include "departmentkeys.h"

#include <QSet>
#include <QSettings>
#include <QUrl>

namespace accession {

namespace {

// QSettings reads '/' in a key as a group separator; department names may hold one.
QString settingsKey(const QString &department)
{
    return QStringLiteral("review/keys/") + QString::fromLatin1(QUrl::toPercentEncoding(department));
}

} // namespace

QString DepartmentKeys::defaultKeys()
{
    QString keys = QStringLiteral("1234567890");
    for (char letter = 'A'; letter <= 'Z'; ++letter) {
        if (!isReserved(QLatin1Char(letter)))
            keys += QLatin1Char(letter);
    }
    return keys;
}

QHash<QString, QChar> DepartmentKeys::load(const QStringList &departments)
{
    QSettings settings;
    QHash<QString, QChar> keys;
    QSet<QChar> used;
    for (const QString &department : departments) {
        const QString saved = settings.value(settingsKey(department)).toString().toUpper();
        if (saved.size() == 1 && defaultKeys().contains(saved[0]) && !used.contains(saved[0])) {
            keys.insert(department, saved[0]);
            used.insert(saved[0]);
        }
    }
    const QString defaults = defaultKeys();
    int next = 0;
    for (const QString &department : departments) {
        if (keys.contains(department))
            continue;
        while (next < defaults.size() && used.contains(defaults[next]))
            ++next;
        if (next == defaults.size())
            break;
        keys.insert(department, defaults[next]);
        used.insert(defaults[next]);
    }
    return keys;
}

void DepartmentKeys::save(const QStringList &departments, const QHash<QString, QChar> &keys)
{
    QSettings settings;
    for (const QString &department : departments) {
        if (keys.contains(department))
            settings.setValue(settingsKey(department), QString(keys.value(department)));
        else
            settings.remove(settingsKey(department));
    }
}

} // namespace accession
