#include "sessionpasswords.h"

#include "catalogtypes.h"
#include "cataloglocation.h"

#include <QHash>
#include <QMutex>

namespace accession::SessionPasswords {

namespace {

QMutex &passwordsMutex()
{
    static QMutex mutex;
    return mutex;
}

QHash<QString, QString> &passwords()
{
    static QHash<QString, QString> byLocation;
    return byLocation;
}

// The URL as Catalog::path() shows it, so that "postgres://h/db" and "postgresql://h:/db" share one password.
std::optional<QString> keyOf(const QString &location)
{
    if (!CatalogLocation::isPostgresUrl(location))
        return std::nullopt;
    try {
        return CatalogLocation::parse(location).display();
    } catch (const CatalogError &) {
        return std::nullopt;
    }
}

} // namespace

void remember(const QString &location, const QString &password)
{
    const std::optional<QString> key = keyOf(location);
    if (!key)
        return;
    QMutexLocker lock(&passwordsMutex());
    passwords().insert(*key, password);
}

void forget(const QString &location)
{
    const std::optional<QString> key = keyOf(location);
    if (!key)
        return;
    QMutexLocker lock(&passwordsMutex());
    passwords().remove(*key);
}

std::optional<QString> passwordFor(const QString &location)
{
    const std::optional<QString> key = keyOf(location);
    if (!key)
        return std::nullopt;
    QMutexLocker lock(&passwordsMutex());
    const auto found = passwords().constFind(*key);
    if (found == passwords().constEnd())
        return std::nullopt;
    return *found;
}

bool isPasswordRefusal(const QString &message)
{
    // libpq's words: "fe_sendauth: no password supplied", "password authentication failed for user ...".
    return message.contains(QLatin1String("no password supplied"), Qt::CaseInsensitive)
        || message.contains(QLatin1String("password authentication failed"), Qt::CaseInsensitive);
}

} // namespace accession::SessionPasswords
