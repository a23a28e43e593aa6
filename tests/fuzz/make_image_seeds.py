#!/usr/bin/python3
"""Writes the seed corpus of fuzz_imageheader (tests/fuzz/corpus/imageheader/) and the hand-made hostile inputs
of tests/fuzz/regressions/imageheader/. Run with Debian's /usr/bin/python3 (Pillow); the files are committed."""
import io
import pathlib
import struct
import zlib

from PIL import Image

HERE = pathlib.Path(__file__).resolve().parent
SEEDS = HERE / "corpus" / "imageheader"
REGRESSIONS = HERE / "regressions" / "imageheader"


def exif_orientation(orientation, little=False):
    """A TIFF-structured EXIF block with IFD0 holding only the orientation tag."""
    e = "<" if little else ">"
    head = (b"II" if little else b"MM") + struct.pack(e + "HI", 42, 8)
    return head + struct.pack(e + "H", 1) + struct.pack(e + "HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(e + "I", 0)


def png_chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def png(width, height, bit_depth, colour_type, rows, extra_chunks=()):
    """rows: bytes of each scanline without the filter byte."""
    raw = b"".join(b"\0" + row for row in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + b"".join(extra_chunks)
            + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


def pillow(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_app1(jpeg, payload):
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def webp_with_exif(exif):
    """An extended (VP8X) WebP around a lossless 4 x 3 image, with an EXIF chunk."""
    lossless = pillow(Image.new("RGB", (4, 3), (200, 40, 90)), "WEBP", lossless=True)
    vp8l = lossless[12:]  # the VP8L chunk, header included
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([0x08, 0, 0, 0]) + (4 - 1).to_bytes(3, "little") + (3 - 1).to_bytes(3, "little")
    exif_chunk = b"EXIF" + struct.pack("<I", len(exif)) + exif + (b"\0" if len(exif) % 2 else b"")
    body = b"WEBP" + vp8x + vp8l + exif_chunk
    return b"RIFF" + struct.pack("<I", len(body)) + body


def main():
    SEEDS.mkdir(parents=True, exist_ok=True)
    REGRESSIONS.mkdir(parents=True, exist_ok=True)
    rgb = Image.new("RGB", (8, 6), (200, 40, 90))
    rgb.putpixel((0, 0), (10, 200, 30))
    jpeg = pillow(rgb, "JPEG", quality=80)
    seeds = {
        "tiny.jpg": jpeg,
        "exif_orientation_6.jpg": jpeg_with_app1(jpeg, b"Exif\0\0" + exif_orientation(6)),
        "exif_orientation_3_le.jpg": jpeg_with_app1(jpeg, b"Exif\0\0" + exif_orientation(3, little=True)),
        "progressive.jpg": pillow(rgb, "JPEG", quality=70, progressive=True),
        "rgb8.png": pillow(rgb, "PNG"),
        "grey8.png": pillow(rgb.convert("L"), "PNG"),
        "palette.png": pillow(rgb.convert("P"), "PNG"),
        "rgba16.png": png(4, 3, 16, 6, [struct.pack(">" + "H" * 16, *([65535, 32896, 0, 32768] * 4)) for _ in range(3)]),
        "grey16.png": png(4, 3, 16, 0, [struct.pack(">HHHH", 0, 20000, 40000, 65535) for _ in range(3)]),
        "exif_orientation_8.png": png(4, 3, 8, 2, [bytes([200, 40, 90] * 4) for _ in range(3)],
                                      [png_chunk(b"eXIf", exif_orientation(8))]),
        "rgb8.tif": pillow(rgb, "TIFF"),
        "grey16.tif": pillow(Image.new("I;16", (5, 4), 40000), "TIFF"),
        "lossy.webp": pillow(rgb, "WEBP", quality=60),
        "lossless.webp": pillow(rgb, "WEBP", lossless=True),
        "extended_exif.webp": webp_with_exif(b"Exif\0\0" + exif_orientation(6, little=True)),
        "rgb24.bmp": pillow(rgb, "BMP"),
        "palette.bmp": pillow(rgb.convert("P"), "BMP"),
    }
    for name, data in seeds.items():
        assert len(data) < 64 * 1024, name
        (SEEDS / name).write_bytes(data)

    # Issue case 1 and its relatives: IFD offsets and chunk lengths near 2^32 (each crashed or read out of bounds).
    hostile_exif = b"II*\0" + b"\xff" * 4 + b"\0" * 8
    regressions = {
        "tiff_ifd_offset_ffffffff.tif": hostile_exif,
        "jpeg_exif_ifd_offset_ffffffff.jpg": jpeg_with_app1(jpeg, b"Exif\0\0" + hostile_exif),
        "png_exif_ifd_offset_ffffffff.png": png(4, 3, 8, 2, [bytes(12)] * 3, [png_chunk(b"eXIf", hostile_exif)]),
        "png_chunk_length_ffffffff.png": png(4, 3, 8, 2, [bytes(12)] * 3,
                                             [struct.pack(">I", 0xFFFFFFFF) + b"eXIf" + hostile_exif]),
        "webp_exif_ifd_offset_ffffffff.webp": webp_with_exif(hostile_exif),
        "webp_chunk_length_fffffffe.webp": b"RIFF" + struct.pack("<I", 30) + b"WEBP" + b"EXIF"
                                           + struct.pack("<I", 0xFFFFFFFE) + hostile_exif,
    }
    for name, data in regressions.items():
        (REGRESSIONS / name).write_bytes(data)


if __name__ == "__main__":
    main()
