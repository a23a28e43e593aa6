// Fuzzes the parsing of The Met's Collection API documents (the department list, a department's object
// ids, an object's record) with the same bytes: no crash, no long run, and an image to fetch is always a
// web address.
#include "ingest/collectionimport.h"
#include "ingest/httpfetcher.h"

#include <QByteArray>

#include <cstdint>
#include <cstdlib>

using namespace accession;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray body = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    parseMetDepartments(body, &error);
    error.clear();
    for (qint64 id : parseMetObjectIds(body, &error)) {
        if (id <= 0)
            std::abort();
    }
    for (bool fullImages : {false, true}) {
        error.clear();
        const MetObject object = parseMetObject(body, fullImages, &error);
        if (!object.imageUrl.isEmpty() && !isWebUrl(object.imageUrl))
            std::abort();
    }
    return 0;
}
