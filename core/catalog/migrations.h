#pragma once

#include <QStringList>
#include <QVector>

namespace accession {

// One step of the catalog schema; a catalog at version N gets every step above N in one transaction.
struct Migration
{
    int toVersion;
    const char *description;
    QStringList statements;
};

const QVector<Migration> &catalogMigrations();

} // namespace accession
