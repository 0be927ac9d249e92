#!/usr/bin/python3
"""An independent reference for a second tiny BGE-VL-MLLM (LLaVA-NeXT + Mistral) model.

Debian's torch 1.13 + Pillow 9.4 + numpy only (transformers is not installable here). Written from
the spec (shared docs/mllm.md) and the semantics of transformers 4.45 (LlavaNextImageProcessor slow
path, LlavaNextForConditionalGeneration.pack_image_features, CLIPVisionModel, MistralModel) and
BGE-VL-MLLM's prepare_text_input; no code from those projects. The Java port is not used.

  tools/llava_next_ref.py make FIXTURES   writes FIXTURES/mllm-tiny2/ (config, preprocessor config,
                                          F16 safetensors; tokenizer files copied from mllm-tiny)
                                          and FIXTURES/expected/mllm-tiny2.json

The model differs from mllm-tiny on purpose: tile 42 (3x3 patches), eight pinpoints up to 3x3 and
2x4 tiles, vision_feature_layer -1, other normalization constants, GQA group 2, head dim 8, rope
theta 1e4, rms eps 1e-6, F16 weights. Token ids before image expansion come from the
reference-made expected/mllm-tiny.json (real HF tokenizer output for the same prompt strings and
the same tokenizer.json), so this script needs no tokenizer.
"""
import hashlib
import json
import math
import shutil
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

torch.set_grad_enabled(False)

TILE = 42
PATCH = 14
PINPOINTS = [[42, 84], [84, 42], [84, 84], [126, 42], [42, 126], [126, 126], [84, 168], [168, 84]]
MEAN = [0.5, 0.45, 0.4]
STD = [0.25, 0.26, 0.27]
VISION = dict(hidden_size=24, intermediate_size=40, num_hidden_layers=3, num_attention_heads=2,
              image_size=TILE, patch_size=PATCH, num_channels=3, layer_norm_eps=1e-5, hidden_act="quick_gelu")
TEXT = dict(hidden_size=48, intermediate_size=80, num_hidden_layers=3, num_attention_heads=6,
            num_key_value_heads=3, head_dim=8, rms_norm_eps=1e-6, rope_theta=10000.0, vocab_size=32064,
            max_position_embeddings=4096)
FEATURE_LAYER = -1
IMAGE_TOKEN = 32000
CIR = ("Retrieve the target image that best meets the combined criteria by using both the provided image"
       " and the image retrieval instructions: ")

# (name, fixture item whose prompt ids are reused, image, bge_resize)
ITEMS = [
    ("c_image_cir_candi_1", "c_image_cir_candi_1", "images/cir_candi_1.png", True),
    ("c_image_cmyk", "c_image_cir_candi_1", "images/edge/cmyk.jpg", True),
    ("c_image_palette", "c_image_cir_candi_1", "images/edge/palette.png", True),
    ("c_image_gray16", "c_image_cir_candi_1", "images/edge/gray16.png", True),
    ("c_image_rgba", "c_image_cir_candi_1", "images/edge/rgba_transparent.png", True),
    ("c_image_coco", "c_image_cir_candi_1", "images/corpus/000000156031.jpg", True),
    ("c_image_text", "c_image_text", "images/cir_candi_1.png", True),
    ("q_cir_readme", "q_cir_readme", "images/cir_query.png", True),
    ("q_noinst_image", "q_noinst_image", "images/edge/wide_1000x50.png", True),
    ("q_composed_unicode", "q_composed_unicode", "images/edge/tall_37x500.jpg", True),
    ("raw_c_image_wide", "c_image_cir_candi_1", "images/edge/wide_1000x50.png", False),
    ("raw_c_image_tall", "c_image_cir_candi_1", "images/edge/tall_37x500.jpg", False),
    ("raw_c_image_coco", "c_image_cir_candi_1", "images/corpus/000000156031.jpg", False),
]


# ---------------------------------------------------------------- weights

def make_weights(seed):
    rng = np.random.default_rng(seed)
    w = {}

    def t(name, shape, scale, offset=0.0):
        w[name] = (offset + scale * rng.standard_normal(shape)).astype(np.float16)

    vh, vi, vl = VISION["hidden_size"], VISION["intermediate_size"], VISION["num_hidden_layers"]
    npos = (TILE // PATCH) ** 2 + 1
    v = "vision_tower.vision_model."
    t(v + "embeddings.patch_embedding.weight", (vh, 3, PATCH, PATCH), 0.05)
    t(v + "embeddings.class_embedding", (vh,), 0.5)
    t(v + "embeddings.position_embedding.weight", (npos, vh), 0.3)
    t(v + "pre_layrnorm.weight", (vh,), 0.1, 1.0)
    t(v + "pre_layrnorm.bias", (vh,), 0.1)
    for i in range(vl):
        p = v + f"encoder.layers.{i}."
        for n in ("q_proj", "k_proj", "v_proj", "out_proj"):
            t(p + f"self_attn.{n}.weight", (vh, vh), 0.2)
            t(p + f"self_attn.{n}.bias", (vh,), 0.05)
        for n in ("layer_norm1", "layer_norm2"):
            t(p + f"{n}.weight", (vh,), 0.1, 1.0)
            t(p + f"{n}.bias", (vh,), 0.1)
        t(p + "mlp.fc1.weight", (vi, vh), 0.2)
        t(p + "mlp.fc1.bias", (vi,), 0.05)
        t(p + "mlp.fc2.weight", (vh, vi), 0.2)
        t(p + "mlp.fc2.bias", (vh,), 0.05)
    t(v + "post_layernorm.weight", (vh,), 0.1, 1.0)  # unused by LLaVA (as in real checkpoints)
    t(v + "post_layernorm.bias", (vh,), 0.1)
    th, ti = TEXT["hidden_size"], TEXT["intermediate_size"]
    hd, nh, nkv = TEXT["head_dim"], TEXT["num_attention_heads"], TEXT["num_key_value_heads"]
    t("multi_modal_projector.linear_1.weight", (th, vh), 0.3)
    t("multi_modal_projector.linear_1.bias", (th,), 0.05)
    t("multi_modal_projector.linear_2.weight", (th, th), 0.2)
    t("multi_modal_projector.linear_2.bias", (th,), 0.05)
    t("image_newline", (th,), 0.5)
    m = "language_model.model."
    t(m + "embed_tokens.weight", (TEXT["vocab_size"], th), 0.5)
    for i in range(TEXT["num_hidden_layers"]):
        p = m + f"layers.{i}."
        t(p + "self_attn.q_proj.weight", (nh * hd, th), 0.15)
        t(p + "self_attn.k_proj.weight", (nkv * hd, th), 0.15)
        t(p + "self_attn.v_proj.weight", (nkv * hd, th), 0.15)
        t(p + "self_attn.o_proj.weight", (th, nh * hd), 0.15)
        t(p + "mlp.gate_proj.weight", (ti, th), 0.15)
        t(p + "mlp.up_proj.weight", (ti, th), 0.15)
        t(p + "mlp.down_proj.weight", (th, ti), 0.15)
        t(p + "input_layernorm.weight", (th,), 0.1, 1.0)
        t(p + "post_attention_layernorm.weight", (th,), 0.1, 1.0)
    t(m + "norm.weight", (th,), 0.1, 1.0)
    return w


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        b = a.astype("<f2").tobytes()
        header[name] = {"dtype": "F16", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def tensors32(w):
    return {k: torch.from_numpy(v.astype(np.float32)) for k, v in w.items()}


# ---------------------------------------------------------------- images

def load_rgb(path, bge_resize):
    im = Image.open(path)
    mode = im.mode
    size = im.size
    if bge_resize:
        im = im.resize((512, 512))  # Pillow's default filter and its mode rules (P: NEAREST, RGBA premultiplied)
    return np.asarray(im.convert("RGB")), mode, size


def best_resolution(h, w):
    best, best_eff, best_waste = None, -1, math.inf
    for ph, pw in PINPOINTS:
        s = min(pw / w, ph / h)
        eff = min(int(w * s) * int(h * s), w * h)
        waste = ph * pw - eff
        if eff > best_eff or (eff == best_eff and waste < best_waste):
            best, best_eff, best_waste = (ph, pw), eff, waste
    return best


def pil_resize(rgb, new_h, new_w):
    return np.asarray(Image.fromarray(rgb).resize((new_w, new_h), Image.BICUBIC))


def tile_preprocess(rgb):
    """Shortest-edge resize to TILE, centre crop TILE, rescale (float64 -> float32), normalize; CHW."""
    h, w = rgb.shape[:2]
    if (h, w) != (TILE, TILE):
        short, long = (h, w) if h <= w else (w, h)
        new_long = int(TILE * long / short)
        nh, nw = (TILE, new_long) if h <= w else (new_long, TILE)
        rgb = pil_resize(rgb, nh, nw)
        top, left = int((nh - TILE) / 2), int((nw - TILE) / 2)
        rgb = rgb[top:top + TILE, left:left + TILE]
    x = (rgb.astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return x.transpose(2, 0, 1)


def preprocess(rgb):
    h, w = rgb.shape[:2]
    th, tw = best_resolution(h, w)
    sw, sh = tw / w, th / h
    if sw < sh:
        nw, nh = tw, min(math.ceil(h * sw), th)
    else:
        nh, nw = th, min(math.ceil(w * sh), tw)
    resized = pil_resize(rgb, nh, nw)
    py, px = (th - nh) // 2, (tw - nw) // 2  # 4.45: the same gap // 2 on both sides
    padded = np.pad(resized, ((py, py), (px, px), (0, 0)), constant_values=0)
    tiles = [tile_preprocess(pil_resize(rgb, TILE, TILE))]  # base image first
    for i in range(0, padded.shape[0], TILE):
        for j in range(0, padded.shape[1], TILE):
            tiles.append(tile_preprocess(padded[i:i + TILE, j:j + TILE]))
    details = dict(best_resolution_hw=[th, tw], resized_for_patching_hw=[nh, nw],
                   padding_hw=[[py, py], [px, px]], odd_padding=(th - nh) % 2 == 1 or (tw - nw) % 2 == 1)
    return np.stack(tiles).astype(np.float32), (h, w), (th, tw), details


# ---------------------------------------------------------------- vision tower + projector + packing

def layer_norm(x, w, b, eps):
    return F.layer_norm(x, (x.shape[-1],), w, b, eps)


def vision_hidden_states(W, px):
    v = "vision_tower.vision_model."
    vh, heads = VISION["hidden_size"], VISION["num_attention_heads"]
    hd = vh // heads
    eps = VISION["layer_norm_eps"]
    x = F.conv2d(px, W[v + "embeddings.patch_embedding.weight"], stride=PATCH)
    x = x.flatten(2).transpose(1, 2)
    cls = W[v + "embeddings.class_embedding"].expand(x.shape[0], 1, vh)
    x = torch.cat([cls, x], dim=1) + W[v + "embeddings.position_embedding.weight"][None]
    x = layer_norm(x, W[v + "pre_layrnorm.weight"], W[v + "pre_layrnorm.bias"], eps)
    states = [x]
    n, s, _ = x.shape
    for i in range(VISION["num_hidden_layers"]):
        p = v + f"encoder.layers.{i}."

        def lin(t, name):
            return t @ W[p + name + ".weight"].T + W[p + name + ".bias"]

        r = x
        y = layer_norm(x, W[p + "layer_norm1.weight"], W[p + "layer_norm1.bias"], eps)
        q = (lin(y, "self_attn.q_proj") * hd ** -0.5).view(n, s, heads, hd).transpose(1, 2)
        k = lin(y, "self_attn.k_proj").view(n, s, heads, hd).transpose(1, 2)
        vv = lin(y, "self_attn.v_proj").view(n, s, heads, hd).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2), dim=-1) @ vv
        x = r + lin(a.transpose(1, 2).reshape(n, s, vh), "self_attn.out_proj")
        r = x
        y = layer_norm(x, W[p + "layer_norm2.weight"], W[p + "layer_norm2.bias"], eps)
        y = lin(y, "mlp.fc1")
        y = y * torch.sigmoid(1.702 * y)
        x = r + lin(y, "mlp.fc2")
        states.append(x)
    return states


def image_features(W, px, image_hw, grid_hw):
    sel = vision_hidden_states(W, torch.from_numpy(px))[FEATURE_LAYER][:, 1:]
    y = F.gelu(sel @ W["multi_modal_projector.linear_1.weight"].T + W["multi_modal_projector.linear_1.bias"])
    y = y @ W["multi_modal_projector.linear_2.weight"].T + W["multi_modal_projector.linear_2.bias"]
    side = TILE // PATCH
    gth, gtw = grid_hw[0] // TILE, grid_hw[1] // TILE
    base = y[0]
    grid = y[1:].view(gth, gtw, side, side, -1).permute(4, 0, 2, 1, 3).reshape(y.shape[-1], gth * side, gtw * side)
    h, w = image_hw
    ch, cw = grid.shape[1], grid.shape[2]
    if w / h > cw / ch:
        nh = int(h * (cw / w))
        pad = (ch - nh) // 2
        grid = grid[:, pad:ch - pad, :]
    else:
        nw = int(w * (ch / h))
        pad = (cw - nw) // 2
        grid = grid[:, :, pad:cw - pad]
    nl = W["image_newline"][:, None, None].expand(grid.shape[0], grid.shape[1], 1)
    grid = torch.cat([grid, nl], dim=2).flatten(1).T
    return torch.cat([base, grid], dim=0)


# ---------------------------------------------------------------- Mistral decoder

def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    a, b = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat([-b, a], dim=-1)


def decoder_last(W, embeds):
    m = "language_model.model."
    L, d = embeds.shape
    nh, nkv, hd = TEXT["num_attention_heads"], TEXT["num_key_value_heads"], TEXT["head_dim"]
    eps = TEXT["rms_norm_eps"]
    inv = 1.0 / (TEXT["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    ang = torch.arange(L, dtype=torch.float32)[:, None] * inv[None, :]
    ang = torch.cat([ang, ang], dim=-1)
    cos, sin = ang.cos(), ang.sin()
    mask = torch.full((L, L), float("-inf")).triu(1)
    x = embeds
    for i in range(TEXT["num_hidden_layers"]):
        p = m + f"layers.{i}."
        y = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = (y @ W[p + "self_attn.q_proj.weight"].T).view(L, nh, hd).transpose(0, 1)
        k = (y @ W[p + "self_attn.k_proj.weight"].T).view(L, nkv, hd).transpose(0, 1)
        v = (y @ W[p + "self_attn.v_proj.weight"].T).view(L, nkv, hd).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=0)
        v = v.repeat_interleave(nh // nkv, dim=0)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + mask, dim=-1) @ v
        x = x + a.transpose(0, 1).reshape(L, nh * hd) @ W[p + "self_attn.o_proj.weight"].T
        y = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        g = y @ W[p + "mlp.gate_proj.weight"].T
        u = y @ W[p + "mlp.up_proj.weight"].T
        x = x + (F.silu(g) * u) @ W[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, W[m + "norm.weight"], eps)
    return x[-1]


def embed_item(W, ids, feats):
    table = W["language_model.model.embed_tokens.weight"]
    rows = []
    for t in ids:
        rows.append(feats if t == IMAGE_TOKEN else table[t][None])
    return torch.cat(rows, dim=0)


# ---------------------------------------------------------------- fixture

def sha(b):
    return hashlib.sha256(b).hexdigest()


def config():
    return {
        "architectures": ["LlavaNextForConditionalGeneration"], "model_type": "llava_next",
        "image_grid_pinpoints": PINPOINTS, "image_token_index": IMAGE_TOKEN, "pad_token_id": 32001,
        "projector_hidden_act": "gelu", "vision_feature_layer": FEATURE_LAYER,
        "vision_feature_select_strategy": "default", "use_image_newline_parameter": True,
        "tie_word_embeddings": False, "torch_dtype": "float16", "vocab_size": TEXT["vocab_size"],
        "text_config": dict(TEXT, model_type="mistral", hidden_act="silu", sliding_window=None,
                            bos_token_id=1, eos_token_id=2, architectures=["MistralForCausalLM"]),
        "vision_config": dict(VISION, model_type="clip_vision_model"),
        "_note": "random weights written by tools/llava_next_ref.py; not a trained model",
    }


def preprocessor_config():
    return {
        "crop_size": {"height": TILE, "width": TILE}, "size": {"shortest_edge": TILE},
        "do_center_crop": True, "do_convert_rgb": True, "do_normalize": True, "do_pad": True,
        "do_rescale": True, "do_resize": True, "image_grid_pinpoints": PINPOINTS, "image_mean": MEAN,
        "image_std": STD, "image_processor_type": "LlavaNextImageProcessor", "resample": 3,
        "rescale_factor": 1 / 255, "processor_class": "LlavaNextProcessor",
    }


def make(root):
    root = Path(root)
    tiny = json.loads((root / "expected/mllm-tiny.json").read_text())
    prompts = {it["name"]: it for it in tiny["items"]}
    out = root / "mllm-tiny2"
    out.mkdir(exist_ok=True)
    for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "LICENSE.mistral-common.txt"):
        shutil.copy(root / "mllm-tiny" / f, out / f)
    (out / "config.json").write_text(json.dumps(config(), indent=2) + "\n")
    (out / "preprocessor_config.json").write_text(json.dumps(preprocessor_config(), indent=2) + "\n")
    w = make_weights(20261127)
    write_safetensors(out / "model.safetensors", w)
    W = tensors32(w)
    items = []
    for name, src, image, bge in ITEMS:
        p = prompts[src]
        ids = p["input_ids"]
        assert ids.count(IMAGE_TOKEN) == 1, name
        rgb, mode, size = load_rgb(root / image, bge)
        px, hw, grid, details = preprocess(rgb)
        feats = image_features(W, px, hw, grid)
        emb = embed_item(W, ids, feats)
        last = decoder_last(W, emb)
        vec = F.normalize(last, dim=-1, eps=1e-12)
        items.append({
            "name": name, "role": p["role"], "instruction": p["instruction"], "text": p["text"],
            "image": image, "bge_resize": bge, "prompt": p["prompt"], "input_ids": ids,
            "num_image_tokens": int(feats.shape[0]), "seq_len": int(emb.shape[0]),
            "image_details": dict(details, decoded_mode=mode, decoded_size_wh=list(size), rgb_hw=list(hw),
                                  rgb_sha256=sha(np.ascontiguousarray(rgb).tobytes()), num_tiles=int(px.shape[0]),
                                  pixel_values_sha256=sha(px.astype("<f4").tobytes())),
            "last_hidden": [float(v) for v in last],
            "embedding": [float(v) for v in vec],
        })
        print(f"{name}: {px.shape[0]} tiles, grid {grid}, {feats.shape[0]} image tokens, seq {emb.shape[0]}", file=sys.stderr)
    assert items[7]["instruction"] == CIR
    doc = {
        "model": "mllm-tiny2",
        "made_by": "tools/llava_next_ref.py (torch %s, Pillow %s, numpy %s); prompt ids from expected/mllm-tiny.json"
                   % (torch.__version__, Image.__version__, np.__version__),
        "model_safetensors_sha256": sha((out / "model.safetensors").read_bytes()),
        "compute": "float32 (weights upcast from F16), eager attention",
        "suggested_tolerance": {"max_abs_per_component_embedding": 1e-5},
        "items": items,
    }
    (root / "expected/mllm-tiny2.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "make":
        sys.exit(__doc__)
    make(sys.argv[2])
