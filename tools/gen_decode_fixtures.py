#!/usr/bin/env python3
"""Golden data for dev.bgevl.image.ImageDecoder beyond the reference images: formats and pixel layouts
the shared fixtures lack (BMP, GIF, WebP, TIFF, sub-byte and 16-bit grey, tRNS, EXIF), each with the
sha256 of Pillow 9.4's Image.open(p).convert("RGB") bytes, plus a few broken files.

    /usr/bin/python3 tools/gen_decode_fixtures.py bgevl-core/src/test/resources/fixtures/decode

Also needs libjpeg-turbo's cjpeg/jpegtran (apt-get install -y libjpeg-turbo-progs) for the 4:4:0 and
arithmetic-coded JPEGs, which Pillow cannot write.
"""
import hashlib, io, json, os, shutil, struct, subprocess, sys, zlib
import numpy as np
import PIL
from PIL import Image, ImageOps


def main(out):
    assert PIL.__version__.startswith("9.4"), PIL.__version__
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    h, w = 13, 19
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 13 % 256, y * 19 % 256, (x * y * 7) % 256], -1).astype(np.uint8)
    rgb[0, :5] = [[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255]]
    noise = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    gray = ((x * 11 + y * 7) % 256).astype(np.uint8)
    im_rgb = Image.fromarray(rgb, "RGB")
    files = {}

    def save(name, im, **kw):
        b = io.BytesIO()
        im.save(b, **kw)
        files[name] = b.getvalue()

    save("rgb24.bmp", im_rgb, format="BMP")
    save("pal8.bmp", im_rgb.quantize(37), format="BMP")
    save("gray8.bmp", Image.fromarray(gray, "L"), format="BMP")
    files["rgb555.bmp"] = bmp16(rng.integers(0, 1 << 15, (h, w), dtype=np.uint16), None)
    files["rgb565.bmp"] = bmp16(rng.integers(0, 1 << 16, (h, w), dtype=np.uint16), (0xF800, 0x07E0, 0x001F))
    save("pal.gif", im_rgb.quantize(64), format="GIF")
    q = im_rgb.quantize(16)
    save("pal_trns.gif", q, format="GIF", transparency=3)
    save("gray.gif", Image.fromarray(gray, "L"), format="GIF")
    # first frame smaller than the logical screen, at an offset (Pillow fills the rest with index 0, or
    # with the transparent index): Pillow writes a full frame, so patch its header
    small = Image.fromarray(rgb[:3, :4], "RGB").quantize(8)
    for name, kw in (("offset_frame.gif", {}), ("offset_frame_trns.gif", {"transparency": 2})):
        b = io.BytesIO()
        small.save(b, format="GIF", **kw)
        files[name] = offset_gif(b.getvalue(), 9, 7, 3, 2)
    save("lossless.webp", Image.fromarray(noise, "RGB"), format="WEBP", lossless=True)
    rgba = np.dstack([noise, (x * 20 % 256).astype(np.uint8)])
    save("lossless_rgba.webp", Image.fromarray(rgba, "RGBA"), format="WEBP", lossless=True)
    # lossy WebP: a photo (decoder differences are measured, see ImageDecoderTest) and a synthetic worst case
    photo = Image.open(os.path.join(os.path.dirname(out.rstrip("/")), "images/corpus/000000050549.jpg")).convert("RGB")
    save("lossy_photo.webp", photo.resize((160, 120), Image.BICUBIC), format="WEBP", quality=80)
    save("lossy_synthetic.webp", im_rgb.resize((64, 48), Image.BICUBIC), format="WEBP", quality=80)
    save("rgb.tif", im_rgb, format="TIFF")
    save("rgb_lzw.tif", Image.fromarray(noise, "RGB"), format="TIFF", compression="tiff_lzw")
    save("gray.tif", Image.fromarray(gray, "L"), format="TIFF")
    save("gray16.tif", Image.fromarray(((x * 997 + y * 61) % 65536).astype(np.uint16)), format="TIFF")
    save("gray.jpg", Image.fromarray(gray, "L"), format="JPEG", quality=90)
    save("q95_444.jpg", Image.fromarray(noise, "RGB"), format="JPEG", quality=95, subsampling=0)
    save("q75_422.jpg", im_rgb, format="JPEG", quality=75, subsampling=1)
    save("odd_420.jpg", im_rgb.resize((37, 23)), format="JPEG", quality=85, subsampling=2)
    for bits in (1, 2, 4):
        v = (gray >> (8 - bits)).astype(np.uint8)
        files[f"gray{bits}.png"] = png(v, bits, 0)
    g16 = ((x * 997 + y * 61) % 65536).astype(">u2")
    g16[0, :3] = [0, 255, 256]
    files["gray16_wide.png"] = png(g16, 16, 0)
    la16 = np.dstack([g16, ((x * 3000) % 65536).astype(">u2")])
    files["gray_alpha16.png"] = png(la16, 16, 4)
    rgba16 = np.dstack([g16, g16[::-1], g16[:, ::-1], g16]).astype(">u2")
    files["rgba16.png"] = png(rgba16, 16, 6)
    files["rgb_trns.png"] = png(rgb, 8, 2, extra=[(b"tRNS", struct.pack(">HHH", 0, 0, 0))])
    files["gray_trns.png"] = png(gray, 8, 0, extra=[(b"tRNS", struct.pack(">H", 0))])
    # palette with fewer entries than indices used: Pillow's default palette entries (grey ramp)
    pal = bytes([10, 20, 30, 200, 100, 50])
    idx = (np.arange(h * w).reshape(h, w) % 4).astype(np.uint8)
    files["short_palette.png"] = png(idx, 8, 3, extra=[(b"PLTE", pal)], before_idat=True)
    # 4:4:0 (h1v2) JPEGs: libjpeg-turbo upsamples them with its fancy filter; odd sizes test the edges
    assert shutil.which("cjpeg") and shutil.which("jpegtran"), "apt-get install -y libjpeg-turbo-progs"
    ppm = io.BytesIO()
    photo.resize((161, 121), Image.BICUBIC).save(ppm, format="PPM")
    files["s440_cjpeg.jpg"] = subprocess.run(["cjpeg", "-sample", "1x2", "-quality", "85"], input=ppm.getvalue(),
                                             capture_output=True, check=True).stdout
    s422 = subprocess.run(["cjpeg", "-sample", "2x1", "-quality", "85"], input=ppm.getvalue(),
                          capture_output=True, check=True).stdout
    files["rot90_422_jpegtran.jpg"] = subprocess.run(["jpegtran", "-rotate", "90"], input=s422,
                                                     capture_output=True, check=True).stdout
    files["s411_restart_cjpeg.jpg"] = subprocess.run(["cjpeg", "-sample", "4x1", "-restart", "2", "-quality", "85"],
                                                     input=ppm.getvalue(), capture_output=True, check=True).stdout
    arith = subprocess.run(["cjpeg", "-arithmetic", "-quality", "85"], input=ppm.getvalue(),
                           capture_output=True, check=True).stdout
    # 4-component JPEGs: Pillow writes Adobe CMYK (transform 0); patch the marker to YCCK (transform 2:
    # decoders then convert the stored samples as YCC) and drop it (plain CMYK, still read inverted)
    cmyk = np.dstack([noise, (x * y * 3 % 256).astype(np.uint8)])
    b = io.BytesIO()
    Image.fromarray(cmyk, "CMYK").save(b, format="JPEG", quality=90)
    adobe_cmyk = b.getvalue()
    a14 = adobe_cmyk.index(b"Adobe") - 4  # the APP14 marker
    seg_len = struct.unpack(">H", adobe_cmyk[a14 + 2:a14 + 4])[0]
    assert adobe_cmyk[a14 + 4:a14 + 9] == b"Adobe" and adobe_cmyk[a14 + 15] == 0
    files["ycck_adobe2.jpg"] = adobe_cmyk[:a14 + 15] + b"\x02" + adobe_cmyk[a14 + 16:]
    files["cmyk_no_adobe.jpg"] = adobe_cmyk[:a14] + adobe_cmyk[a14 + 2 + seg_len:]
    # EXIF orientation 6 JPEG: expected both as stored and after exif_transpose
    exif = Image.Exif()
    exif[0x0112] = 6
    save("exif6.jpg", im_rgb, format="JPEG", quality=90, exif=exif.tobytes())

    expected = {}
    for name, data in sorted(files.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        im = Image.open(io.BytesIO(data))
        a = np.asarray(im.convert("RGB"))
        e = {"mode": im.mode, "width": im.size[0], "height": im.size[1], "rgb_sha256": hashlib.sha256(a.tobytes()).hexdigest()}
        if name.endswith(".jpg") or name.endswith(".webp"):
            with open(os.path.join(out, name + ".rgb"), "wb") as f:  # for measuring decoder differences
                f.write(a.tobytes())
        if name == "exif6.jpg":
            t = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))
            e["transposed"] = {"width": t.shape[1], "height": t.shape[0], "rgb_sha256": hashlib.sha256(t.tobytes()).hexdigest()}
        expected[name] = e
    # Broken files: Pillow must refuse them too.
    good_png, good_jpg = files["rgb_trns.png"], files["q75_422.jpg"]
    broken = {"truncated.png": good_png[: len(good_png) // 2], "truncated.jpg": good_jpg[: len(good_jpg) // 2],
              "corrupt.png": good_png[:40] + bytes(range(256)) * 2, "empty.png": b"",
              "not_an_image.png": b"hello, this is text and not an image\n" * 4,
              "bomb.png": png_header_only(100_000, 100_000), "arithmetic.jpg": arith}
    for name in ("pal.gif", "rgb24.bmp", "rgb.tif", "lossy_photo.webp"):
        broken["truncated_" + name] = files[name][: len(files[name]) * 6 // 10]
    for name, data in broken.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        try:
            Image.open(io.BytesIO(data)).convert("RGB")
            status = "decoded"
        except Exception as ex:  # noqa: BLE001 - we record what Pillow does
            status = type(ex).__name__
        expected[name] = {"pillow": status}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"pillow": PIL.__version__, "files": expected}, f, indent=1)
    print(len(expected), "files")


def bmp16(px, masks):
    """A 16-bit BMP: BI_RGB (5-5-5) when masks is None, else BI_BITFIELDS with (r, g, b) masks."""
    hgt, wid = px.shape
    stride = (wid * 2 + 3) // 4 * 4
    rows = b"".join(px[y].astype("<u2").tobytes().ljust(stride, b"\0") for y in range(hgt - 1, -1, -1))
    extra = b"" if masks is None else struct.pack("<III", *masks)
    off = 14 + 40 + len(extra)
    info = struct.pack("<IiiHHIIiiII", 40, wid, hgt, 1, 16, 0 if masks is None else 3, len(rows), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", off + len(rows), 0, 0, off) + info + extra + rows


def offset_gif(data, screen_w, screen_h, left, top):
    d = bytearray(data)
    d[6:10] = struct.pack("<HH", screen_w, screen_h)
    i = 13 + (3 << ((d[10] & 7) + 1) if d[10] & 0x80 else 0)
    while d[i] == 0x21:  # skip extension blocks
        i += 2
        while d[i]:
            i += d[i] + 1
        i += 1
    assert d[i] == 0x2C
    d[i + 1:i + 5] = struct.pack("<HH", left, top)
    return bytes(d)


def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


def png(a, bits, color_type, extra=(), before_idat=False):
    a = np.asarray(a)
    hgt, wid = a.shape[:2]
    if bits < 8:
        rows = []
        for r in a:
            v = 0
            n = 0
            row = bytearray()
            for s in r:
                v = (v << bits) | int(s)
                n += bits
                if n == 8:
                    row.append(v)
                    v = n = 0
            if n:
                row.append(v << (8 - n))
            rows.append(bytes(row))
    else:
        rows = [r.tobytes() for r in a]
    raw = b"".join(b"\x00" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", wid, hgt, bits, color_type, 0, 0, 0)
    body = chunk(b"IHDR", ihdr)
    for t, d in extra:
        body += chunk(t, d)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def png_header_only(wid, hgt):
    """A tiny PNG that declares wid x hgt RGB pixels (a decompression bomb shape)."""
    ihdr = struct.pack(">IIBBBBB", wid, hgt, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bgevl-core/src/test/resources/fixtures/decode")
