#pragma once

#include <QString>

namespace accession {

// The SQL a catalog's database speaks: SQLite for one person's catalog file, PostgreSQL for a catalog shared by
// several machines. The catalog's statements are written in what both accept; the few differences ask this.
enum class SqlDialect { SQLite, PostgreSQL };

// Where a catalog lives: a file path (SQLite) or postgresql://[user@]host[:port]/dbname[?options] (also
// postgres://). A password never comes in the URL: libpq reads it from PGPASSWORD, ~/.pgpass or a service file.
struct CatalogLocation
{
    SqlDialect dialect = SqlDialect::SQLite;
    QString filePath; // SQLite: absolute

    // PostgreSQL
    QString host; // empty: libpq's default (the local socket, PGHOST, the service)
    int port = -1; // -1: libpq's default
    QString user; // empty: libpq's default (PGUSER, the login name)
    QString databaseName;
    QString connectOptions; // the URL's options as libpq keywords, "sslmode=require;service=museum"

    // The location as messages and settings show it: the file path, or the URL (which holds no password).
    QString display() const;

    // Throws CatalogError naming the location and the reason (no database name, a password, a malformed option).
    static CatalogLocation parse(const QString &location);
    static bool isPostgresUrl(const QString &location);
};

} // namespace accession
