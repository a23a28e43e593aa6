#pragma once

#include <QByteArray>

namespace accession::test {

// How a photograph is re-made: what a near-duplicate check must see through.
struct Alteration
{
    double scale = 1.0;        // both sides times this
    double keptFraction = 1.0; // the centre this share of each side is kept (a crop)
    double rotationDegrees = 0.0;
    int jpegQuality = 90;
};

// A photograph-like PNG: a few large shapes of random colours on a shaded ground, different for each seed.
QByteArray shapesPhotograph(quint32 seed, int width = 320, int height = 240);

// The encoded image re-made as the alteration says, as a JPEG; empty if it cannot be decoded.
QByteArray alteredCopy(const QByteArray &encoded, const Alteration &alteration);

} // namespace accession::test
