#!/usr/bin/python3
"""PyTorch peer of `bgevl bench`: tools/clip_torch.py's CLIP with random weights and the real shapes,
eager mode under torch.inference_mode(), timed like bgevl bench (median of N runs after warm-up).
Prints JSON with the same keys as the ONNX Runtime peer, one entry per torch.set_num_threads value.

  /usr/bin/python3 tools/peers/torch_peer.py {base|large} [--batch 1,8,32] [--runs 5] [--warmup 1]
      [--latency-runs 20] [--threads 1,2] [--text-tokens 12] [--no-text] [--image-latency]

Run it with OPENBLAS_NUM_THREADS set (tools/peers/run_all.sh uses the thread count of the other runs):
Debian's torch does its GEMMs through the system BLAS, i.e. OpenBLAS from libopenblas0-pthread.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import clip_torch  # noqa: E402


def timed(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def pct(s):
    a = np.array(s) * 1e3
    return {"p50": round(float(np.quantile(a, 0.5)), 3), "p90": round(float(np.quantile(a, 0.9)), 3),
            "p99": round(float(np.quantile(a, 0.99)), 3), "runs": len(s)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("preset", choices=["base", "large"])
    ap.add_argument("--batch", default="1,8,32")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--latency-runs", type=int, default=20)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--text-tokens", type=int, default=12)
    ap.add_argument("--no-text", action="store_true")
    ap.add_argument("--image-latency", action="store_true")
    a = ap.parse_args()
    t0 = time.perf_counter()
    m = clip_torch.random_model(a.preset)
    build_s = time.perf_counter() - t0
    c = m.cfg
    side = c.vision.image_size
    g = torch.Generator().manual_seed(7)
    ids, mask = clip_torch.batch_ids([[c.text.bos_token_id] + [320 + i for i in range(a.text_tokens - 2)] + [c.text.eos_token_id]])
    result = {"peer": "pytorch", "version": torch.__version__, "blas": "system BLAS (OpenBLAS via libopenblas0-pthread)",
              "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"), "model_build_s": round(build_s, 3), "settings": []}
    for threads in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(threads)
        s = {"threads": threads, "images": []}
        with torch.inference_mode():
            for b in [int(x) for x in a.batch.split(",")]:
                px = torch.randn(b, 3, side, side, generator=g)
                ts = timed(lambda: m.image_features(px), a.warmup, a.runs)
                med = float(np.median(ts))
                s["images"].append({"batch": b, "median_s": round(med, 6), "images_per_s": round(b / med, 3)})
                print(f"torch threads {threads} images batch {b}: {b / med:.2f} images/s", file=sys.stderr, flush=True)
            if a.image_latency:
                px = torch.randn(1, 3, side, side, generator=g)
                s["image_latency_ms"] = pct(timed(lambda: m.image_features(px), a.warmup, max(a.runs, a.latency_runs // 4)))
            if not a.no_text:
                ts = timed(lambda: m.text_features(ids, mask), max(a.warmup, 3), a.latency_runs)
                s["text_query_latency_ms"] = pct(ts)
                print(f"torch threads {threads} text query p50 {np.median(ts) * 1e3:.2f} ms", file=sys.stderr, flush=True)
        result["settings"].append(s)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
