#!/usr/bin/env python3
"""Turns the JSON files tools/peers/run_all.sh writes into the Markdown table of docs/PERFORMANCE.md.
Peers are credited with their best thread setting per row. Standard library only.

  compare.py RESULTS_DIR
"""
import json
import os
import sys


def load(d, name):
    p = os.path.join(d, name)
    return json.load(open(p)) if os.path.exists(p) else None


def peer_images(peer, batch):
    if not peer:
        return None
    vals = [i["images_per_s"] for s in peer["settings"] for i in s.get("images", []) if i["batch"] == batch]
    return max(vals) if vals else None


def peer_text_p50(peer):
    if not peer:
        return None
    vals = [s["text_query_latency_ms"]["p50"] for s in peer["settings"] if "text_query_latency_ms" in s]
    return min(vals) if vals else None


def ours_images(o, batch):
    if not o:
        return None
    for i in o.get("images", []):
        if i["batch"] == batch:
            return i["images_per_s"]
    return None


def fmt(v, digits=2):
    return "n/a" if v is None else f"{v:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def check(r, op, target):
    if r is None:
        return "n/a"
    ok = r >= target if op == ">=" else r <= target
    return ("yes" if ok else "**no**") + f" ({op} {target})"


def main():
    d = sys.argv[1]
    ob, ol, olarge = load(d, "ours-base.json"), load(d, "ours-load.json"), load(d, "ours-large.json")
    rb, rl = load(d, "ort-base.json"), load(d, "ort-large.json")
    tb, tl = load(d, "torch-base.json"), load(d, "torch-large.json")
    if ob is None:
        raise SystemExit(f"{d}: no ours-base.json")
    threads = ob["threads"]
    print(f"Machine: {ob['cpu']}, {ob['processors']} processors; {threads} threads for every runtime; {ob['java']}")
    if rb:
        print(f"ONNX Runtime {rb['version']} (Java), intra-op threads {[s['threads'] for s in rb['settings']]}")
    if tb:
        print(f"PyTorch {tb['version']} eager, torch threads {[s['threads'] for s in tb['settings']]}, "
              f"OPENBLAS_NUM_THREADS={tb.get('openblas_num_threads')}")
    roof = ob.get("roofline", {})
    if "sgemm_gflops" in roof:
        print(f"sgemm roofline: {roof['sgemm_gflops']} GFLOP/s ({roof['source']})")
    else:
        print(f"roofline: unavailable ({roof.get('unavailable', 'skipped')})")
    print()
    print("| measurement | ours | ONNX Runtime | PyTorch | ours / ORT | ours / PyTorch | target met? |")
    print("|---|---:|---:|---:|---:|---:|---|")
    g_base = ob["gflop_per_image"]
    for b in [i["batch"] for i in ob.get("images", [])]:
        o, r, t = ours_images(ob, b), peer_images(rb, b), peer_images(tb, b)
        share = f" ({100 * o * g_base / roof['sgemm_gflops']:.0f}% of roofline)" if o and "sgemm_gflops" in roof else ""
        print(f"| base images/s, batch {b} | {fmt(o)}{share} | {fmt(r)} | {fmt(t)} | {fmt(ratio(o, r))}× | {fmt(ratio(o, t))}× | "
              f"ORT {check(ratio(o, r), '>=', 1.1)}, PyTorch {check(ratio(o, t), '>=', 1.4)} |")
    if olarge:
        o, r, t = ours_images(olarge, 8), peer_images(rl, 8), peer_images(tl, 8)
        print(f"| large images/s, batch 8 | {fmt(o)} | {fmt(r)} | {fmt(t)} | {fmt(ratio(o, r))}× | {fmt(ratio(o, t))}× | "
              f"ORT {check(ratio(o, r), '>=', 1.0)} |")
    if "latency_ms" in ob:
        o, r, t = ob["latency_ms"]["text_query"]["p50"], peer_text_p50(rb), peer_text_p50(tb)
        print(f"| base 12-token text query p50, ms (lower is better) | {fmt(o)} | {fmt(r)} | {fmt(t)} | "
              f"{fmt(ratio(o, r))}× | {fmt(ratio(o, t))}× | ORT {check(ratio(o, r), '<=', 0.75)} |")
        lat = ob["latency_ms"]["text_query"]
        img = ob["latency_ms"]["image"]
        print(f"| ours: text query p90 / p99, ms | {lat['p90']:.2f} / {lat['p99']:.2f} | | | | | |")
        print(f"| ours: single image p50 / p90 / p99, ms | {img['p50']:.1f} / {img['p90']:.1f} / {img['p99']:.1f} | | | | | |")
    if "texts" in ob:
        for t in ob["texts"]:
            print(f"| ours: texts/s, batch {t['batch']} ({t['tokens']} tokens) | {t['texts_per_s']:.1f} | | | | | |")
    if ol:
        l = ol["load"]
        first = l["first_image_embedding_s"]
        print(f"| ours: load F32 safetensors (mmap) → first image embedding, s | {l['load_s']:.2f} load, {first:.2f} first "
              f"({l['jvm_start_to_first_embedding_s']:.2f} from JVM start) | | | | | {check(first, '<=', 2.0)} |")
        m = ol["memory"]
        print(f"| ours: peak RSS, load + batch 8, MB | {m['peak_rss_bytes'] / 1e6:.0f} (budget {m['budget_bytes'] / 1e6:.0f}) | | | | | "
              f"{check(m['peak_over_budget'], '<=', 1.0)} |")
    rb_load = rb["settings"][0].get("vision_load_s") if rb else None
    if rb_load is not None:
        print(f"| ORT: vision session creation, s | | {rb_load:.2f} | | | | |")


if __name__ == "__main__":
    main()
