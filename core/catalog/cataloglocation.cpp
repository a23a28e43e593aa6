#include "cataloglocation.h"

#include "catalogfolders.h"
#include "catalogtypes.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QUrl>
#include <QUrlQuery>

namespace accession {

bool CatalogLocation::isPostgresUrl(const QString &location)
{
    return location.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive)
        || location.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive);
}

CatalogLocation CatalogLocation::parse(const QString &location)
{
    CatalogLocation result;
    if (!isPostgresUrl(location)) {
        result.filePath = QFileInfo(location).absoluteFilePath();
        return result;
    }
    result.dialect = SqlDialect::PostgreSQL;
    const QUrl url(location, QUrl::StrictMode);
    // What the messages below show: never the password, should the URL hold one.
    QUrl shown = url;
    shown.setPassword(QString());
    const QString name = url.isValid() ? shown.toString() : QStringLiteral("the PostgreSQL URL");
    if (!url.isValid())
        throw CatalogError(QStringLiteral("cannot read the catalog URL: %1 (write postgresql://[user@]host[:port]/dbname)")
                               .arg(url.errorString()));
    if (!url.password().isEmpty())
        throw CatalogError(QStringLiteral("catalog URL %1 holds a password: give it through ~/.pgpass, PGPASSWORD or a "
                                          "PostgreSQL service file instead, so that it is never stored or shown")
                               .arg(name));
    result.host = url.host();
    result.port = url.port(-1);
    result.user = url.userName();
    result.databaseName = url.path().mid(1);
    if (result.databaseName.isEmpty() || result.databaseName.contains(QLatin1Char('/')))
        throw CatalogError(QStringLiteral("catalog URL %1 names no database (write postgresql://[user@]host[:port]/dbname)").arg(name));
    // Options go to libpq as keyword=value; Qt joins them with spaces, so a value may hold no space, quote or ';'.
    static const QRegularExpression keyword(QStringLiteral("^[a-z_]+$"));
    static const QRegularExpression unsafeValue(QStringLiteral("[\\s;'\"\\\\]"));
    QStringList options;
    for (const auto &[key, value] : QUrlQuery(url).queryItems(QUrl::FullyDecoded)) {
        if (!keyword.match(key).hasMatch())
            throw CatalogError(QStringLiteral("catalog URL %1: '%2' is not a PostgreSQL connection option").arg(name, key));
        if (key == QLatin1String("password"))
            throw CatalogError(QStringLiteral("catalog URL %1 holds a password: give it through ~/.pgpass, PGPASSWORD or a "
                                              "PostgreSQL service file instead").arg(shown.adjusted(QUrl::RemoveQuery).toString()));
        if (value.isEmpty() || unsafeValue.match(value).hasMatch())
            throw CatalogError(QStringLiteral("catalog URL %1: option %2 needs a value without spaces, quotes or ';'").arg(name, key));
        options << key + QLatin1Char('=') + value;
    }
    result.connectOptions = options.join(QLatin1Char(';'));
    return result;
}

QString catalogSideFolder(const CatalogLocation &location, const QString &suffix)
{
    if (location.dialect == SqlDialect::SQLite) {
        const QFileInfo info(location.filePath);
        return info.absolutePath() + QLatin1Char('/') + info.completeBaseName() + suffix;
    }
    QString name = QStringLiteral("%1-%2-%3")
                       .arg(location.host.isEmpty() ? QStringLiteral("local") : location.host)
                       .arg(location.port > 0 ? location.port : 5432)
                       .arg(location.databaseName);
    static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._-]"));
    name.replace(unsafe, QStringLiteral("_"));
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/shared-catalogs/") + name
        + suffix;
}

QString CatalogLocation::display() const
{
    if (dialect == SqlDialect::SQLite)
        return filePath;
    QUrl url;
    url.setScheme(QStringLiteral("postgresql"));
    url.setUserName(user);
    url.setHost(host);
    url.setPort(port);
    url.setPath(QLatin1Char('/') + databaseName);
    if (!connectOptions.isEmpty()) {
        QUrlQuery query;
        for (const QString &option : connectOptions.split(QLatin1Char(';')))
            query.addQueryItem(option.section(QLatin1Char('='), 0, 0), option.section(QLatin1Char('='), 1));
        url.setQuery(query);
    }
    // An empty host still needs the '//' that says where the authority would be.
    QString text = url.toString();
    if (host.isEmpty() && !text.startsWith(QLatin1String("postgresql://")))
        text.replace(0, int(qstrlen("postgresql:")), QStringLiteral("postgresql://"));
    return text;
}

} // namespace accession
