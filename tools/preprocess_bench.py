#!/usr/bin/env python3
"""Timing baselines in Python for dev.bgevl.bench.PreprocessBenchmark (transformers itself is not
installable here), on the same JPEG and the same sizes:

* "minimal": Pillow + numpy doing exactly the steps of transformers 4.45's slow CLIPImageProcessor and
  nothing else (decode, bicubic resize, crop by slicing, float64 rescale, float32 normalize, CHW);
* "transformers path": the same result reached the way CLIPImageProcessor.preprocess gets there:
  to_numpy_array, channel-format inference, resize through a to_pil_image round trip (astype(uint8)
  copy, fromarray, resize, np.array back), center_crop through channels-first views, rescale as
  astype(float64) * factor then astype(float32), normalize with per-call float32 mean/std arrays,
  channels-first transpose, and a batch array as with return_tensors="np". Library overhead outside
  these steps (argument validation, list handling, logging) is not included, so this is a lower bound
  of the real call.

Both check themselves first: on every reference image they must reproduce the shared fixtures'
pixel_values bit for bit (clip-tiny: shortest edge 32, crop 32). Reports median and min per call.

    /usr/bin/python3 tools/preprocess_bench.py [--fixtures bgevl-core/src/test/resources/fixtures]
        [--image bgevl-bench/src/main/resources/bench/coco_640x480.jpg] [--seconds 3]
"""
import argparse, io, json, os, statistics, time
import numpy as np
from PIL import Image

MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


def decode(data):
    return Image.open(io.BytesIO(data)).convert("RGB")          # BGE-VL: Image.open(p).convert("RGB")


def resize_shape(h, w, shortest):
    short, long = (w, h) if w <= h else (h, w)                  # get_resize_output_image_size
    new_short, new_long = shortest, int(shortest * long / short)
    return (new_long, new_short) if w <= h else (new_short, new_long)


def preprocess(img, shortest, crop):
    a = np.array(img)                                           # to_numpy_array: HWC uint8
    oh, ow = resize_shape(a.shape[0], a.shape[1], shortest)
    a = np.array(Image.fromarray(a).resize((ow, oh), resample=Image.BICUBIC, reducing_gap=None))
    top, left = (oh - crop) // 2, (ow - crop) // 2              # center_crop (no padding needed here)
    a = a[top:top + crop, left:left + crop]
    a = (a.astype(np.float64) * (1 / 255)).astype(np.float32)  # rescale
    a = (a - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)  # normalize (float32)
    return np.ascontiguousarray(a.transpose(2, 0, 1))          # channels first


# ---- the transformers call path, step by step (channels-last input, uint8, no padding needed) ----

def _channels_last(a):                                          # infer_channel_dimension_format, 3-D case
    if a.ndim != 3:
        raise ValueError(f"unsupported number of dimensions {a.ndim}")
    if a.shape[0] in (1, 3):
        return False                                            # read as channels-first (the HF quirk)
    if a.shape[-1] in (1, 3):
        return True
    raise ValueError("unable to infer channel dimension format")


def _to_first(a):
    return a.transpose(2, 0, 1)


def _to_last(a):
    return a.transpose(1, 2, 0)


def _hf_resize(a, size, resample, last):
    if a.dtype != np.uint8:                                     # _rescale_for_pil_conversion: uint8 -> no rescale
        raise ValueError("expected uint8")
    pil_in = a if last else _to_last(a)                         # to_pil_image: channels last,
    pil_in = np.squeeze(pil_in, axis=-1) if pil_in.shape[-1] == 1 else pil_in
    pil = Image.fromarray(pil_in.astype(np.uint8))              # ... astype(uint8) copies, fromarray
    h, w = size
    out = np.array(pil.resize((w, h), resample=resample, reducing_gap=None))
    out = np.expand_dims(out, axis=-1) if out.ndim == 2 else out
    return out if last else _to_first(out)                      # back to the input's channel format


def _hf_center_crop(a, size, last):
    chw = _to_first(a) if last else a                           # cropped in channels-first, as views
    h, w = chw.shape[-2:]
    ch, cw = size
    top, left = (h - ch) // 2, (w - cw) // 2
    if top < 0 or left < 0 or top + ch > h or left + cw > w:
        raise ValueError("padding path not emulated")
    chw = chw[..., top:top + ch, left:left + cw]
    return _to_last(chw) if last else chw


def _hf_rescale(a, scale):
    return (a.astype(np.float64) * scale).astype(np.float32)


def _hf_normalize(a, mean, std, last):
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float32)
    m = np.array(mean, dtype=a.dtype)
    s = np.array(std, dtype=a.dtype)
    return (a - m) / s if last else ((a.T - m) / s).T


def preprocess_hf(img, shortest, crop):
    img = img if img.mode == "RGB" else img.convert("RGB")      # convert_to_rgb
    a = np.array(img)                                           # to_numpy_array
    last = _channels_last(a)
    h, w = a.shape[:2] if last else a.shape[1:]
    a = _hf_resize(a, resize_shape(h, w, shortest), Image.BICUBIC, last)
    a = _hf_center_crop(a, (crop, crop), last)
    a = _hf_rescale(a, 1 / 255)
    a = _hf_normalize(a, MEAN, STD, last)
    a = _to_first(a) if last else a                             # data_format = channels first
    return np.asarray([a])[0]                                   # BatchFeature(return_tensors="np") stacks


def self_check(fixtures, fn, label, hf_quirk=False):
    index = json.load(open(os.path.join(fixtures, "pixels/clip-tiny/index.json")))
    n = 0
    for rel, npy in index.items():
        want = np.load(os.path.join(fixtures, npy))
        img = decode(open(os.path.join(fixtures, rel), "rb").read())
        if hf_quirk and img.height in (1, 3):
            continue                                            # HF misreads these as channels-first; fixtures hold the intended result
        got = fn(img, 32, 32)
        if got.shape != want.shape or got.tobytes() != want.tobytes():
            raise SystemExit(f"{label} self-check failed on {rel}")
        n += 1
    print(f"{label} self-check: {n}/{len(index)} reference images bit-identical")


def bench(fn, seconds):
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 5:
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times), len(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default="bgevl-core/src/test/resources/fixtures")
    ap.add_argument("--image", default="bgevl-bench/src/main/resources/bench/coco_640x480.jpg")
    ap.add_argument("--seconds", type=float, default=3)
    args = ap.parse_args()
    self_check(args.fixtures, preprocess, "minimal")
    self_check(args.fixtures, preprocess_hf, "transformers path", hf_quirk=True)
    data = open(args.image, "rb").read()
    img = decode(data)
    print(f"image {args.image}: {img.size[0]}x{img.size[1]}; ms per call, median / min (calls)")
    d = bench(lambda: decode(data).load(), args.seconds)
    print(f"decode: {d[0]:.3f} / {d[1]:.3f} ({d[2]})")
    for size in (224, 336):
        for label, fn in (("minimal", preprocess), ("transformers path", preprocess_hf)):
            p = bench(lambda: fn(img, size, size), args.seconds)
            t = bench(lambda: fn(decode(data), size, size), args.seconds)
            print(f"size {size} {label}: preprocess {p[0]:.3f} / {p[1]:.3f} ({p[2]}), "
                  f"decode+preprocess {t[0]:.3f} / {t[1]:.3f} ({t[2]})")


if __name__ == "__main__":
    main()
