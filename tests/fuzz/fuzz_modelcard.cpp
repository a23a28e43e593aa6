// Model cards come from disk beside any weights file a user registers: no byte sequence may crash the reader.
#include "ml/modelcard.h"
#include "ml/weightserror.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)));
    if (!document.isObject())
        return 0;
    try {
        const accession::ModelCard card = accession::ModelCard::fromJson(document.object(), QStringLiteral("fuzz.json"));
        // What was accepted must also write and read back.
        accession::ModelCard::fromJson(card.toJson(), QStringLiteral("again.json"));
    } catch (const accession::WeightsError &) {
    }
    return 0;
}
