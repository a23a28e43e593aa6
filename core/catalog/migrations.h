#pragma once

#include <QStringList>
#include <QVector>

namespace accession {

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
    QStringList statements;
    QVector<IndexBuild> indexes = {};
    // Drops or renames a table (SQLite's procedure for changing one): such a step runs with foreign keys off, and
    // the whole file is checked before commit. The others run with foreign keys on, every statement checked as it
    // runs, so that a large catalog is not read through for them.
    bool replacesTables = false;
};

const QVector<Migration> &catalogMigrations();

} // namespace accession
