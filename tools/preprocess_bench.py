#!/usr/bin/env python3
"""Pillow + numpy re-implementation of transformers 4.45's slow CLIPImageProcessor, for timing the
Python reference path against dev.bgevl.bench.PreprocessBenchmark (transformers itself is not
installable here). Checks itself first: on every reference image it must reproduce the shared
fixtures' pixel_values bit for bit (clip-tiny: shortest edge 32, crop 32).

    /usr/bin/python3 tools/preprocess_bench.py [--fixtures bgevl-core/src/test/resources/fixtures]
        [--image bgevl-bench/src/main/resources/bench/coco_640x480.jpg] [--seconds 3]
"""
import argparse, glob, io, json, os, statistics, time
import numpy as np
from PIL import Image

MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


def decode(data):
    return Image.open(io.BytesIO(data)).convert("RGB")          # BGE-VL: Image.open(p).convert("RGB")


def preprocess(img, shortest, crop):
    a = np.array(img)                                           # to_numpy_array: HWC uint8
    h, w = a.shape[:2]
    short, long = (w, h) if w <= h else (h, w)                  # get_resize_output_image_size
    new_short, new_long = shortest, int(shortest * long / short)
    oh, ow = (new_long, new_short) if w <= h else (new_short, new_long)
    a = np.array(Image.fromarray(a).resize((ow, oh), resample=Image.BICUBIC, reducing_gap=None))
    top, left = (oh - crop) // 2, (ow - crop) // 2              # center_crop (no padding needed here)
    a = a[top:top + crop, left:left + crop]
    a = (a.astype(np.float64) * (1 / 255)).astype(np.float32)  # rescale
    a = (a - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)  # normalize (float32)
    return np.ascontiguousarray(a.transpose(2, 0, 1))          # channels first


def self_check(fixtures):
    index = json.load(open(os.path.join(fixtures, "pixels/clip-tiny/index.json")))
    n = 0
    for rel, npy in index.items():
        want = np.load(os.path.join(fixtures, npy))
        got = preprocess(decode(open(os.path.join(fixtures, rel), "rb").read()), 32, 32)
        if got.shape != want.shape or got.tobytes() != want.tobytes():
            raise SystemExit(f"self-check failed on {rel}")
        n += 1
    print(f"self-check: {n}/{len(index)} reference images bit-identical")


def bench(fn, seconds):
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 5:
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), len(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default="bgevl-core/src/test/resources/fixtures")
    ap.add_argument("--image", default="bgevl-bench/src/main/resources/bench/coco_640x480.jpg")
    ap.add_argument("--seconds", type=float, default=3)
    args = ap.parse_args()
    self_check(args.fixtures)
    data = open(args.image, "rb").read()
    img = decode(data)
    print(f"image {args.image}: {img.size[0]}x{img.size[1]}")
    for size in (224, 336):
        d, _ = bench(lambda: decode(data).load(), args.seconds)
        p, _ = bench(lambda: preprocess(img, size, size), args.seconds)
        t, n = bench(lambda: preprocess(decode(data), size, size), args.seconds)
        print(f"size {size}: decode {d:.3f} ms, preprocess {p:.3f} ms, decode+preprocess {t:.3f} ms (median of {n})")


if __name__ == "__main__":
    main()
