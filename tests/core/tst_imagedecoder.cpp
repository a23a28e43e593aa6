#include "imaging/imagedecoder.h"
#include "testimages.h"

#include <QTest>

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

QTEST_GUILESS_MAIN(TestImageDecoder)
#include "tst_imagedecoder.moc"
