// Fuzzes the IIIF Presentation parsing (2.1 and 3.0 manifests, collections, embedded members): whatever
// the bytes, no crash, no long run, and every reference it hands on to be fetched is a web address.
#include "ingest/collectionimport.h"
#include "ingest/httpfetcher.h"

#include <QByteArray>

#include <cstdint>
#include <cstdlib>

using namespace accession;

namespace {

// Embedded members followed this deep, as the importer does.
constexpr int kMaxDepth = 8;
const QString kAddress = QStringLiteral("https://example.org/iiif/manifest.json");

void check(const IiifDocument &document, int depth)
{
    for (const IiifCanvas &canvas : document.canvases) {
        if (canvas.id.isEmpty() || !isWebUrl(canvas.imageUrl))
            std::abort();
    }
    for (const QJsonObject &member : document.members) {
        const QString id = iiifMemberId(member);
        if (id.isEmpty())
            std::abort();
        if (!iiifMemberIsEmbedded(member)) {
            if (!isWebUrl(id))
                std::abort();
        } else if (depth < kMaxDepth) {
            check(parseIiifDocument(member, id, 1024), depth + 1);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray body = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const IiifDocument document = parseIiifDocument(body, kAddress, 1024, &error);
    if (error.isEmpty())
        check(document, 0);
    return 0;
}
