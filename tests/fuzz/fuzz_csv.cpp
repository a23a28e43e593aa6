// Fuzzes the CSV reader on arbitrary bytes, and the import plan's header and column mapping over them.

#include "ingest/csvreader.h"
#include "ingest/importplan.h"

#include <QBuffer>
#include <QByteArray>
#include <QTemporaryDir>

#include <cstddef>
#include <cstdint>

using namespace accession;

namespace {

// Planning looks each row's image up on disk (up to ten names a row when found by id); above this size
// only the reader runs, so that an input stays well under a second.
constexpr size_t kMaxPlannedBytes = 16 * 1024;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // An empty image folder: every planned row is refused (no such file, escaping paths) without decoding.
    static QTemporaryDir images;
    QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    {
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::ReadOnly);
        CsvReader reader(&buffer, QStringLiteral("fuzz.csv"));
        reader.open();
        CsvReader::Row row;
        qint64 lastLine = 0;
        while (reader.readRow(row)) {
            if (row.line < lastLine || row.fields.isEmpty())
                __builtin_trap(); // lines only go forward, and every record has a field
            lastLine = row.line;
        }
        reader.error();
        reader.warnings();
    }
    if (size <= kMaxPlannedBytes && images.isValid()) {
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::ReadOnly);
        try {
            const ImportPlan plan = planCsvImport(&buffer, QStringLiteral("fuzz.csv"), images.path(), CsvColumns());
            if (!plan.tasks.isEmpty())
                __builtin_trap(); // the folder is empty: nothing can be found in it
        } catch (const ImportSetupError &) {
            // A header without a usable column, a repeated mapped column: refused with its reason.
        }
    }
    return 0;
}
