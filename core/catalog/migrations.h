#pragma once

#include "cataloglocation.h"

#include <QStringList>
#include <QVector>

namespace accession {

// One statement of a migration, written once in the SQL both dialects accept. PostgreSQL gets it through
// translatedForPostgres() (its names for SQLite's types); where the two truly differ (triggers, SQLite's way of
// changing a table, a forward reference) a step spells each dialect's text, and an empty text skips the dialect.
struct SchemaStatement
{
    SchemaStatement(const QString &portable); // implicit: a plain statement runs on both
    static SchemaStatement differing(const QString &sqlite, const QString &postgresql);
    static SchemaStatement sqliteOnly(const QString &sqlite) { return differing(sqlite, QString()); }
    static SchemaStatement postgresOnly(const QString &postgresql) { return differing(QString(), postgresql); }

    QString forDialect(SqlDialect dialect) const { return dialect == SqlDialect::SQLite ? sqlite : postgresql; }

    QString sqlite;
    QString postgresql;

private:
    SchemaStatement() = default;
};

// SQLite's column types in PostgreSQL's words: an "id INTEGER PRIMARY KEY" column (SQLite's rowid alias) becomes an
// identity column, every INTEGER a BIGINT (SQLite's integers have 64 bits), REAL a DOUBLE PRECISION, BLOB a BYTEA.
QString translatedForPostgres(const QString &portable);

// An index a migration adds. An index (never a UNIQUE one) changes no result, only how fast reads are, so a
// catalog may be used without it; on half a million rows building it is most of what a migration costs.
struct IndexBuild
{
    QString name;
    const char *description;
    QString statement; // CREATE INDEX IF NOT EXISTS: building it twice, or from two connections, is harmless
};

// One step of the catalog schema; a catalog at version N gets every step above N in one transaction. Its
// indexes follow, one transaction each, when the catalog is opened, or later in the background (see
// Catalog::IndexBuilds).
struct Migration
{
    int toVersion;
    const char *description;
    QVector<SchemaStatement> statements;
    QVector<IndexBuild> indexes = {};
    // Drops or renames a table (SQLite's procedure for changing one): such a step runs with foreign keys off, and
    // the whole file is checked before commit. The others run with foreign keys on, every statement checked as it
    // runs, so that a large catalog is not read through for them.
    bool replacesTables = false;
};

const QVector<Migration> &catalogMigrations();

} // namespace accession
