#!/usr/bin/env python3
"""Golden data for dev.bgevl.image.Resampler: Pillow 9.4 Image.resize on deterministic sources.

Run with Debian's Pillow 9.4 (apt-get install -y python3-pil python3-numpy):
    /usr/bin/python3 tools/gen_resize_fixtures.py bgevl-core/src/test/resources/fixtures/resize
Writes <name>.bin (raw interleaved uint8 sources) and cases.json: for each source, mode, filter and
output size, the sha256 of Pillow's output bytes (np.asarray(img.resize(...)).tobytes()).
"""
import hashlib, json, os, sys
import numpy as np
import PIL
from PIL import Image

FILTERS = {"NEAREST": Image.NEAREST, "BILINEAR": Image.BILINEAR, "BICUBIC": Image.BICUBIC,
           "BOX": Image.BOX, "HAMMING": Image.HAMMING, "LANCZOS": Image.LANCZOS}
CHANNELS = {"L": 1, "RGB": 3, "RGBA": 4}


def source(kind, w, h, ch, rng):
    if kind == "noise":
        return rng.integers(0, 256, size=(h, w, ch), dtype=np.uint8)
    # hard edges and extremes: a checkerboard of 0/255 blocks plus a ramp, to exercise clipping
    y, x = np.mgrid[0:h, 0:w]
    board = (((x // 3) + (y // 2)) % 2) * 255
    ramp = (x * 255 // max(w - 1, 1))
    a = np.stack([board, ramp, 255 - board] + ([(y * 255 // max(h - 1, 1))] if ch == 4 else []), axis=-1)
    return a[..., :ch].astype(np.uint8)


def main(out):
    assert PIL.__version__.startswith("9.4"), PIL.__version__
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20240601)
    sources = [  # name, kind, w, h, mode
        ("noise_37x23_rgb", "noise", 37, 23, "RGB"),
        ("edges_64x48_rgb", "edges", 64, 48, "RGB"),
        ("noise_1x1_rgb", "noise", 1, 1, "RGB"),
        ("noise_1x9_rgb", "noise", 1, 9, "RGB"),
        ("noise_300x7_rgb", "noise", 300, 7, "RGB"),
        ("edges_31x29_l", "edges", 31, 29, "L"),
        ("noise_40x30_rgba", "noise", 40, 30, "RGBA"),
        ("edges_17x33_rgba", "edges", 17, 33, "RGBA"),
    ]
    sizes = {
        "noise_37x23_rgb": [(12, 8), (37, 9), (5, 23), (74, 46), (100, 61), (3, 2), (1, 1), (38, 24), (36, 22)],
        "edges_64x48_rgb": [(32, 24), (21, 16), (7, 5), (128, 96), (65, 49), (64, 17), (13, 48), (1, 48)],
        "noise_1x1_rgb": [(32, 32), (5, 3), (1, 7)],
        "noise_1x9_rgb": [(3, 27), (1, 4), (8, 2)],
        "noise_300x7_rgb": [(42, 1), (32, 7), (640, 15), (9, 3)],
        "edges_31x29_l": [(10, 9), (62, 58), (31, 5), (4, 29)],
        "noise_40x30_rgba": [(20, 15), (13, 11), (80, 61), (40, 7)],
        "edges_17x33_rgba": [(8, 16), (34, 66), (17, 4)],
    }
    cases = []
    srcs = []
    for name, kind, w, h, mode in sources:
        a = source(kind, w, h, CHANNELS[mode], rng)
        if mode == "RGBA":  # include fully transparent and opaque pixels
            a[0, 0, 3] = 0
            a[-1, -1, 3] = 255
        raw = a.reshape(h, w, CHANNELS[mode]).tobytes()
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(raw)
        srcs.append({"name": name, "width": w, "height": h, "mode": mode, "sha256": hashlib.sha256(raw).hexdigest()})
        im = Image.frombytes(mode, (w, h), raw)
        for (ow, oh) in sizes[name]:
            for fname, f in FILTERS.items():
                r = im.resize((ow, oh), f)
                assert r.mode == mode and r.size == (ow, oh)
                cases.append({"source": name, "filter": fname, "width": ow, "height": oh,
                              "sha256": hashlib.sha256(r.tobytes()).hexdigest()})
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"pillow": PIL.__version__, "sources": srcs, "cases": cases}, f, indent=1)
    print(len(srcs), "sources,", len(cases), "cases")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bgevl-core/src/test/resources/fixtures/resize")
