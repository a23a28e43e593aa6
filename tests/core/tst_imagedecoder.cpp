#include "imaging/decodebudget.h"
#include "imaging/imagedecoder.h"
#include "jobs/importjob.h"
#include "testimages.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace accession;
using namespace accession::test;

namespace {

RgbImage decodeOk(const QByteArray &bytes, DecodeRequest request = {})
{
    QString error;
    RgbImage image = decodeRgb(bytes, request, &error);
    if (image.isNull())
        qWarning("decode failed: %s", qPrintable(error));
    return image;
}

QString decodeError(const QByteArray &bytes, DecodeRequest request = {})
{
    QString error;
    const RgbImage image = decodeRgb(bytes, request, &error);
    return image.isNull() ? error : QString();
}

QByteArray bigEndian32(quint32 value)
{
    QByteArray bytes(4, '\0');
    for (int i = 0; i < 4; ++i)
        bytes[i] = char(value >> (24 - 8 * i));
    return bytes;
}

QByteArray littleEndian32(quint32 value)
{
    QByteArray bytes(4, '\0');
    for (int i = 0; i < 4; ++i)
        bytes[i] = char(value >> (8 * i));
    return bytes;
}

quint32 crc32(const QByteArray &bytes)
{
    quint32 crc = 0xFFFFFFFFu;
    for (const char byte : bytes) {
        crc ^= quint8(byte);
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

QByteArray pngChunk(const QByteArray &type, const QByteArray &payload)
{
    return bigEndian32(quint32(payload.size())) + type + payload + bigEndian32(crc32(type + payload));
}

// A PNG written by hand, so that tests control bit depth, colour type and the chunks before the pixels.
// rows holds each scanline without its filter byte.
QByteArray handMadePng(int width, int height, int bitDepth, int colourType, const QByteArray &rows,
                       const QByteArray &chunksBeforePixels = {})
{
    const int rowBytes = rows.size() / height;
    QByteArray raw;
    for (int y = 0; y < height; ++y)
        raw += '\0' + rows.mid(y * rowBytes, rowBytes);
    QByteArray ihdr = bigEndian32(quint32(width)) + bigEndian32(quint32(height));
    ihdr += char(bitDepth);
    ihdr += char(colourType);
    ihdr += QByteArray(3, '\0'); // deflate, adaptive filtering, no interlace
    return QByteArray("\x89PNG\r\n\x1a\n", 8) + pngChunk("IHDR", ihdr) + chunksBeforePixels
           + pngChunk("IDAT", qCompress(raw).mid(4)) // qCompress puts a length before the zlib stream
           + pngChunk("IEND", {});
}

// A TIFF header whose first directory lies 4 GB away: the 32-bit bounds check used to wrap (issue case 1).
const QByteArray kHostileTiff = QByteArray("II*\0", 4) + QByteArray(4, char(0xFF)) + QByteArray(8, '\0');

QByteArray jpegWithExif(const QByteArray &exif)
{
    const QByteArray jpeg = solidImage(QStringLiteral("jpg"), 40, 30, {200, 40, 90});
    const QByteArray payload = QByteArray("Exif\0\0", 6) + exif;
    const int length = payload.size() + 2;
    return jpeg.left(2) + QByteArray::fromHex("ffe1") + char(length >> 8) + char(length & 0xff) + payload + jpeg.mid(2);
}

QByteArray pngWithChunk(const QByteArray &chunk)
{
    QByteArray rows;
    for (int i = 0; i < 40 * 30; ++i)
        rows += QByteArray::fromHex("c8285a");
    return handMadePng(40, 30, 8, 2, rows, chunk);
}

// An extended WebP (VP8X) around a simple lossy one, with the given chunk after the pixels.
QByteArray webpWithChunk(const QByteArray &chunk)
{
    const QByteArray simple = solidImage(QStringLiteral("webp"), 40, 30, {200, 40, 90});
    const QByteArray vp8x = QByteArray("VP8X") + littleEndian32(10) + QByteArray::fromHex("08000000")
                            + QByteArray::fromHex("270000") + QByteArray::fromHex("1d0000"); // 40 - 1, 30 - 1
    const QByteArray body = QByteArray("WEBP") + vp8x + simple.mid(12) + chunk;
    return QByteArray("RIFF") + littleEndian32(quint32(body.size())) + body;
}

QByteArray webpExifChunk(const QByteArray &exif)
{
    return QByteArray("EXIF") + littleEndian32(quint32(exif.size())) + exif + (exif.size() % 2 ? QByteArray(1, '\0') : QByteArray());
}

} // namespace

class TestImageDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodesEveryFormatToRgb_data();
    void decodesEveryFormatToRgb();
    void readsHeaderWithoutDecoding_data();
    void readsHeaderWithoutDecoding();
    void appliesExifOrientation_data();
    void appliesExifOrientation();
    void turnsGreyscaleIntoRgb();
    void turnsSixteenBitIntoEightBit_data();
    void turnsSixteenBitIntoEightBit();
    void flattensAlphaOntoWhite();
    void decodesCmykJpeg();
    void decodesLargeJpegAtReducedSize();
    void refusesLargeNonJpegBeyondLimit();
    void refusesHeaderClaimingHugeSize_data();
    void refusesHeaderClaimingHugeSize();
    void reportsBrokenFiles_data();
    void reportsBrokenFiles();
    void importMakesThumbnail();
    void survivesHostileOffsetsAndLengths_data();
    void survivesHostileOffsetsAndLengths();
    void importGoesOnPastAHostileTiff();
    void flattensSixteenBitAlphaPng();
    void budgetNeverExceedsItsCapacity();
    void budgetLetsAnOversizedDecodeRunAlone();
    void budgetIsSettable();
};

void TestImageDecoder::decodesEveryFormatToRgb_data()
{
    QTest::addColumn<QString>("extension");
    QTest::addColumn<int>("tolerance");
    QTest::newRow("jpeg") << QStringLiteral("jpg") << 10;
    QTest::newRow("png") << QStringLiteral("png") << 0;
    QTest::newRow("tiff") << QStringLiteral("tif") << 0;
    QTest::newRow("webp") << QStringLiteral("webp") << 10;
    QTest::newRow("bmp") << QStringLiteral("bmp") << 0;
}

void TestImageDecoder::decodesEveryFormatToRgb()
{
    QFETCH(QString, extension);
    QFETCH(int, tolerance);
    const Rgb colour{200, 40, 90};
    const RgbImage image = decodeOk(solidImage(extension, 37, 23, colour));
    QCOMPARE(image.width, 37);
    QCOMPARE(image.height, 23);
    QCOMPARE(image.pixels.size(), 37 * 23 * 3);
    const Rgb pixel = pixelAt(image, 18, 11);
    QVERIFY2(roughlyEqual(pixel, colour, tolerance), qPrintable(describe(pixel)));
}

void TestImageDecoder::readsHeaderWithoutDecoding_data()
{
    QTest::addColumn<QString>("extension");
    QTest::addColumn<QString>("format");
    QTest::newRow("jpeg") << QStringLiteral("jpg") << QStringLiteral("jpeg");
    QTest::newRow("png") << QStringLiteral("png") << QStringLiteral("png");
    QTest::newRow("tiff") << QStringLiteral("tif") << QStringLiteral("tiff");
    QTest::newRow("webp") << QStringLiteral("webp") << QStringLiteral("webp");
    QTest::newRow("bmp") << QStringLiteral("bmp") << QStringLiteral("bmp");
}

void TestImageDecoder::readsHeaderWithoutDecoding()
{
    QFETCH(QString, extension);
    QFETCH(QString, format);
    QString error;
    const auto header = readImageHeader(solidImage(extension, 301, 157, {1, 2, 3}), &error);
    QVERIFY2(header, qPrintable(error));
    QCOMPARE(imageFormatName(header->format), format);
    QCOMPARE(header->width(), 301);
    QCOMPARE(header->height(), 157);
}

void TestImageDecoder::appliesExifOrientation_data()
{
    QTest::addColumn<int>("orientation");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<bool>("redOnLeft");   // for unrotated results: which side is red
    QTest::addColumn<bool>("redOnTop");    // for rotated results: red on top
    QTest::newRow("1 normal") << 1 << 64 << 32 << true << false;
    QTest::newRow("2 mirrored") << 2 << 64 << 32 << false << false;
    QTest::newRow("3 rotated 180") << 3 << 64 << 32 << false << false;
    QTest::newRow("6 rotate 90 cw") << 6 << 32 << 64 << false << true;
    QTest::newRow("8 rotate 90 ccw") << 8 << 32 << 64 << false << false;
}

void TestImageDecoder::appliesExifOrientation()
{
    QFETCH(int, orientation);
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(bool, redOnLeft);
    QFETCH(bool, redOnTop);
    const Rgb red{220, 20, 20};
    const Rgb blue{20, 20, 220};
    const QByteArray jpeg = withExifOrientation(splitImage(QStringLiteral("jpg"), 64, 32, red, blue), orientation);
    QString error;
    const auto header = readImageHeader(jpeg, &error);
    QVERIFY2(header, qPrintable(error));
    QCOMPARE(header->orientation, orientation);
    QCOMPARE(header->width(), width);
    QCOMPARE(header->height(), height);

    const RgbImage image = decodeOk(jpeg);
    QCOMPARE(image.width, width);
    QCOMPARE(image.height, height);
    if (width > height) {
        const Rgb left = pixelAt(image, 4, height / 2);
        QVERIFY2(roughlyEqual(left, redOnLeft ? red : blue, 30), qPrintable(describe(left)));
    } else {
        const Rgb top = pixelAt(image, width / 2, 4);
        QVERIFY2(roughlyEqual(top, redOnTop ? red : blue, 30), qPrintable(describe(top)));
    }
}

void TestImageDecoder::turnsGreyscaleIntoRgb()
{
    const RgbImage image = decodeOk(greyPng(20, 10, 77));
    QCOMPARE(image.pixels.size(), 20 * 10 * 3);
    QVERIFY(roughlyEqual(pixelAt(image, 5, 5), {77, 77, 77}, 0));
}

void TestImageDecoder::turnsSixteenBitIntoEightBit_data()
{
    QTest::addColumn<QString>("extension");
    QTest::newRow("png") << QStringLiteral("png");
    QTest::newRow("tiff") << QStringLiteral("tif");
}

void TestImageDecoder::turnsSixteenBitIntoEightBit()
{
    QFETCH(QString, extension);
    const RgbImage image = decodeOk(sixteenBitImage(extension, 16, 16, 65535, 32896, 0));
    const Rgb pixel = pixelAt(image, 8, 8);
    QVERIFY2(roughlyEqual(pixel, {255, 128, 0}, 1), qPrintable(describe(pixel)));
}

void TestImageDecoder::flattensAlphaOntoWhite()
{
    const RgbImage transparent = decodeOk(alphaPng(10, 10, {0, 0, 0}, 0));
    QVERIFY2(roughlyEqual(pixelAt(transparent, 3, 3), {255, 255, 255}, 1), qPrintable(describe(pixelAt(transparent, 3, 3))));
    const RgbImage opaque = decodeOk(alphaPng(10, 10, {10, 100, 200}, 255));
    QVERIFY(roughlyEqual(pixelAt(opaque, 3, 3), {10, 100, 200}, 1));
    const RgbImage half = decodeOk(alphaPng(10, 10, {0, 0, 0}, 128));
    QVERIFY2(roughlyEqual(pixelAt(half, 3, 3), {127, 127, 127}, 2), qPrintable(describe(pixelAt(half, 3, 3))));
}

void TestImageDecoder::decodesCmykJpeg()
{
    // Pure yellow ink: no cyan, no magenta, full yellow, no black.
    const QByteArray jpeg = cmykJpeg(24, 24, 0, 0, 255, 0);
    QString error;
    const auto header = readImageHeader(jpeg, &error);
    QVERIFY2(header, qPrintable(error));
    const RgbImage image = decodeOk(jpeg);
    QCOMPARE(image.width, 24);
    const Rgb pixel = pixelAt(image, 12, 12);
    QVERIFY2(roughlyEqual(pixel, {255, 255, 0}, 20), qPrintable(describe(pixel)));
}

void TestImageDecoder::decodesLargeJpegAtReducedSize()
{
    const QByteArray jpeg = solidImage(QStringLiteral("jpg"), 2400, 1600, {30, 160, 90});
    DecodeRequest request;
    request.maxPixels = 400'000; // 2400 x 1600 = 3.84 MP: decoded at 1/4 (600 x 400)
    const RgbImage image = decodeOk(jpeg, request);
    QCOMPARE(image.width, 600);
    QCOMPARE(image.height, 400);
    QVERIFY(roughlyEqual(pixelAt(image, 300, 200), {30, 160, 90}, 10));

    // Asking for a minimum side lets the decoder shrink as far as that allows.
    DecodeRequest small;
    small.minShorterSide = 500;
    const RgbImage reduced = decodeOk(jpeg, small);
    QCOMPARE(reduced.width, 1200);
    QCOMPARE(reduced.height, 800);
}

void TestImageDecoder::refusesLargeNonJpegBeyondLimit()
{
    DecodeRequest request;
    request.maxPixels = 10'000;
    const QString error = decodeError(solidImage(QStringLiteral("png"), 200, 200, {1, 1, 1}), request);
    QVERIFY2(error.contains(QStringLiteral("too large")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("200 x 200")), qPrintable(error));
}

void TestImageDecoder::refusesHeaderClaimingHugeSize_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<qint64>("maxPixels");
    QTest::addColumn<QString>("reason");
    QTest::newRow("png 100000 x 100000") << pngClaimingSize(100000, 100000) << qint64(100'000'000) << QStringLiteral("too large");
    QTest::newRow("tiff 100000 x 100000") << QByteArray::fromHex("49492a0008000000" "0200" "0001040001000000a0860100"
                                                                "0101040001000000a0860100" "00000000")
                                          << qint64(100'000'000) << QStringLiteral("too large");
    // JPEGs shrink by 8 while decoding, so 65000 x 65000 would fit at 8125 x 8125: its missing data is what fails.
    QTest::newRow("jpeg 65000 x 65000") << jpegClaimingSize(65000, 65000) << qint64(100'000'000) << QStringLiteral("cannot hold 65000 x 65000");
    QTest::newRow("jpeg 65000 x 65000, 50 MP limit") << jpegClaimingSize(65000, 65000) << qint64(50'000'000) << QStringLiteral("too large");
}

void TestImageDecoder::refusesHeaderClaimingHugeSize()
{
    QFETCH(QByteArray, bytes);
    QFETCH(qint64, maxPixels);
    QFETCH(QString, reason);
    DecodeRequest request;
    request.maxPixels = maxPixels;
    const QString error = decodeError(bytes, request);
    QVERIFY2(error.contains(reason), qPrintable(error));
}

void TestImageDecoder::reportsBrokenFiles_data()
{
    const QByteArray jpeg = solidImage(QStringLiteral("jpg"), 64, 64, {10, 200, 30});
    const QByteArray png = solidImage(QStringLiteral("png"), 64, 64, {10, 200, 30});
    QByteArray corrupt = jpeg;
    for (int i = 0; i < 40; ++i)
        corrupt[i + 20] = char(0xFF); // breaks the quantisation tables
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    QTest::newRow("zero bytes") << QByteArray() << QStringLiteral("empty file");
    QTest::newRow("text named .jpg") << QByteArray("These are my notes, not a picture.\n") << QStringLiteral("not an image");
    QTest::newRow("binary junk") << QByteArray::fromHex("00112233445566778899") << QStringLiteral("not an image");
    QTest::newRow("truncated jpeg") << jpeg.left(jpeg.size() / 2) << QStringLiteral("truncated");
    QTest::newRow("jpeg header only") << jpeg.left(30) << QStringLiteral("JPEG");
    QTest::newRow("corrupt jpeg") << corrupt << QStringLiteral("JPEG");
    QTest::newRow("truncated png") << png.left(png.size() - 30) << QStringLiteral("PNG");
    QTest::newRow("png signature only") << png.left(8) << QStringLiteral("PNG");
}

void TestImageDecoder::reportsBrokenFiles()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    const QString error = decodeError(bytes);
    QVERIFY2(!error.isEmpty(), "a broken file decoded without error");
    QVERIFY2(error.contains(reason, Qt::CaseInsensitive), qPrintable(error));
}

void TestImageDecoder::importMakesThumbnail()
{
    const ImportedImage imported = decodeForImport(solidImage(QStringLiteral("jpg"), 800, 400, {1, 2, 3}), {});
    QVERIFY2(imported.ok(), qPrintable(imported.error));
    QCOMPARE(imported.header.width(), 800);
    QCOMPARE(imported.thumbnailWidth, kThumbnailSide);
    QCOMPARE(imported.thumbnailHeight, kThumbnailSide / 2);
    QString error;
    const auto thumbnailHeader = readImageHeader(imported.thumbnailJpeg, &error);
    QVERIFY2(thumbnailHeader, qPrintable(error));
    QCOMPARE(thumbnailHeader->format, ImageFormat::Jpeg);
}

void TestImageDecoder::survivesHostileOffsetsAndLengths_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("headerError"); // empty: the header reads, with the default orientation
    QTest::addColumn<bool>("decodes");
    QTest::newRow("tiff, IFD at 0xFFFFFFFF") << kHostileTiff << QStringLiteral("corrupt TIFF") << false;
    QTest::newRow("big-endian tiff, IFD at 0xFFFFFFFE")
        << QByteArray("MM\0*", 4) + QByteArray::fromHex("fffffffe") + QByteArray(8, '\0') << QStringLiteral("corrupt TIFF") << false;
    QTest::newRow("jpeg, EXIF IFD at 0xFFFFFFFF") << jpegWithExif(kHostileTiff) << QString() << true;
    QTest::newRow("jpeg, EXIF IFD at 0xFFFFFFF8") << jpegWithExif(QByteArray("II*\0", 4) + QByteArray::fromHex("f8ffffff") + QByteArray(8, '\0'))
                                                << QString() << true;
    QTest::newRow("png, eXIf IFD at 0xFFFFFFFF") << pngWithChunk(pngChunk("eXIf", kHostileTiff)) << QString() << true;
    QTest::newRow("png, eXIf length 0xFFFFFFFF")
        << pngWithChunk(bigEndian32(0xFFFFFFFFu) + QByteArray("eXIf") + kHostileTiff) << QString() << false;
    QTest::newRow("webp, EXIF IFD at 0xFFFFFFFF") << webpWithChunk(webpExifChunk(kHostileTiff)) << QString() << true;
    QTest::newRow("webp, EXIF length 0xFFFFFFFF")
        << webpWithChunk(QByteArray("EXIF") + littleEndian32(0xFFFFFFFFu) + kHostileTiff) << QString() << true; // libwebp stops at the pixels
    QTest::newRow("webp, VP8X length 0xFFFFFFFE") << QByteArray("RIFF") + littleEndian32(40) + QByteArray("WEBPVP8X")
                                                           + littleEndian32(0xFFFFFFFEu) + QByteArray::fromHex("00000000270000")
                                                    << QStringLiteral("WebP") << false;
    QTest::newRow("bmp, sizes of INT32_MIN") << QByteArray("BM") + QByteArray(12, '\0') + littleEndian32(40)
                                                   + littleEndian32(0x80000000u) + littleEndian32(0x80000000u)
                                             << QStringLiteral("corrupt BMP") << false;
}

void TestImageDecoder::survivesHostileOffsetsAndLengths()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, headerError);
    QFETCH(bool, decodes);
    QString error;
    const auto header = readImageHeader(bytes, &error);
    if (headerError.isEmpty()) {
        QVERIFY2(header, qPrintable(error));
        QCOMPARE(header->orientation, 1);
    } else {
        QVERIFY(!header);
        QVERIFY2(error.contains(headerError), qPrintable(error));
    }
    const QString decodeFailure = decodeError(bytes);
    if (decodes)
        QVERIFY2(decodeFailure.isEmpty(), qPrintable(decodeFailure));
    else
        QVERIFY2(!decodeFailure.isEmpty(), "a broken file decoded without error");
    const ImportedImage imported = decodeForImport(bytes, {});
    QCOMPARE(imported.ok(), decodes);
    QCOMPARE(exifOrientation(bytes.constData(), bytes.size()), 1);
}

void TestImageDecoder::importGoesOnPastAHostileTiff()
{
    QTemporaryDir dir;
    const QString in = dir.filePath(QStringLiteral("in"));
    writeFile(in + QStringLiteral("/a.jpg"), solidImage(QStringLiteral("jpg"), 60, 40, {200, 10, 10}));
    writeFile(in + QStringLiteral("/b.png"), solidImage(QStringLiteral("png"), 30, 50, {10, 200, 10}));
    writeFile(in + QStringLiteral("/c.tif"), kHostileTiff);
    writeFile(in + QStringLiteral("/d.webp"), solidImage(QStringLiteral("webp"), 20, 20, {10, 10, 200}));
    writeFile(in + QStringLiteral("/e.jpg"), jpegWithExif(kHostileTiff));

    ImportRequest request;
    request.source = ImportRequest::Source::Unlabelled;
    request.paths = {in};
    ImportJob job(dir.filePath(QStringLiteral("catalog.db")), request);
    QVERIFY(job.exec());
    const ImportSummary summary = job.summary();
    QCOMPARE(summary.imported, 4);
    QCOMPARE(summary.failures.size(), 1);
    QVERIFY2(summary.failures.first().path.endsWith(QStringLiteral("c.tif")), qPrintable(summary.failures.first().path));
    QVERIFY2(summary.failures.first().reason.contains(QStringLiteral("corrupt TIFF")), qPrintable(summary.failures.first().reason));
}

void TestImageDecoder::flattensSixteenBitAlphaPng()
{
    // 64 x 48, 16 bits a sample: left half opaque (65535, 32896, 0), right half half-transparent black.
    const int width = 64;
    const int height = 48;
    QByteArray rows;
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            const quint16 samples[4] = {x < width / 2 ? quint16(65535) : quint16(0), x < width / 2 ? quint16(32896) : quint16(0),
                                        0, x < width / 2 ? quint16(65535) : quint16(32896)};
            for (const quint16 sample : samples)
                rows += char(sample >> 8) + QByteArray(1, char(sample & 0xff));
        }
    }
    const QByteArray png = handMadePng(width, height, 16, 6, rows);
    const RgbImage image = decodeOk(png);
    QCOMPARE(image.width, width);
    QCOMPARE(image.height, height);
    const Rgb opaque = pixelAt(image, 5, 20);
    QVERIFY2(roughlyEqual(opaque, {255, 128, 0}, 0), qPrintable(describe(opaque)));
    const Rgb half = pixelAt(image, 50, 20);
    QVERIFY2(roughlyEqual(half, {127, 127, 127}, 1), qPrintable(describe(half)));
    const ImportedImage imported = decodeForImport(png, {});
    QVERIFY2(imported.ok(), qPrintable(imported.error));
}

void TestImageDecoder::budgetNeverExceedsItsCapacity()
{
    DecodeBudget budget(100);
    std::atomic<qint64> inside{0};
    std::atomic<qint64> peakInside{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                const qint64 amount = 10 + (t * 7 + i * 13) % 50; // 10..59: at most a few fit at once
                DecodeReservation reservation(budget, amount);
                const qint64 now = inside += amount;
                qint64 peak = peakInside;
                while (now > peak && !peakInside.compare_exchange_weak(peak, now)) {
                }
                std::this_thread::yield();
                inside -= amount;
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QVERIFY2(peakInside <= 100, qPrintable(QString::number(peakInside)));
    QVERIFY(budget.peakReserved() <= 100);
    QCOMPARE(budget.reserved(), 0);
}

void TestImageDecoder::budgetLetsAnOversizedDecodeRunAlone()
{
    DecodeBudget budget(100);
    std::atomic<int> bigDone{0};
    std::atomic<bool> overlapped{false};
    std::atomic<int> inside{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                const bool big = t == 0;
                DecodeReservation reservation(budget, big ? 250 : 30);
                const int others = inside++;
                if (big && others > 0)
                    overlapped = true;
                std::this_thread::yield();
                if (big && inside.load() > 1)
                    overlapped = true;
                --inside;
                if (big)
                    ++bigDone;
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QCOMPARE(bigDone.load(), 50); // it ran, so it did not wait forever
    QVERIFY2(!overlapped, "a reservation larger than the budget ran beside another");
    QCOMPARE(budget.reserved(), 0);
}

void TestImageDecoder::budgetIsSettable()
{
    const qint64 before = decodeBudgetMegapixels();
    QVERIFY(before > 0);
    setDecodeBudgetMegapixels(7);
    QCOMPARE(decodeBudgetMegapixels(), 7);
    // A decode bigger than the whole budget still runs (alone), so imports keep working with a tiny budget.
    const RgbImage image = decodeOk(solidImage(QStringLiteral("png"), 4000, 2000, {1, 2, 3}));
    QCOMPARE(image.width, 4000);
    setDecodeBudgetMegapixels(before);
    QCOMPARE(decodeBudgetMegapixels(), before);
}

QTEST_GUILESS_MAIN(TestImageDecoder)
#include "tst_imagedecoder.moc"
