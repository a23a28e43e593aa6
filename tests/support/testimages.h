#pragma once

// Test-only image factory: every format, layout and kind of broken file the importer must handle.

#include "imaging/imagedecoder.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace accession::test {

struct Rgb
{
    int r = 0, g = 0, b = 0;
};

// A solid 8-bit colour image encoded as jpg, png, tif, webp or bmp.
QByteArray solidImage(const QString &extension, int width, int height, Rgb colour);
// Left half one colour, right half another: shows whether a rotation or flip was applied.
QByteArray splitImage(const QString &extension, int width, int height, Rgb left, Rgb right);
// One colour, with bands of bandRows rows in another along the top and bottom edges.
QByteArray bandedImage(const QString &extension, int width, int height, Rgb inside, Rgb band, int bandRows);
QByteArray greyPng(int width, int height, int value);
// Uniform random colour per pixel, seeded: like no photograph.
QByteArray noisePng(int width, int height, quint64 seed);
QByteArray sixteenBitImage(const QString &extension, int width, int height, int r16, int g16, int b16);
QByteArray alphaPng(int width, int height, Rgb colour, int alpha);
// A CMYK JPEG written with libjpeg (Adobe convention: values stored inverted, as Photoshop does).
QByteArray cmykJpeg(int width, int height, int c, int m, int y, int k);
// The JPEG with an EXIF APP1 segment giving the orientation inserted after SOI.
QByteArray withExifOrientation(const QByteArray &jpeg, int orientation);
// A valid small JPEG or PNG whose header is edited to claim another size.
QByteArray jpegClaimingSize(int width, int height);
QByteArray pngClaimingSize(int width, int height);

void writeFile(const QString &path, const QByteArray &bytes);
// Every file under the folder (hidden ones too), relative to it, sorted.
QStringList filesUnder(const QString &folder);
Rgb pixelAt(const RgbImage &image, int x, int y);
bool roughlyEqual(Rgb a, Rgb b, int tolerance = 12);
QString describe(Rgb colour);

} // namespace accession::test
