#pragma once

#include "cataloglocation.h"

#include <QString>

namespace accession {

// A folder of this machine's that belongs to the catalog (image copies, feature caches): beside the file, named
// after it with suffix ("catalog.images"); for a PostgreSQL catalog, in this machine's application data, named after
// the server and the database (so not shared with the other machines).
QString catalogSideFolder(const CatalogLocation &location, const QString &suffix);

} // namespace accession
