#pragma once

#include <QString>

#include <optional>

namespace accession {

// Passwords a curator typed for a shared catalog in this run of the program, by the catalog's URL: held in memory
// only (never in settings, URLs or messages) and handed to every thread's connection to that catalog, so that jobs
// opening their own connection log in as the catalog thread did. libpq's own sources (~/.pgpass, PGPASSWORD, a
// service file) serve when none is held.
namespace SessionPasswords {

// location: a postgresql:// URL, as given or normalised (it is normalised here); a file path or a URL that cannot
// be read is ignored.
void remember(const QString &location, const QString &password);
void forget(const QString &location);
std::optional<QString> passwordFor(const QString &location);

// Whether a failure to connect is the server asking for a password or refusing the one it got, so that the GUI
// may offer a password field.
bool isPasswordRefusal(const QString &message);

} // namespace SessionPasswords

} // namespace accession
