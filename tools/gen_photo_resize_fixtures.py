#!/usr/bin/env python3
"""Golden data for dev.bgevl.image.Resampler and ClipImageProcessor at real photo sizes (the vector
kernels' main case: 640x480 -> 298x224 / 448x336 and the like), from Pillow 9.4 on the committed
fixture images.

    /usr/bin/python3 tools/gen_photo_resize_fixtures.py [bgevl-core/src/test/resources/fixtures]

Writes resize/photos.json: per source image (decoded with Image.open(p).convert("RGB"), which the Java
decoder reproduces bit for bit) its RGB sha256, then the sha256 of Pillow's resize output for several
sizes and every filter, in three modes: RGB as decoded, "L" = the R samples alone, and "RGBA" = the
RGB samples with the G samples as alpha (derived the same way in the test, so no source bytes need to
be stored); and the sha256 of CLIP pixel_values (shortest edge = crop = 224 and 336, bicubic) computed
by tools/preprocess_bench.py's numpy re-implementation of transformers' CLIPImageProcessor.
"""
import hashlib, json, os, sys
import numpy as np
import PIL
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from preprocess_bench import preprocess  # noqa: E402  (self-checked against the transformers fixtures)

FILTERS = {"NEAREST": Image.NEAREST, "BILINEAR": Image.BILINEAR, "BICUBIC": Image.BICUBIC,
           "BOX": Image.BOX, "HAMMING": Image.HAMMING, "LANCZOS": Image.LANCZOS}
SOURCES = {  # fixture path -> {mode: [(w, h), ...]}
    "images/corpus/000000050549.jpg": {  # 640x480
        "RGB": [(298, 224), (448, 336), (224, 224), (336, 336), (1280, 960), (40, 30), (640, 224), (298, 480),
                (101, 703)],
        "L": [(298, 224), (448, 336), (37, 29)],
        "RGBA": [(298, 224), (448, 336), (1000, 750), (33, 25)],
    },
    "images/corpus/000000156031.jpg": {"RGB": [(224, 313), (336, 469), (100, 100)]},  # 458x640
    "images/corpus/000000478916.jpg": {"RGB": [(337, 224), (506, 336)]},  # 640x425
    "images/cir_candi_2.png": {"RGB": [(336, 224), (504, 336)]},  # 3504x2336: strong reduction
}
CLIP_SIZES = [224, 336]


def sha(b):
    return hashlib.sha256(b).hexdigest()


def main(fixtures):
    assert PIL.__version__.startswith("9.4"), PIL.__version__
    out = {"pillow": PIL.__version__, "sources": []}
    for rel, modes in SOURCES.items():
        rgb = Image.open(os.path.join(fixtures, rel)).convert("RGB")
        a = np.asarray(rgb)
        derived = {"RGB": rgb, "L": Image.fromarray(np.ascontiguousarray(a[..., 0]), "L"),
                   "RGBA": Image.fromarray(np.ascontiguousarray(np.dstack([a, a[..., 1]])), "RGBA")}
        src = {"image": rel, "width": rgb.size[0], "height": rgb.size[1], "rgb_sha256": sha(rgb.tobytes()),
               "cases": [], "clip": []}
        for mode, sizes in modes.items():
            for (w, h) in sizes:
                for fname, f in FILTERS.items():
                    r = derived[mode].resize((w, h), f)
                    assert r.mode == mode and r.size == (w, h)
                    src["cases"].append({"mode": mode, "filter": fname, "width": w, "height": h,
                                         "sha256": sha(r.tobytes())})
        for s in CLIP_SIZES:
            pv = preprocess(rgb, s, s)
            assert pv.dtype == np.float32 and pv.shape == (3, s, s)
            src["clip"].append({"size": s, "pixel_values_sha256": sha(pv.tobytes()),
                                "pixel_values_sum": float(pv.astype(np.float64).sum())})
        out["sources"].append(src)
    path = os.path.join(fixtures, "resize/photos.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(path, sum(len(s["cases"]) for s in out["sources"]), "resize cases,",
          sum(len(s["clip"]) for s in out["sources"]), "pixel_values")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bgevl-core/src/test/resources/fixtures")
