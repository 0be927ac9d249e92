#!/usr/bin/env python3
"""Rewrites the GEMM micro-kernels in VectorKernels.java: kernel6 for fp32 weights (fewer rows go
through it on a padded tile, see VectorKernels.fewRows), kernel6 .. kernel1 for BF16 and F16.

Usage: python3 tools/gen_gemm_kernels.py bgevl-core/src/main/java/dev/bgevl/tensor/VectorKernels.java
The kernels are written out per row count so every accumulator is a Java local the JIT keeps
in a register; edit this script, not the generated methods."""
def kernel(mr, fmt=""):
    L=[]
    six = mr == 6
    if six:
        L.append("  /**")
        L.append("   * 6 rows × 2 vectors of panel columns, the whole K in registers. The first {@code skip} rows")
        L.append("   * are computed but not stored: a row tail reuses this kernel on a tile that overlaps rows")
        L.append("   * already done, so one kernel stays hot in the JIT instead of six lukewarm ones.")
        L.append("   */")
    else:
        L.append(f"  /** {mr} row{'s' if mr>1 else ''} × 2 vectors of panel columns, the whole K in registers. */")
    wt = "short[]" if fmt else "float[]"
    L.append(f"  private static void kernel{mr}{fmt.upper()}(float[] x, int xo, int k, {wt} w, int wo, float[] y, int yo, int n,")
    L.append(f"      int col, float[] bias, Activation act, boolean add{', int skip' if six else ''}) {{")
    for r in range(mr):
        L.append(f"    FloatVector c{r}0 = FloatVector.zero(F), c{r}1 = FloatVector.zero(F);")
    for r in range(mr):
        L.append(f"    int x{r} = xo + {r} * k;")
    L.append(f"    for (int kk = 0; kk < k; kk++, wo += NR) {{")
    if not fmt:
        L.append(f"      FloatVector b0 = FloatVector.fromArray(F, w, wo);")
        L.append(f"      FloatVector b1 = FloatVector.fromArray(F, w, wo + L);")
    for v in ((0, 1) if fmt else ()):
        off = "wo" if v == 0 else "wo + L"
        L.append(f"      IntVector h{v} = (IntVector) ShortVector.fromArray(H, w, {off})")
        L.append(f"          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);")
        if fmt == "bf16":
            L.append(f"      FloatVector b{v} = h{v}.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();")
        else:
            L.append(f"      FloatVector b{v} = h{v}.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h{v}.and(0x7fff)")
            L.append(f"          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())")
            L.append(f"          .reinterpretAsFloats();")
    for r in range(mr):
        L.append(f"      FloatVector a{r} = FloatVector.broadcast(F, x[x{r} + kk]);")
        L.append(f"      c{r}0 = a{r}.fma(b0, c{r}0);")
        L.append(f"      c{r}1 = a{r}.fma(b1, c{r}1);")
    L.append("    }")
    L.append("    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.")
    for masked in (False, True):
        if not masked:
            L.append("    if (col + NR <= n) {")
            L.append("      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);")
            L.append("      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);")
            m0=m1=""
        else:
            L.append("    } else {")
            L.append("      VectorMask<Float> m0 = F.indexInRange(col, n);")
            L.append("      VectorMask<Float> m1 = F.indexInRange(col + L, n);")
            L.append("      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);")
            L.append("      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);")
            m0=", m0"; m1=", m1"
        for r in range(mr):
            ind = ""
            if six and r < 5:
                L.append(f"      if (skip <= {r}) {{")
                ind = "  "
            def A(t):
                L.append(ind + t)
            A(f"      int y{r} = yo + {r} * n + col;")
            A(f"      c{r}0 = c{r}0.add(d0);")
            A(f"      c{r}1 = c{r}1.add(d1);")
            A(f"      if (add) {{")
            A(f"        c{r}0 = FloatVector.fromArray(F, y, y{r}{m0}).add(c{r}0);")
            A(f"        c{r}1 = FloatVector.fromArray(F, y, y{r} + L{m1}).add(c{r}1);")
            A(f"      }}")
            A(f"      c{r}0.intoArray(y, y{r}{m0});")
            A(f"      c{r}1.intoArray(y, y{r} + L{m1});")
            if ind:
                L.append("      }")
    L.append("    }")
    L.append("    if (act != Activation.NONE && !add) {")
    L.append("      int cols = Math.min(NR, n - col);")
    for r in range(mr):
        L.append(f"      activateRow(y, yo + {r} * n + col, cols, act);" if not (six and r < 5) else
                 f"      if (skip <= {r}) activateRow(y, yo + {r} * n + col, cols, act);")
    L.append("    }")
    L.append("  }")
    return "\n".join(L)
import sys
f=sys.argv[1]
s=open(f).read()
a=s.index('  /**\n   * 6 rows × 2 vectors')
b=s.index('  /** The activation of y[off, off + n) in place')
s=s[:a]+"\n\n".join(kernel(m, f) for f in ("", "bf16", "f16") for m in ((6,) if f == "" else (6,5,4,3,2,1)))+"\n\n"+s[b:]
open(f,'w').write(s)
