#!/usr/bin/env python3
"""Writes bgevl-core/src/main/resources/dev/bgevl/tokenize/unicode9-nfc.txt.

Hugging Face `tokenizers` normalizes (NFC, NFD...) with the crate `unicode-normalization-alignments`
0.1.12, whose Unicode Character Database tables are Unicode 9.0.0. Java's java.text.Normalizer uses a
newer Unicode, which reorders and composes marks assigned since (e.g. U+1ABF) differently. To give the
same ids, dev.bgevl.tokenize.Nfc runs the normalization algorithm over the Unicode 9.0 data, which this
script extracts (data only: combining classes, full canonical decompositions, primary composites) from
that crate's generated tables.rs:

  python3 tools/make_unicode9_nfc.py path/to/unicode-normalization-alignments/src/tables.rs

Lines: "c CP CCC" | "d CP CP..." | "p FIRST SECOND COMPOSITE" (hex code points).
"""
import re
import sys
from pathlib import Path

src = Path(sys.argv[1]).read_text(encoding="utf-8")
assert "pub const UNICODE_VERSION: (u64, u64, u64) = (9, 0, 0);" in src, "expected the Unicode 9.0.0 tables"


def block(name):
    m = re.search(r"const " + name + r": [^\n]*? = &\[(.*?)\n\];", src, re.S)
    assert m, name
    return m.group(1)


def chars(s):
    return [int(h, 16) for h in re.findall(r"\\u\{([0-9A-Fa-f]+)\}", s)]


out = ["# Unicode 9.0.0 normalization data (see tools/make_unicode9_nfc.py)"]
ccc = sorted((v >> 8, v & 0xFF) for v in (int(x, 16) for x in re.findall(r"0x[0-9A-Fa-f]+", block("CANONICAL_COMBINING_CLASS_KV"))))
out += [f"c {cp:04X} {c}" for cp, c in ccc if c != 0]
decomp = sorted((int(k, 16), chars(v)) for k, v in re.findall(r"\((0x[0-9a-fA-F]+), &\[(.*?)\]\)", block("CANONICAL_DECOMPOSED_KV")))
out += ["d " + " ".join(f"{x:04X}" for x in [cp] + d) for cp, d in decomp]
pairs = []
for k, v in re.findall(r"\((0x[0-9a-fA-F]+), '(.*?)'\)", block("COMPOSITION_TABLE_KV")):
    k = int(k, 16)
    pairs.append((k >> 16, k & 0xFFFF, chars(v)[0]))
astral = src[src.index("fn composition_table_astral"):]
astral = astral[:astral.index("_ => None")]
for a, b, r in re.findall(r"\('\\u\{([0-9A-F]+)\}', '\\u\{([0-9A-F]+)\}'\) => Some\('\\u\{([0-9A-F]+)\}'\)", astral):
    pairs.append((int(a, 16), int(b, 16), int(r, 16)))
out += [f"p {a:04X} {b:04X} {r:04X}" for a, b, r in sorted(pairs)]
dest = Path(__file__).resolve().parent.parent / "bgevl-core/src/main/resources/dev/bgevl/tokenize/unicode9-nfc.txt"
dest.write_text("\n".join(out) + "\n", encoding="utf-8")
print(f"{dest}: {len(ccc)} ccc, {len(decomp)} decompositions, {len(pairs)} compositions")
