#!/usr/bin/python3
"""Compact torch CLIP (the transformers 4.45 CLIPModel semantics BGE-VL-CLIP uses): a second,
independent reference and the PyTorch / ONNX Runtime peer for the benchmarks.

Semantics: pre-LN encoder blocks, quick_gelu (or exact gelu), q scaled by head_dim^-0.5 before q·kᵀ,
text: causal mask + padding mask, final_layer_norm, pooling at the first eos_token_id (legacy configs
with eos_token_id == 2: argmax(input_ids)); vision: conv patch embedding, class token, pre_layrnorm,
post_layernorm on the class token; both: bias-free projections. Parameter names equal the HF
checkpoint keys, so a safetensors state dict loads directly.

Usage (Debian python3-torch 1.13: /usr/bin/python3):
  clip_torch.py embed DIR [--ids 49406,320,...,49407]... [--pixels file.npy]...
  clip_torch.py check-fixture FIXTURES_DIR     # reproduce expected/clip-tiny.json from pixels/ids
  clip_torch.py export {base|large} OUT_DIR    # random weights, real shapes -> vision.onnx, text.onnx

No transformers or safetensors package needed: the tiny safetensors reader below handles F32/F16/BF16.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

# ---------------------------------------------------------------- config

TEXT_DEFAULTS = dict(vocab_size=49408, hidden_size=512, intermediate_size=2048, num_hidden_layers=12,
                     num_attention_heads=8, max_position_embeddings=77, hidden_act="quick_gelu",
                     layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=49406, eos_token_id=49407)
VISION_DEFAULTS = dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                       num_channels=3, image_size=224, patch_size=32, hidden_act="quick_gelu", layer_norm_eps=1e-5)
PRESETS = {
    "base": dict(projection_dim=512, text_config={}, vision_config=dict(patch_size=16)),
    "large": dict(projection_dim=768,
                  text_config=dict(hidden_size=768, intermediate_size=3072, num_attention_heads=12),
                  vision_config=dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24,
                                     num_attention_heads=16, patch_size=14)),
}


class Cfg(dict):
    __getattr__ = dict.__getitem__


def resolve_config(raw):
    """transformers' CLIPConfig defaults applied to a config.json dict."""
    text = Cfg(TEXT_DEFAULTS, **{k: v for k, v in raw.get("text_config", {}).items() if k in TEXT_DEFAULTS})
    vision = Cfg(VISION_DEFAULTS, **{k: v for k, v in raw.get("vision_config", {}).items() if k in VISION_DEFAULTS})
    return Cfg(text=text, vision=vision, projection_dim=raw.get("projection_dim", 512))


# ---------------------------------------------------------------- safetensors

def read_safetensors(path):
    """{name: float32 torch tensor}; F16/BF16 widened exactly like torch's .float()."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        buf = data[a:b]
        dt = t["dtype"]
        if dt == "F32":
            arr = np.frombuffer(buf, dtype="<f4")
        elif dt == "F16":
            arr = np.frombuffer(buf, dtype="<f2").astype(np.float32)
        elif dt == "BF16":
            arr = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{path}: tensor {name} has unsupported dtype {dt}")
        out[name] = torch.from_numpy(arr.copy().reshape(t["shape"]))
    return out


def load_state_dict(model_dir):
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(single):
        return read_safetensors(single)
    index = json.load(open(os.path.join(model_dir, "model.safetensors.index.json")))
    sd = {}
    for shard in sorted(set(index["weight_map"].values())):
        sd.update(read_safetensors(os.path.join(model_dir, shard)))
    return sd


# ---------------------------------------------------------------- model

def activation(name):
    if name == "quick_gelu":
        return lambda x: x * torch.sigmoid(1.702 * x)
    if name == "gelu":
        return lambda x: nn.functional.gelu(x)  # exact erf form
    raise SystemExit(f"hidden_act {name} not supported")


class Attention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.scale = self.head_dim ** -0.5
        self.q_proj, self.k_proj = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)
        self.v_proj, self.out_proj = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)

    def forward(self, x, mask):  # x [B, S, H]; mask additive [B, 1, S, S] or None
        b, s, h = x.shape
        split = lambda t: t.view(b, s, self.heads, self.head_dim).transpose(1, 2)
        q = split(self.q_proj(x) * self.scale)
        k, v = split(self.k_proj(x)), split(self.v_proj(x))
        scores = q @ k.transpose(-1, -2)
        if mask is not None:
            scores = scores + mask
        p = torch.softmax(scores, dim=-1)
        return self.out_proj((p @ v).transpose(1, 2).reshape(b, s, h))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c.hidden_size, c.num_attention_heads)
        self.layer_norm1 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(c.hidden_size, c.intermediate_size)
        self.mlp.fc2 = nn.Linear(c.intermediate_size, c.hidden_size)
        self.layer_norm2 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.act = activation(c.hidden_act)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp.fc2(self.act(self.mlp.fc1(self.layer_norm2(x))))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))

    def forward(self, x, mask):
        for layer in self.layers:
            x = layer(x, mask)
        return x


class TextTower(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embeddings = nn.Module()
        self.embeddings.token_embedding = nn.Embedding(c.vocab_size, c.hidden_size)
        self.embeddings.position_embedding = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.encoder = Encoder(c)
        self.final_layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids, attention_mask):  # [B, S] int64, [B, S] (1 = token, 0 = pad)
        b, s = input_ids.shape
        pos = torch.arange(s, device=input_ids.device)
        x = self.embeddings.token_embedding(input_ids) + self.embeddings.position_embedding(pos)
        neg = torch.finfo(x.dtype).min
        causal = torch.triu(torch.full((s, s), neg), diagonal=1)
        pad = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * neg
        x = self.encoder(x, causal[None, None] + pad)
        x = self.final_layer_norm(x)
        if self.c.eos_token_id == 2:  # transformers' legacy pooling
            idx = input_ids.to(torch.int32).argmax(dim=-1)
        else:
            idx = (input_ids == self.c.eos_token_id).to(torch.int32).argmax(dim=-1)
        return x[torch.arange(b), idx]


class VisionTower(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embeddings = nn.Module()
        self.embeddings.class_embedding = nn.Parameter(torch.zeros(c.hidden_size))
        self.embeddings.patch_embedding = nn.Conv2d(c.num_channels, c.hidden_size, c.patch_size, c.patch_size, bias=False)
        n_pos = (c.image_size // c.patch_size) ** 2 + 1
        self.embeddings.position_embedding = nn.Embedding(n_pos, c.hidden_size)
        self.pre_layrnorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.encoder = Encoder(c)
        self.post_layernorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, pixel_values):  # [B, C, H, W]
        b = pixel_values.shape[0]
        patches = self.embeddings.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        cls = self.embeddings.class_embedding.expand(b, 1, -1)
        x = torch.cat([cls, patches], dim=1) + self.embeddings.position_embedding.weight[None]
        x = self.encoder(self.pre_layrnorm(x), None)
        return self.post_layernorm(x[:, 0])


class Clip(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.text_model = TextTower(cfg.text)
        self.vision_model = VisionTower(cfg.vision)
        self.visual_projection = nn.Linear(cfg.vision.hidden_size, cfg.projection_dim, bias=False)
        self.text_projection = nn.Linear(cfg.text.hidden_size, cfg.projection_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(2.6592))

    def image_features(self, pixel_values):
        return self.visual_projection(self.vision_model(pixel_values))

    def text_features(self, input_ids, attention_mask):
        return self.text_projection(self.text_model(input_ids, attention_mask))


class ImageEncoder(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values):
        return self.m.image_features(pixel_values)


class TextEncoder(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m.text_features(input_ids, attention_mask)


def load(model_dir):
    cfg = resolve_config(json.load(open(os.path.join(model_dir, "config.json"))))
    m = Clip(cfg)
    sd = load_state_dict(model_dir)
    sd = {k: v for k, v in sd.items() if not k.endswith("position_ids")}
    missing, unexpected = m.load_state_dict(sd, strict=False)
    if missing or unexpected:
        raise SystemExit(f"{model_dir}: missing {missing[:5]} unexpected {unexpected[:5]}")
    return m.eval()


def random_model(preset, seed=0):
    """Real shapes, fan-in scaled random weights (activations in a realistic range)."""
    torch.manual_seed(seed)
    m = Clip(resolve_config(PRESETS[preset]))
    with torch.no_grad():
        for name, p in m.named_parameters():
            if p.dim() >= 2:
                p.normal_(0, 1 / math.sqrt(p[0].numel()))
            elif "norm" in name and name.endswith("weight"):
                p.fill_(1)
            else:
                p.normal_(0, 0.02)
    return m.eval()


def batch_ids(id_lists):
    s = max(len(x) for x in id_lists)
    ids = torch.ones(len(id_lists), s, dtype=torch.int64)  # pad id 1; masked anyway
    mask = torch.zeros(len(id_lists), s, dtype=torch.int64)
    for i, x in enumerate(id_lists):
        ids[i, :len(x)] = torch.tensor(x)
        mask[i, :len(x)] = 1
    return ids, mask


def normalize(v):
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-12)


# ---------------------------------------------------------------- commands

def cmd_embed(args):
    model_dir, rest = args[0], args[1:]
    m = load(model_dir)
    with torch.no_grad():
        for flag, val in zip(rest[::2], rest[1::2]):
            if flag == "--ids":
                ids, mask = batch_ids([[int(t) for t in val.split(",")]])
                v = m.text_features(ids, mask)
            elif flag == "--pixels":
                v = m.image_features(torch.from_numpy(np.load(val).astype(np.float32))[None])
            else:
                raise SystemExit(f"unknown option {flag}")
            print(json.dumps({"input": val, "embedding": [round(float(x), 9) for x in normalize(v)[0]]}))


def cmd_check_fixture(args):
    root = args[0]
    m = load(os.path.join(root, "clip-tiny"))
    exp = json.load(open(os.path.join(root, "expected", "clip-tiny.json")))
    index = json.load(open(os.path.join(root, "pixels", "clip-tiny", "index.json")))
    worst, n, skipped = 0.0, 0, 0
    texts = [it for it in exp["items"] if it["kind"] == "text" and it["embedding"] is not None]
    with torch.no_grad():
        # texts as one padded batch, as the reference did (padding=True)
        ids, mask = batch_ids([it["input_ids"] for it in texts])
        tv = normalize(m.text_features(ids, mask))
        for it, v in zip(texts, tv):
            worst = max(worst, float((v - torch.tensor(it["embedding"])).abs().max())); n += 1
        for it in exp["items"]:
            if it["embedding"] is None or it["kind"] == "text":
                skipped += it["embedding"] is None
                continue
            pv = torch.from_numpy(np.load(os.path.join(root, index[it["image"]])).astype(np.float32))[None]
            f = m.image_features(pv)
            if it["kind"] == "composed":
                i2, m2 = batch_ids([it["input_ids"]])
                f = f + m.text_features(i2, m2)
            worst = max(worst, float((normalize(f)[0] - torch.tensor(it["embedding"])).abs().max())); n += 1
    print(json.dumps({"items_compared": n, "null_items_skipped": skipped, "max_abs_diff": worst}))
    if worst > 1e-5:
        raise SystemExit(f"max abs diff {worst:.3g} > 1e-5")


def cmd_export(args):
    preset, out = args[0], args[1]
    os.makedirs(out, exist_ok=True)
    m = random_model(preset)
    c = m.cfg
    px = torch.randn(1, 3, c.vision.image_size, c.vision.image_size)
    ids, mask = batch_ids([[c.text.bos_token_id] + [320] * 10 + [c.text.eos_token_id]])
    with torch.no_grad():
        torch.onnx.export(ImageEncoder(m), (px,), os.path.join(out, f"{preset}-vision.onnx"),
                          input_names=["pixel_values"], output_names=["image_embeds"],
                          dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}},
                          opset_version=14)
        torch.onnx.export(TextEncoder(m), (ids, mask), os.path.join(out, f"{preset}-text.onnx"),
                          input_names=["input_ids", "attention_mask"], output_names=["text_embeds"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                        "text_embeds": {0: "batch"}},
                          opset_version=14)
    print(f"exported {out}/{preset}-vision.onnx and {preset}-text.onnx")


if __name__ == "__main__":
    cmds = {"embed": cmd_embed, "check-fixture": cmd_check_fixture, "export": cmd_export}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        raise SystemExit(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])
