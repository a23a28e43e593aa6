// Fuzzes the image header parsers (JPEG, PNG, TIFF, WebP, BMP and the EXIF inside them) and, for small inputs,
// OpenCV's decoders behind decodeForImport.

#include "imaging/imagedecoder.h"
#include "imaging/imageheader.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>

namespace {

// Full decodes only for small inputs, and only up to a small image, so each input stays well under a second.
constexpr size_t kMaxDecodedInputBytes = 64 * 1024;
constexpr qint64 kMaxDecodedPixels = 4'000'000;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace accession;
    // A deep copy: QByteArray::fromRawData would not be terminated, and the parsers must not need that.
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const std::optional<ImageHeader> header = readImageHeader(bytes, &error);
    if (header && (header->storedWidth <= 0 || header->storedHeight <= 0 || header->orientation < 1 || header->orientation > 8))
        __builtin_trap(); // a header that claims success must describe a real image
    if (!header && error.isEmpty())
        __builtin_trap(); // a failure must say why

    const int orientation = exifOrientation(reinterpret_cast<const char *>(data), qint64(size));
    if (orientation < 1 || orientation > 8)
        __builtin_trap();

    if (size <= kMaxDecodedInputBytes) {
        DecodeRequest request;
        request.maxPixels = kMaxDecodedPixels;
        const ImportedImage imported = decodeForImport(bytes, request);
        if (imported.ok() == imported.thumbnailJpeg.isEmpty())
            __builtin_trap();
    }
    return 0;
}
