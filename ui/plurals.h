#pragma once

#include <QString>

namespace accession {

// Without translation files, tr("%n item(s)") shows "(s)"; counts pick their own form: "1 item", "2 items".
// one and many hold %1 for the number, e.g. plural(n, tr("%1 item"), tr("%1 items")).
inline QString plural(qint64 count, const QString &one, const QString &many)
{
    return (count == 1 ? one : many).arg(count);
}

} // namespace accession
