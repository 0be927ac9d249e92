package dev.bgevl.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels. The GEMM is a register-blocked micro-kernel (up to 6 rows × 2 vectors of
 * columns, 12 accumulators + 2 weight vectors + 1 broadcast stay within AVX-512's 32 registers)
 * over weights packed once into column panels, with bias, activation or residual add fused into
 * the store.
 *
 * <p>Only IEEE-exact operations (add, mul, fma, div, sqrt, compares, conversions) and reductions
 * in a fixed lane order are used, never {@code lanewise(EXP)} or {@code reduceLanes(ADD)}: those
 * give different bits in the interpreter (Java fallback) and in C2 (SVML, tree reductions), so a
 * row's result would depend on whether its kernel had been JIT-compiled yet, breaking batch
 * invariance.
 *
 * <p>Every output keeps the operation order of the {@link Kernels} contract: one fma chain over k
 * per output lane, held in a register for the whole K (no K blocking), so results do not depend on
 * the row count or on which tile a row lands in, and equal the scalar provider's before the
 * activation.
 */
final class VectorKernels implements Kernels {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  /** 16-bit weights: L lanes of short widen to L lanes of int, reinterpreted as float. */
  private static final VectorSpecies<Short> H =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
  private static final VectorSpecies<Integer> I = F.withLanes(int.class).check(int.class);
  /** f16 → f32: the f16 bits shifted into f32 position read as a float 2^-112 too small. */
  private static final float F16_SCALE = 0x1p112f;
  /** Panel width: two vectors, so a 6-row tile needs 12 accumulators. */
  private static final int NR = 2 * L;
  /**
   * Weight panels swept per row tile: as many as fit in ~512 KiB, half of a 1-2 MiB L2, so the
   * panels stay in L2 while every row tile of the block passes over them.
   */
  private static final int PANEL_BYTES_BUDGET = 512 * 1024;

  @Override
  public String name() {
    return "vector";
  }

  @Override
  public int panelWidth() {
    return NR;
  }

  /** The vector width in bits, for logs and benchmarks. */
  static int vectorBits() {
    return F.vectorBitSize();
  }

  // ---------------------------------------------------------------------------------- GEMM

  /** Row counts up to this use panel-major order in {@link #drive} (see there). */
  private static final int FEW_ROWS = 24;

  @Override
  public void gemm(float[] x, int k, float[] packed, int pw, int n, float[] bias, float[] y,
      Activation act, boolean add, int rowStart, int rowEnd, int panelStart, int panelEnd) {
    assert pw == NR : "weights packed for panel width " + pw + ", kernel needs " + NR;
    drive(x, k, packed, null, WeightFormat.F32, n, bias, y, act, add, rowStart, rowEnd,
        panelStart, panelEnd);
  }

  @Override
  public void gemm16(float[] x, int k, short[] packed, WeightFormat format, int pw, int n,
      float[] bias, float[] y, Activation act, boolean add, int rowStart, int rowEnd,
      int panelStart, int panelEnd) {
    assert pw == NR : "weights packed for panel width " + pw + ", kernel needs " + NR;
    drive(x, k, null, packed, format, n, bias, y, act, add, rowStart, rowEnd, panelStart,
        panelEnd);
  }

  /**
   * Loop order: groups of panels that fit in L2 → 6-row tiles → panels of the group. Each tile's
   * x rows stay in L1 across the group's panels; the group's weights stay in L2 across tiles.
   */
  private static void drive(float[] x, int k, float[] w32, short[] w16, WeightFormat format,
      int n, float[] bias, float[] y, Activation act, boolean add, int rowStart, int rowEnd,
      int panelStart, int panelEnd) {
    if (format == WeightFormat.F32 && rowEnd < 6) {
      fewRows(x, k, w32, n, bias, y, act, add, rowStart, rowEnd, panelStart, panelEnd);
      return;
    }
    // 16-bit weights with more than one row tile: widen the panel group to fp32 once (exact) and
    // run the fp32 kernels, so the conversion is paid once per group instead of once per tile.
    boolean widen = format != WeightFormat.F32 && rowEnd - rowStart > 6;
    // Few rows (a text query): each panel's weights are used by at most a few tiles, so stream the
    // panels one at a time with all tiles on each (the panel is still in L1/L2 for the next tile,
    // and memory keeps streaming while they compute) instead of sweeping a whole group per tile.
    int group = rowEnd - rowStart <= FEW_ROWS ? 1
        : Math.max(1, PANEL_BYTES_BUDGET / (k * NR * (widen ? 4 : format.bytes())));
    float[] wide = null;
    if (widen) {
      wide = WIDE.get();
      if (wide.length < group * k * NR) {
        wide = new float[group * k * NR];
        WIDE.set(wide);
      }
    }
    for (int p0 = panelStart; p0 < panelEnd; p0 += group) {
      int p1 = Math.min(panelEnd, p0 + group);
      WeightFormat kernelFormat = format;
      int panelBase = 0;
      if (widen) {
        widen(w16, p0 * k * NR, (p1 - p0) * k * NR, format, wide);
        w32 = wide;
        kernelFormat = WeightFormat.F32;
        panelBase = p0;
      }
      int i = rowStart;
      while (i < rowEnd) {
        int left = rowEnd - i;
        // Tail of fewer than 6 rows: when 6 rows exist (rowEnd >= 6), the 6-row kernel runs on
        // rows [rowEnd - 6, rowEnd) and stores only the new ones (same fma chains, same bits).
        int mr = left >= 6 || rowEnd < 6 ? Math.min(6, left) : 6;
        int top = left >= 6 || rowEnd < 6 ? i : rowEnd - 6;
        int skip = i - top;
        int xo = top * k;
        int yo = top * n;
        for (int p = p0; p < p1; p++) {
          int wo = (p - panelBase) * k * NR;
          int col = p * NR;
          switch (kernelFormat) {
            // fp32 always has 6 rows here (fewer are padded by fewRows)
            case F32 -> kernel6(x, xo, k, w32, wo, y, yo, n, col, bias, act, add, skip);
            case BF16 -> {
              switch (mr) {
                case 6 -> kernel6BF16(x, xo, k, w16, wo, y, yo, n, col, bias, act, add, skip);
                case 5 -> kernel5BF16(x, xo, k, w16, wo, y, yo, n, col, bias, act, add);
                case 4 -> kernel4BF16(x, xo, k, w16, wo, y, yo, n, col, bias, act, add);
                case 3 -> kernel3BF16(x, xo, k, w16, wo, y, yo, n, col, bias, act, add);
                case 2 -> kernel2BF16(x, xo, k, w16, wo, y, yo, n, col, bias, act, add);
                default -> kernel1BF16(x, xo, k, w16, wo, y, yo, n, col, bias, act, add);
              }
            }
            case F16 -> {
              switch (mr) {
                case 6 -> kernel6F16(x, xo, k, w16, wo, y, yo, n, col, bias, act, add, skip);
                case 5 -> kernel5F16(x, xo, k, w16, wo, y, yo, n, col, bias, act, add);
                case 4 -> kernel4F16(x, xo, k, w16, wo, y, yo, n, col, bias, act, add);
                case 3 -> kernel3F16(x, xo, k, w16, wo, y, yo, n, col, bias, act, add);
                case 2 -> kernel2F16(x, xo, k, w16, wo, y, yo, n, col, bias, act, add);
                default -> kernel1F16(x, xo, k, w16, wo, y, yo, n, col, bias, act, add);
              }
            }
          }
        }
        i += Math.min(6, left);
      }
    }
  }

  /** Per-thread 6-row copies of x and y for {@link #fewRows}. */
  private static final ThreadLocal<float[][]> FEW = ThreadLocal.withInitial(() -> new float[2][0]);

  /**
   * Fewer than 6 rows in all (a single pooled row, a batch of 1 to 5): the rows are copied to the
   * bottom of a 6-row scratch tile and the 6-row kernel runs on it, storing only those rows (same
   * fma chains, same bits as a dedicated smaller kernel). The scratch rows above are zeros and are
   * never stored. One fp32 kernel then serves every row count, so the JIT has one kernel to compile
   * instead of six. The extra multiply-adds are free here: a handful of rows is bound by streaming
   * the weights from memory, not by arithmetic.
   */
  private static void fewRows(float[] x, int k, float[] w, int n, float[] bias, float[] y,
      Activation act, boolean add, int rowStart, int rowEnd, int panelStart, int panelEnd) {
    int pad = 6 - rowEnd;
    float[][] t = FEW.get();
    if (t[0].length < 6 * k) {
      t[0] = new float[6 * k];
    }
    if (t[1].length < 6 * n) {
      t[1] = new float[6 * n];
    }
    float[] xt = t[0];
    float[] yt = t[1];
    java.util.Arrays.fill(xt, 0, pad * k, 0f);
    System.arraycopy(x, 0, xt, pad * k, rowEnd * k);
    int c0 = panelStart * NR;
    int c1 = Math.min(n, panelEnd * NR);
    if (add) {
      for (int r = rowStart; r < rowEnd; r++) {
        System.arraycopy(y, r * n + c0, yt, (pad + r) * n + c0, c1 - c0);
      }
    }
    drive(xt, k, w, null, WeightFormat.F32, n, bias, yt, act, add, pad + rowStart, 6, panelStart,
        panelEnd);
    for (int r = rowStart; r < rowEnd; r++) {
      System.arraycopy(yt, (pad + r) * n + c0, y, r * n + c0, c1 - c0);
    }
  }

  /** Per-thread fp32 copy of a 16-bit panel group. */
  private static final ThreadLocal<float[]> WIDE = ThreadLocal.withInitial(() -> new float[0]);

  /** dst[0, n) = the floats of 16-bit patterns src[off, off + n) (exact). n is a multiple of L. */
  private static void widen(short[] src, int off, int n, WeightFormat format, float[] dst) {
    boolean bf16 = format == WeightFormat.BF16;
    for (int i = 0; i < n; i += L) {
      IntVector h = (IntVector) ShortVector.fromArray(H, src, off + i)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector f;
      if (bf16) {
        f = h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      } else {
        f = h.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h.and(0x7fff)
            .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE)
            .reinterpretAsInts()).reinterpretAsFloats();
      }
      f.intoArray(dst, i);
    }
  }

  // Micro-kernels, one per row count, written out so every accumulator is a local (register);
  // generated by tools/gen_gemm_kernels.py.
  // The activation runs on the stored row while it is in L1, through array-based helpers.

  /**
   * 6 rows × 2 vectors of panel columns, the whole K in registers. The first {@code skip} rows
   * are computed but not stored: a row tail reuses this kernel on a tile that overlaps rows
   * already done, so one kernel stays hot in the JIT instead of six lukewarm ones.
   */
  private static void kernel6(float[] x, int xo, int k, float[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add, int skip) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
    FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
    FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    int x1 = xo + 1 * k;
    int x2 = xo + 2 * k;
    int x3 = xo + 3 * k;
    int x4 = xo + 4 * k;
    int x5 = xo + 5 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      FloatVector b0 = FloatVector.fromArray(F, w, wo);
      FloatVector b1 = FloatVector.fromArray(F, w, wo + L);
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
      FloatVector a2 = FloatVector.broadcast(F, x[x2 + kk]);
      c20 = a2.fma(b0, c20);
      c21 = a2.fma(b1, c21);
      FloatVector a3 = FloatVector.broadcast(F, x[x3 + kk]);
      c30 = a3.fma(b0, c30);
      c31 = a3.fma(b1, c31);
      FloatVector a4 = FloatVector.broadcast(F, x[x4 + kk]);
      c40 = a4.fma(b0, c40);
      c41 = a4.fma(b1, c41);
      FloatVector a5 = FloatVector.broadcast(F, x[x5 + kk]);
      c50 = a5.fma(b0, c50);
      c51 = a5.fma(b1, c51);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      if (skip <= 0) {
        int y0 = yo + 0 * n + col;
        c00 = c00.add(d0);
        c01 = c01.add(d1);
        if (add) {
          c00 = FloatVector.fromArray(F, y, y0).add(c00);
          c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
        }
        c00.intoArray(y, y0);
        c01.intoArray(y, y0 + L);
      }
      if (skip <= 1) {
        int y1 = yo + 1 * n + col;
        c10 = c10.add(d0);
        c11 = c11.add(d1);
        if (add) {
          c10 = FloatVector.fromArray(F, y, y1).add(c10);
          c11 = FloatVector.fromArray(F, y, y1 + L).add(c11);
        }
        c10.intoArray(y, y1);
        c11.intoArray(y, y1 + L);
      }
      if (skip <= 2) {
        int y2 = yo + 2 * n + col;
        c20 = c20.add(d0);
        c21 = c21.add(d1);
        if (add) {
          c20 = FloatVector.fromArray(F, y, y2).add(c20);
          c21 = FloatVector.fromArray(F, y, y2 + L).add(c21);
        }
        c20.intoArray(y, y2);
        c21.intoArray(y, y2 + L);
      }
      if (skip <= 3) {
        int y3 = yo + 3 * n + col;
        c30 = c30.add(d0);
        c31 = c31.add(d1);
        if (add) {
          c30 = FloatVector.fromArray(F, y, y3).add(c30);
          c31 = FloatVector.fromArray(F, y, y3 + L).add(c31);
        }
        c30.intoArray(y, y3);
        c31.intoArray(y, y3 + L);
      }
      if (skip <= 4) {
        int y4 = yo + 4 * n + col;
        c40 = c40.add(d0);
        c41 = c41.add(d1);
        if (add) {
          c40 = FloatVector.fromArray(F, y, y4).add(c40);
          c41 = FloatVector.fromArray(F, y, y4 + L).add(c41);
        }
        c40.intoArray(y, y4);
        c41.intoArray(y, y4 + L);
      }
      int y5 = yo + 5 * n + col;
      c50 = c50.add(d0);
      c51 = c51.add(d1);
      if (add) {
        c50 = FloatVector.fromArray(F, y, y5).add(c50);
        c51 = FloatVector.fromArray(F, y, y5 + L).add(c51);
      }
      c50.intoArray(y, y5);
      c51.intoArray(y, y5 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      if (skip <= 0) {
        int y0 = yo + 0 * n + col;
        c00 = c00.add(d0);
        c01 = c01.add(d1);
        if (add) {
          c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
          c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
        }
        c00.intoArray(y, y0, m0);
        c01.intoArray(y, y0 + L, m1);
      }
      if (skip <= 1) {
        int y1 = yo + 1 * n + col;
        c10 = c10.add(d0);
        c11 = c11.add(d1);
        if (add) {
          c10 = FloatVector.fromArray(F, y, y1, m0).add(c10);
          c11 = FloatVector.fromArray(F, y, y1 + L, m1).add(c11);
        }
        c10.intoArray(y, y1, m0);
        c11.intoArray(y, y1 + L, m1);
      }
      if (skip <= 2) {
        int y2 = yo + 2 * n + col;
        c20 = c20.add(d0);
        c21 = c21.add(d1);
        if (add) {
          c20 = FloatVector.fromArray(F, y, y2, m0).add(c20);
          c21 = FloatVector.fromArray(F, y, y2 + L, m1).add(c21);
        }
        c20.intoArray(y, y2, m0);
        c21.intoArray(y, y2 + L, m1);
      }
      if (skip <= 3) {
        int y3 = yo + 3 * n + col;
        c30 = c30.add(d0);
        c31 = c31.add(d1);
        if (add) {
          c30 = FloatVector.fromArray(F, y, y3, m0).add(c30);
          c31 = FloatVector.fromArray(F, y, y3 + L, m1).add(c31);
        }
        c30.intoArray(y, y3, m0);
        c31.intoArray(y, y3 + L, m1);
      }
      if (skip <= 4) {
        int y4 = yo + 4 * n + col;
        c40 = c40.add(d0);
        c41 = c41.add(d1);
        if (add) {
          c40 = FloatVector.fromArray(F, y, y4, m0).add(c40);
          c41 = FloatVector.fromArray(F, y, y4 + L, m1).add(c41);
        }
        c40.intoArray(y, y4, m0);
        c41.intoArray(y, y4 + L, m1);
      }
      int y5 = yo + 5 * n + col;
      c50 = c50.add(d0);
      c51 = c51.add(d1);
      if (add) {
        c50 = FloatVector.fromArray(F, y, y5, m0).add(c50);
        c51 = FloatVector.fromArray(F, y, y5 + L, m1).add(c51);
      }
      c50.intoArray(y, y5, m0);
      c51.intoArray(y, y5 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      if (skip <= 0) activateRow(y, yo + 0 * n + col, cols, act);
      if (skip <= 1) activateRow(y, yo + 1 * n + col, cols, act);
      if (skip <= 2) activateRow(y, yo + 2 * n + col, cols, act);
      if (skip <= 3) activateRow(y, yo + 3 * n + col, cols, act);
      if (skip <= 4) activateRow(y, yo + 4 * n + col, cols, act);
      activateRow(y, yo + 5 * n + col, cols, act);
    }
  }

  /**
   * 6 rows × 2 vectors of panel columns, the whole K in registers. The first {@code skip} rows
   * are computed but not stored: a row tail reuses this kernel on a tile that overlaps rows
   * already done, so one kernel stays hot in the JIT instead of six lukewarm ones.
   */
  private static void kernel6BF16(float[] x, int xo, int k, short[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add, int skip) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
    FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
    FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    int x1 = xo + 1 * k;
    int x2 = xo + 2 * k;
    int x3 = xo + 3 * k;
    int x4 = xo + 4 * k;
    int x5 = xo + 5 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      IntVector h0 = (IntVector) ShortVector.fromArray(H, w, wo)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b0 = h0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      IntVector h1 = (IntVector) ShortVector.fromArray(H, w, wo + L)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b1 = h1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
      FloatVector a2 = FloatVector.broadcast(F, x[x2 + kk]);
      c20 = a2.fma(b0, c20);
      c21 = a2.fma(b1, c21);
      FloatVector a3 = FloatVector.broadcast(F, x[x3 + kk]);
      c30 = a3.fma(b0, c30);
      c31 = a3.fma(b1, c31);
      FloatVector a4 = FloatVector.broadcast(F, x[x4 + kk]);
      c40 = a4.fma(b0, c40);
      c41 = a4.fma(b1, c41);
      FloatVector a5 = FloatVector.broadcast(F, x[x5 + kk]);
      c50 = a5.fma(b0, c50);
      c51 = a5.fma(b1, c51);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      if (skip <= 0) {
        int y0 = yo + 0 * n + col;
        c00 = c00.add(d0);
        c01 = c01.add(d1);
        if (add) {
          c00 = FloatVector.fromArray(F, y, y0).add(c00);
          c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
        }
        c00.intoArray(y, y0);
        c01.intoArray(y, y0 + L);
      }
      if (skip <= 1) {
        int y1 = yo + 1 * n + col;
        c10 = c10.add(d0);
        c11 = c11.add(d1);
        if (add) {
          c10 = FloatVector.fromArray(F, y, y1).add(c10);
          c11 = FloatVector.fromArray(F, y, y1 + L).add(c11);
        }
        c10.intoArray(y, y1);
        c11.intoArray(y, y1 + L);
      }
      if (skip <= 2) {
        int y2 = yo + 2 * n + col;
        c20 = c20.add(d0);
        c21 = c21.add(d1);
        if (add) {
          c20 = FloatVector.fromArray(F, y, y2).add(c20);
          c21 = FloatVector.fromArray(F, y, y2 + L).add(c21);
        }
        c20.intoArray(y, y2);
        c21.intoArray(y, y2 + L);
      }
      if (skip <= 3) {
        int y3 = yo + 3 * n + col;
        c30 = c30.add(d0);
        c31 = c31.add(d1);
        if (add) {
          c30 = FloatVector.fromArray(F, y, y3).add(c30);
          c31 = FloatVector.fromArray(F, y, y3 + L).add(c31);
        }
        c30.intoArray(y, y3);
        c31.intoArray(y, y3 + L);
      }
      if (skip <= 4) {
        int y4 = yo + 4 * n + col;
        c40 = c40.add(d0);
        c41 = c41.add(d1);
        if (add) {
          c40 = FloatVector.fromArray(F, y, y4).add(c40);
          c41 = FloatVector.fromArray(F, y, y4 + L).add(c41);
        }
        c40.intoArray(y, y4);
        c41.intoArray(y, y4 + L);
      }
      int y5 = yo + 5 * n + col;
      c50 = c50.add(d0);
      c51 = c51.add(d1);
      if (add) {
        c50 = FloatVector.fromArray(F, y, y5).add(c50);
        c51 = FloatVector.fromArray(F, y, y5 + L).add(c51);
      }
      c50.intoArray(y, y5);
      c51.intoArray(y, y5 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      if (skip <= 0) {
        int y0 = yo + 0 * n + col;
        c00 = c00.add(d0);
        c01 = c01.add(d1);
        if (add) {
          c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
          c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
        }
        c00.intoArray(y, y0, m0);
        c01.intoArray(y, y0 + L, m1);
      }
      if (skip <= 1) {
        int y1 = yo + 1 * n + col;
        c10 = c10.add(d0);
        c11 = c11.add(d1);
        if (add) {
          c10 = FloatVector.fromArray(F, y, y1, m0).add(c10);
          c11 = FloatVector.fromArray(F, y, y1 + L, m1).add(c11);
        }
        c10.intoArray(y, y1, m0);
        c11.intoArray(y, y1 + L, m1);
      }
      if (skip <= 2) {
        int y2 = yo + 2 * n + col;
        c20 = c20.add(d0);
        c21 = c21.add(d1);
        if (add) {
          c20 = FloatVector.fromArray(F, y, y2, m0).add(c20);
          c21 = FloatVector.fromArray(F, y, y2 + L, m1).add(c21);
        }
        c20.intoArray(y, y2, m0);
        c21.intoArray(y, y2 + L, m1);
      }
      if (skip <= 3) {
        int y3 = yo + 3 * n + col;
        c30 = c30.add(d0);
        c31 = c31.add(d1);
        if (add) {
          c30 = FloatVector.fromArray(F, y, y3, m0).add(c30);
          c31 = FloatVector.fromArray(F, y, y3 + L, m1).add(c31);
        }
        c30.intoArray(y, y3, m0);
        c31.intoArray(y, y3 + L, m1);
      }
      if (skip <= 4) {
        int y4 = yo + 4 * n + col;
        c40 = c40.add(d0);
        c41 = c41.add(d1);
        if (add) {
          c40 = FloatVector.fromArray(F, y, y4, m0).add(c40);
          c41 = FloatVector.fromArray(F, y, y4 + L, m1).add(c41);
        }
        c40.intoArray(y, y4, m0);
        c41.intoArray(y, y4 + L, m1);
      }
      int y5 = yo + 5 * n + col;
      c50 = c50.add(d0);
      c51 = c51.add(d1);
      if (add) {
        c50 = FloatVector.fromArray(F, y, y5, m0).add(c50);
        c51 = FloatVector.fromArray(F, y, y5 + L, m1).add(c51);
      }
      c50.intoArray(y, y5, m0);
      c51.intoArray(y, y5 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      if (skip <= 0) activateRow(y, yo + 0 * n + col, cols, act);
      if (skip <= 1) activateRow(y, yo + 1 * n + col, cols, act);
      if (skip <= 2) activateRow(y, yo + 2 * n + col, cols, act);
      if (skip <= 3) activateRow(y, yo + 3 * n + col, cols, act);
      if (skip <= 4) activateRow(y, yo + 4 * n + col, cols, act);
      activateRow(y, yo + 5 * n + col, cols, act);
    }
  }

  /** 5 rows × 2 vectors of panel columns, the whole K in registers. */
  private static void kernel5BF16(float[] x, int xo, int k, short[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
    FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    int x1 = xo + 1 * k;
    int x2 = xo + 2 * k;
    int x3 = xo + 3 * k;
    int x4 = xo + 4 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      IntVector h0 = (IntVector) ShortVector.fromArray(H, w, wo)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b0 = h0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      IntVector h1 = (IntVector) ShortVector.fromArray(H, w, wo + L)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b1 = h1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
      FloatVector a2 = FloatVector.broadcast(F, x[x2 + kk]);
      c20 = a2.fma(b0, c20);
      c21 = a2.fma(b1, c21);
      FloatVector a3 = FloatVector.broadcast(F, x[x3 + kk]);
      c30 = a3.fma(b0, c30);
      c31 = a3.fma(b1, c31);
      FloatVector a4 = FloatVector.broadcast(F, x[x4 + kk]);
      c40 = a4.fma(b0, c40);
      c41 = a4.fma(b1, c41);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
      }
      c00.intoArray(y, y0);
      c01.intoArray(y, y0 + L);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L).add(c11);
      }
      c10.intoArray(y, y1);
      c11.intoArray(y, y1 + L);
      int y2 = yo + 2 * n + col;
      c20 = c20.add(d0);
      c21 = c21.add(d1);
      if (add) {
        c20 = FloatVector.fromArray(F, y, y2).add(c20);
        c21 = FloatVector.fromArray(F, y, y2 + L).add(c21);
      }
      c20.intoArray(y, y2);
      c21.intoArray(y, y2 + L);
      int y3 = yo + 3 * n + col;
      c30 = c30.add(d0);
      c31 = c31.add(d1);
      if (add) {
        c30 = FloatVector.fromArray(F, y, y3).add(c30);
        c31 = FloatVector.fromArray(F, y, y3 + L).add(c31);
      }
      c30.intoArray(y, y3);
      c31.intoArray(y, y3 + L);
      int y4 = yo + 4 * n + col;
      c40 = c40.add(d0);
      c41 = c41.add(d1);
      if (add) {
        c40 = FloatVector.fromArray(F, y, y4).add(c40);
        c41 = FloatVector.fromArray(F, y, y4 + L).add(c41);
      }
      c40.intoArray(y, y4);
      c41.intoArray(y, y4 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
      }
      c00.intoArray(y, y0, m0);
      c01.intoArray(y, y0 + L, m1);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1, m0).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L, m1).add(c11);
      }
      c10.intoArray(y, y1, m0);
      c11.intoArray(y, y1 + L, m1);
      int y2 = yo + 2 * n + col;
      c20 = c20.add(d0);
      c21 = c21.add(d1);
      if (add) {
        c20 = FloatVector.fromArray(F, y, y2, m0).add(c20);
        c21 = FloatVector.fromArray(F, y, y2 + L, m1).add(c21);
      }
      c20.intoArray(y, y2, m0);
      c21.intoArray(y, y2 + L, m1);
      int y3 = yo + 3 * n + col;
      c30 = c30.add(d0);
      c31 = c31.add(d1);
      if (add) {
        c30 = FloatVector.fromArray(F, y, y3, m0).add(c30);
        c31 = FloatVector.fromArray(F, y, y3 + L, m1).add(c31);
      }
      c30.intoArray(y, y3, m0);
      c31.intoArray(y, y3 + L, m1);
      int y4 = yo + 4 * n + col;
      c40 = c40.add(d0);
      c41 = c41.add(d1);
      if (add) {
        c40 = FloatVector.fromArray(F, y, y4, m0).add(c40);
        c41 = FloatVector.fromArray(F, y, y4 + L, m1).add(c41);
      }
      c40.intoArray(y, y4, m0);
      c41.intoArray(y, y4 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      activateRow(y, yo + 0 * n + col, cols, act);
      activateRow(y, yo + 1 * n + col, cols, act);
      activateRow(y, yo + 2 * n + col, cols, act);
      activateRow(y, yo + 3 * n + col, cols, act);
      activateRow(y, yo + 4 * n + col, cols, act);
    }
  }

  /** 4 rows × 2 vectors of panel columns, the whole K in registers. */
  private static void kernel4BF16(float[] x, int xo, int k, short[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    int x1 = xo + 1 * k;
    int x2 = xo + 2 * k;
    int x3 = xo + 3 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      IntVector h0 = (IntVector) ShortVector.fromArray(H, w, wo)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b0 = h0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      IntVector h1 = (IntVector) ShortVector.fromArray(H, w, wo + L)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b1 = h1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
      FloatVector a2 = FloatVector.broadcast(F, x[x2 + kk]);
      c20 = a2.fma(b0, c20);
      c21 = a2.fma(b1, c21);
      FloatVector a3 = FloatVector.broadcast(F, x[x3 + kk]);
      c30 = a3.fma(b0, c30);
      c31 = a3.fma(b1, c31);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
      }
      c00.intoArray(y, y0);
      c01.intoArray(y, y0 + L);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L).add(c11);
      }
      c10.intoArray(y, y1);
      c11.intoArray(y, y1 + L);
      int y2 = yo + 2 * n + col;
      c20 = c20.add(d0);
      c21 = c21.add(d1);
      if (add) {
        c20 = FloatVector.fromArray(F, y, y2).add(c20);
        c21 = FloatVector.fromArray(F, y, y2 + L).add(c21);
      }
      c20.intoArray(y, y2);
      c21.intoArray(y, y2 + L);
      int y3 = yo + 3 * n + col;
      c30 = c30.add(d0);
      c31 = c31.add(d1);
      if (add) {
        c30 = FloatVector.fromArray(F, y, y3).add(c30);
        c31 = FloatVector.fromArray(F, y, y3 + L).add(c31);
      }
      c30.intoArray(y, y3);
      c31.intoArray(y, y3 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
      }
      c00.intoArray(y, y0, m0);
      c01.intoArray(y, y0 + L, m1);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1, m0).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L, m1).add(c11);
      }
      c10.intoArray(y, y1, m0);
      c11.intoArray(y, y1 + L, m1);
      int y2 = yo + 2 * n + col;
      c20 = c20.add(d0);
      c21 = c21.add(d1);
      if (add) {
        c20 = FloatVector.fromArray(F, y, y2, m0).add(c20);
        c21 = FloatVector.fromArray(F, y, y2 + L, m1).add(c21);
      }
      c20.intoArray(y, y2, m0);
      c21.intoArray(y, y2 + L, m1);
      int y3 = yo + 3 * n + col;
      c30 = c30.add(d0);
      c31 = c31.add(d1);
      if (add) {
        c30 = FloatVector.fromArray(F, y, y3, m0).add(c30);
        c31 = FloatVector.fromArray(F, y, y3 + L, m1).add(c31);
      }
      c30.intoArray(y, y3, m0);
      c31.intoArray(y, y3 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      activateRow(y, yo + 0 * n + col, cols, act);
      activateRow(y, yo + 1 * n + col, cols, act);
      activateRow(y, yo + 2 * n + col, cols, act);
      activateRow(y, yo + 3 * n + col, cols, act);
    }
  }

  /** 3 rows × 2 vectors of panel columns, the whole K in registers. */
  private static void kernel3BF16(float[] x, int xo, int k, short[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    int x1 = xo + 1 * k;
    int x2 = xo + 2 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      IntVector h0 = (IntVector) ShortVector.fromArray(H, w, wo)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b0 = h0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      IntVector h1 = (IntVector) ShortVector.fromArray(H, w, wo + L)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b1 = h1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
      FloatVector a2 = FloatVector.broadcast(F, x[x2 + kk]);
      c20 = a2.fma(b0, c20);
      c21 = a2.fma(b1, c21);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
      }
      c00.intoArray(y, y0);
      c01.intoArray(y, y0 + L);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L).add(c11);
      }
      c10.intoArray(y, y1);
      c11.intoArray(y, y1 + L);
      int y2 = yo + 2 * n + col;
      c20 = c20.add(d0);
      c21 = c21.add(d1);
      if (add) {
        c20 = FloatVector.fromArray(F, y, y2).add(c20);
        c21 = FloatVector.fromArray(F, y, y2 + L).add(c21);
      }
      c20.intoArray(y, y2);
      c21.intoArray(y, y2 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
      }
      c00.intoArray(y, y0, m0);
      c01.intoArray(y, y0 + L, m1);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1, m0).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L, m1).add(c11);
      }
      c10.intoArray(y, y1, m0);
      c11.intoArray(y, y1 + L, m1);
      int y2 = yo + 2 * n + col;
      c20 = c20.add(d0);
      c21 = c21.add(d1);
      if (add) {
        c20 = FloatVector.fromArray(F, y, y2, m0).add(c20);
        c21 = FloatVector.fromArray(F, y, y2 + L, m1).add(c21);
      }
      c20.intoArray(y, y2, m0);
      c21.intoArray(y, y2 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      activateRow(y, yo + 0 * n + col, cols, act);
      activateRow(y, yo + 1 * n + col, cols, act);
      activateRow(y, yo + 2 * n + col, cols, act);
    }
  }

  /** 2 rows × 2 vectors of panel columns, the whole K in registers. */
  private static void kernel2BF16(float[] x, int xo, int k, short[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    int x1 = xo + 1 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      IntVector h0 = (IntVector) ShortVector.fromArray(H, w, wo)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b0 = h0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      IntVector h1 = (IntVector) ShortVector.fromArray(H, w, wo + L)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b1 = h1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
      }
      c00.intoArray(y, y0);
      c01.intoArray(y, y0 + L);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L).add(c11);
      }
      c10.intoArray(y, y1);
      c11.intoArray(y, y1 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
      }
      c00.intoArray(y, y0, m0);
      c01.intoArray(y, y0 + L, m1);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1, m0).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L, m1).add(c11);
      }
      c10.intoArray(y, y1, m0);
      c11.intoArray(y, y1 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      activateRow(y, yo + 0 * n + col, cols, act);
      activateRow(y, yo + 1 * n + col, cols, act);
    }
  }

  /** 1 row × 2 vectors of panel columns, the whole K in registers. */
  private static void kernel1BF16(float[] x, int xo, int k, short[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      IntVector h0 = (IntVector) ShortVector.fromArray(H, w, wo)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b0 = h0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      IntVector h1 = (IntVector) ShortVector.fromArray(H, w, wo + L)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b1 = h1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
      }
      c00.intoArray(y, y0);
      c01.intoArray(y, y0 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
      }
      c00.intoArray(y, y0, m0);
      c01.intoArray(y, y0 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      activateRow(y, yo + 0 * n + col, cols, act);
    }
  }

  /**
   * 6 rows × 2 vectors of panel columns, the whole K in registers. The first {@code skip} rows
   * are computed but not stored: a row tail reuses this kernel on a tile that overlaps rows
   * already done, so one kernel stays hot in the JIT instead of six lukewarm ones.
   */
  private static void kernel6F16(float[] x, int xo, int k, short[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add, int skip) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
    FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
    FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    int x1 = xo + 1 * k;
    int x2 = xo + 2 * k;
    int x3 = xo + 3 * k;
    int x4 = xo + 4 * k;
    int x5 = xo + 5 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      IntVector h0 = (IntVector) ShortVector.fromArray(H, w, wo)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b0 = h0.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h0.and(0x7fff)
          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())
          .reinterpretAsFloats();
      IntVector h1 = (IntVector) ShortVector.fromArray(H, w, wo + L)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b1 = h1.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h1.and(0x7fff)
          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())
          .reinterpretAsFloats();
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
      FloatVector a2 = FloatVector.broadcast(F, x[x2 + kk]);
      c20 = a2.fma(b0, c20);
      c21 = a2.fma(b1, c21);
      FloatVector a3 = FloatVector.broadcast(F, x[x3 + kk]);
      c30 = a3.fma(b0, c30);
      c31 = a3.fma(b1, c31);
      FloatVector a4 = FloatVector.broadcast(F, x[x4 + kk]);
      c40 = a4.fma(b0, c40);
      c41 = a4.fma(b1, c41);
      FloatVector a5 = FloatVector.broadcast(F, x[x5 + kk]);
      c50 = a5.fma(b0, c50);
      c51 = a5.fma(b1, c51);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      if (skip <= 0) {
        int y0 = yo + 0 * n + col;
        c00 = c00.add(d0);
        c01 = c01.add(d1);
        if (add) {
          c00 = FloatVector.fromArray(F, y, y0).add(c00);
          c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
        }
        c00.intoArray(y, y0);
        c01.intoArray(y, y0 + L);
      }
      if (skip <= 1) {
        int y1 = yo + 1 * n + col;
        c10 = c10.add(d0);
        c11 = c11.add(d1);
        if (add) {
          c10 = FloatVector.fromArray(F, y, y1).add(c10);
          c11 = FloatVector.fromArray(F, y, y1 + L).add(c11);
        }
        c10.intoArray(y, y1);
        c11.intoArray(y, y1 + L);
      }
      if (skip <= 2) {
        int y2 = yo + 2 * n + col;
        c20 = c20.add(d0);
        c21 = c21.add(d1);
        if (add) {
          c20 = FloatVector.fromArray(F, y, y2).add(c20);
          c21 = FloatVector.fromArray(F, y, y2 + L).add(c21);
        }
        c20.intoArray(y, y2);
        c21.intoArray(y, y2 + L);
      }
      if (skip <= 3) {
        int y3 = yo + 3 * n + col;
        c30 = c30.add(d0);
        c31 = c31.add(d1);
        if (add) {
          c30 = FloatVector.fromArray(F, y, y3).add(c30);
          c31 = FloatVector.fromArray(F, y, y3 + L).add(c31);
        }
        c30.intoArray(y, y3);
        c31.intoArray(y, y3 + L);
      }
      if (skip <= 4) {
        int y4 = yo + 4 * n + col;
        c40 = c40.add(d0);
        c41 = c41.add(d1);
        if (add) {
          c40 = FloatVector.fromArray(F, y, y4).add(c40);
          c41 = FloatVector.fromArray(F, y, y4 + L).add(c41);
        }
        c40.intoArray(y, y4);
        c41.intoArray(y, y4 + L);
      }
      int y5 = yo + 5 * n + col;
      c50 = c50.add(d0);
      c51 = c51.add(d1);
      if (add) {
        c50 = FloatVector.fromArray(F, y, y5).add(c50);
        c51 = FloatVector.fromArray(F, y, y5 + L).add(c51);
      }
      c50.intoArray(y, y5);
      c51.intoArray(y, y5 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      if (skip <= 0) {
        int y0 = yo + 0 * n + col;
        c00 = c00.add(d0);
        c01 = c01.add(d1);
        if (add) {
          c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
          c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
        }
        c00.intoArray(y, y0, m0);
        c01.intoArray(y, y0 + L, m1);
      }
      if (skip <= 1) {
        int y1 = yo + 1 * n + col;
        c10 = c10.add(d0);
        c11 = c11.add(d1);
        if (add) {
          c10 = FloatVector.fromArray(F, y, y1, m0).add(c10);
          c11 = FloatVector.fromArray(F, y, y1 + L, m1).add(c11);
        }
        c10.intoArray(y, y1, m0);
        c11.intoArray(y, y1 + L, m1);
      }
      if (skip <= 2) {
        int y2 = yo + 2 * n + col;
        c20 = c20.add(d0);
        c21 = c21.add(d1);
        if (add) {
          c20 = FloatVector.fromArray(F, y, y2, m0).add(c20);
          c21 = FloatVector.fromArray(F, y, y2 + L, m1).add(c21);
        }
        c20.intoArray(y, y2, m0);
        c21.intoArray(y, y2 + L, m1);
      }
      if (skip <= 3) {
        int y3 = yo + 3 * n + col;
        c30 = c30.add(d0);
        c31 = c31.add(d1);
        if (add) {
          c30 = FloatVector.fromArray(F, y, y3, m0).add(c30);
          c31 = FloatVector.fromArray(F, y, y3 + L, m1).add(c31);
        }
        c30.intoArray(y, y3, m0);
        c31.intoArray(y, y3 + L, m1);
      }
      if (skip <= 4) {
        int y4 = yo + 4 * n + col;
        c40 = c40.add(d0);
        c41 = c41.add(d1);
        if (add) {
          c40 = FloatVector.fromArray(F, y, y4, m0).add(c40);
          c41 = FloatVector.fromArray(F, y, y4 + L, m1).add(c41);
        }
        c40.intoArray(y, y4, m0);
        c41.intoArray(y, y4 + L, m1);
      }
      int y5 = yo + 5 * n + col;
      c50 = c50.add(d0);
      c51 = c51.add(d1);
      if (add) {
        c50 = FloatVector.fromArray(F, y, y5, m0).add(c50);
        c51 = FloatVector.fromArray(F, y, y5 + L, m1).add(c51);
      }
      c50.intoArray(y, y5, m0);
      c51.intoArray(y, y5 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      if (skip <= 0) activateRow(y, yo + 0 * n + col, cols, act);
      if (skip <= 1) activateRow(y, yo + 1 * n + col, cols, act);
      if (skip <= 2) activateRow(y, yo + 2 * n + col, cols, act);
      if (skip <= 3) activateRow(y, yo + 3 * n + col, cols, act);
      if (skip <= 4) activateRow(y, yo + 4 * n + col, cols, act);
      activateRow(y, yo + 5 * n + col, cols, act);
    }
  }

  /** 5 rows × 2 vectors of panel columns, the whole K in registers. */
  private static void kernel5F16(float[] x, int xo, int k, short[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
    FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    int x1 = xo + 1 * k;
    int x2 = xo + 2 * k;
    int x3 = xo + 3 * k;
    int x4 = xo + 4 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      IntVector h0 = (IntVector) ShortVector.fromArray(H, w, wo)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b0 = h0.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h0.and(0x7fff)
          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())
          .reinterpretAsFloats();
      IntVector h1 = (IntVector) ShortVector.fromArray(H, w, wo + L)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b1 = h1.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h1.and(0x7fff)
          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())
          .reinterpretAsFloats();
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
      FloatVector a2 = FloatVector.broadcast(F, x[x2 + kk]);
      c20 = a2.fma(b0, c20);
      c21 = a2.fma(b1, c21);
      FloatVector a3 = FloatVector.broadcast(F, x[x3 + kk]);
      c30 = a3.fma(b0, c30);
      c31 = a3.fma(b1, c31);
      FloatVector a4 = FloatVector.broadcast(F, x[x4 + kk]);
      c40 = a4.fma(b0, c40);
      c41 = a4.fma(b1, c41);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
      }
      c00.intoArray(y, y0);
      c01.intoArray(y, y0 + L);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L).add(c11);
      }
      c10.intoArray(y, y1);
      c11.intoArray(y, y1 + L);
      int y2 = yo + 2 * n + col;
      c20 = c20.add(d0);
      c21 = c21.add(d1);
      if (add) {
        c20 = FloatVector.fromArray(F, y, y2).add(c20);
        c21 = FloatVector.fromArray(F, y, y2 + L).add(c21);
      }
      c20.intoArray(y, y2);
      c21.intoArray(y, y2 + L);
      int y3 = yo + 3 * n + col;
      c30 = c30.add(d0);
      c31 = c31.add(d1);
      if (add) {
        c30 = FloatVector.fromArray(F, y, y3).add(c30);
        c31 = FloatVector.fromArray(F, y, y3 + L).add(c31);
      }
      c30.intoArray(y, y3);
      c31.intoArray(y, y3 + L);
      int y4 = yo + 4 * n + col;
      c40 = c40.add(d0);
      c41 = c41.add(d1);
      if (add) {
        c40 = FloatVector.fromArray(F, y, y4).add(c40);
        c41 = FloatVector.fromArray(F, y, y4 + L).add(c41);
      }
      c40.intoArray(y, y4);
      c41.intoArray(y, y4 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
      }
      c00.intoArray(y, y0, m0);
      c01.intoArray(y, y0 + L, m1);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1, m0).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L, m1).add(c11);
      }
      c10.intoArray(y, y1, m0);
      c11.intoArray(y, y1 + L, m1);
      int y2 = yo + 2 * n + col;
      c20 = c20.add(d0);
      c21 = c21.add(d1);
      if (add) {
        c20 = FloatVector.fromArray(F, y, y2, m0).add(c20);
        c21 = FloatVector.fromArray(F, y, y2 + L, m1).add(c21);
      }
      c20.intoArray(y, y2, m0);
      c21.intoArray(y, y2 + L, m1);
      int y3 = yo + 3 * n + col;
      c30 = c30.add(d0);
      c31 = c31.add(d1);
      if (add) {
        c30 = FloatVector.fromArray(F, y, y3, m0).add(c30);
        c31 = FloatVector.fromArray(F, y, y3 + L, m1).add(c31);
      }
      c30.intoArray(y, y3, m0);
      c31.intoArray(y, y3 + L, m1);
      int y4 = yo + 4 * n + col;
      c40 = c40.add(d0);
      c41 = c41.add(d1);
      if (add) {
        c40 = FloatVector.fromArray(F, y, y4, m0).add(c40);
        c41 = FloatVector.fromArray(F, y, y4 + L, m1).add(c41);
      }
      c40.intoArray(y, y4, m0);
      c41.intoArray(y, y4 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      activateRow(y, yo + 0 * n + col, cols, act);
      activateRow(y, yo + 1 * n + col, cols, act);
      activateRow(y, yo + 2 * n + col, cols, act);
      activateRow(y, yo + 3 * n + col, cols, act);
      activateRow(y, yo + 4 * n + col, cols, act);
    }
  }

  /** 4 rows × 2 vectors of panel columns, the whole K in registers. */
  private static void kernel4F16(float[] x, int xo, int k, short[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    int x1 = xo + 1 * k;
    int x2 = xo + 2 * k;
    int x3 = xo + 3 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      IntVector h0 = (IntVector) ShortVector.fromArray(H, w, wo)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b0 = h0.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h0.and(0x7fff)
          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())
          .reinterpretAsFloats();
      IntVector h1 = (IntVector) ShortVector.fromArray(H, w, wo + L)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b1 = h1.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h1.and(0x7fff)
          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())
          .reinterpretAsFloats();
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
      FloatVector a2 = FloatVector.broadcast(F, x[x2 + kk]);
      c20 = a2.fma(b0, c20);
      c21 = a2.fma(b1, c21);
      FloatVector a3 = FloatVector.broadcast(F, x[x3 + kk]);
      c30 = a3.fma(b0, c30);
      c31 = a3.fma(b1, c31);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
      }
      c00.intoArray(y, y0);
      c01.intoArray(y, y0 + L);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L).add(c11);
      }
      c10.intoArray(y, y1);
      c11.intoArray(y, y1 + L);
      int y2 = yo + 2 * n + col;
      c20 = c20.add(d0);
      c21 = c21.add(d1);
      if (add) {
        c20 = FloatVector.fromArray(F, y, y2).add(c20);
        c21 = FloatVector.fromArray(F, y, y2 + L).add(c21);
      }
      c20.intoArray(y, y2);
      c21.intoArray(y, y2 + L);
      int y3 = yo + 3 * n + col;
      c30 = c30.add(d0);
      c31 = c31.add(d1);
      if (add) {
        c30 = FloatVector.fromArray(F, y, y3).add(c30);
        c31 = FloatVector.fromArray(F, y, y3 + L).add(c31);
      }
      c30.intoArray(y, y3);
      c31.intoArray(y, y3 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
      }
      c00.intoArray(y, y0, m0);
      c01.intoArray(y, y0 + L, m1);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1, m0).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L, m1).add(c11);
      }
      c10.intoArray(y, y1, m0);
      c11.intoArray(y, y1 + L, m1);
      int y2 = yo + 2 * n + col;
      c20 = c20.add(d0);
      c21 = c21.add(d1);
      if (add) {
        c20 = FloatVector.fromArray(F, y, y2, m0).add(c20);
        c21 = FloatVector.fromArray(F, y, y2 + L, m1).add(c21);
      }
      c20.intoArray(y, y2, m0);
      c21.intoArray(y, y2 + L, m1);
      int y3 = yo + 3 * n + col;
      c30 = c30.add(d0);
      c31 = c31.add(d1);
      if (add) {
        c30 = FloatVector.fromArray(F, y, y3, m0).add(c30);
        c31 = FloatVector.fromArray(F, y, y3 + L, m1).add(c31);
      }
      c30.intoArray(y, y3, m0);
      c31.intoArray(y, y3 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      activateRow(y, yo + 0 * n + col, cols, act);
      activateRow(y, yo + 1 * n + col, cols, act);
      activateRow(y, yo + 2 * n + col, cols, act);
      activateRow(y, yo + 3 * n + col, cols, act);
    }
  }

  /** 3 rows × 2 vectors of panel columns, the whole K in registers. */
  private static void kernel3F16(float[] x, int xo, int k, short[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    int x1 = xo + 1 * k;
    int x2 = xo + 2 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      IntVector h0 = (IntVector) ShortVector.fromArray(H, w, wo)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b0 = h0.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h0.and(0x7fff)
          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())
          .reinterpretAsFloats();
      IntVector h1 = (IntVector) ShortVector.fromArray(H, w, wo + L)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b1 = h1.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h1.and(0x7fff)
          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())
          .reinterpretAsFloats();
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
      FloatVector a2 = FloatVector.broadcast(F, x[x2 + kk]);
      c20 = a2.fma(b0, c20);
      c21 = a2.fma(b1, c21);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
      }
      c00.intoArray(y, y0);
      c01.intoArray(y, y0 + L);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L).add(c11);
      }
      c10.intoArray(y, y1);
      c11.intoArray(y, y1 + L);
      int y2 = yo + 2 * n + col;
      c20 = c20.add(d0);
      c21 = c21.add(d1);
      if (add) {
        c20 = FloatVector.fromArray(F, y, y2).add(c20);
        c21 = FloatVector.fromArray(F, y, y2 + L).add(c21);
      }
      c20.intoArray(y, y2);
      c21.intoArray(y, y2 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
      }
      c00.intoArray(y, y0, m0);
      c01.intoArray(y, y0 + L, m1);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1, m0).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L, m1).add(c11);
      }
      c10.intoArray(y, y1, m0);
      c11.intoArray(y, y1 + L, m1);
      int y2 = yo + 2 * n + col;
      c20 = c20.add(d0);
      c21 = c21.add(d1);
      if (add) {
        c20 = FloatVector.fromArray(F, y, y2, m0).add(c20);
        c21 = FloatVector.fromArray(F, y, y2 + L, m1).add(c21);
      }
      c20.intoArray(y, y2, m0);
      c21.intoArray(y, y2 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      activateRow(y, yo + 0 * n + col, cols, act);
      activateRow(y, yo + 1 * n + col, cols, act);
      activateRow(y, yo + 2 * n + col, cols, act);
    }
  }

  /** 2 rows × 2 vectors of panel columns, the whole K in registers. */
  private static void kernel2F16(float[] x, int xo, int k, short[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    int x1 = xo + 1 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      IntVector h0 = (IntVector) ShortVector.fromArray(H, w, wo)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b0 = h0.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h0.and(0x7fff)
          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())
          .reinterpretAsFloats();
      IntVector h1 = (IntVector) ShortVector.fromArray(H, w, wo + L)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b1 = h1.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h1.and(0x7fff)
          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())
          .reinterpretAsFloats();
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
      }
      c00.intoArray(y, y0);
      c01.intoArray(y, y0 + L);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L).add(c11);
      }
      c10.intoArray(y, y1);
      c11.intoArray(y, y1 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
      }
      c00.intoArray(y, y0, m0);
      c01.intoArray(y, y0 + L, m1);
      int y1 = yo + 1 * n + col;
      c10 = c10.add(d0);
      c11 = c11.add(d1);
      if (add) {
        c10 = FloatVector.fromArray(F, y, y1, m0).add(c10);
        c11 = FloatVector.fromArray(F, y, y1 + L, m1).add(c11);
      }
      c10.intoArray(y, y1, m0);
      c11.intoArray(y, y1 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      activateRow(y, yo + 0 * n + col, cols, act);
      activateRow(y, yo + 1 * n + col, cols, act);
    }
  }

  /** 1 row × 2 vectors of panel columns, the whole K in registers. */
  private static void kernel1F16(float[] x, int xo, int k, short[] w, int wo, float[] y, int yo, int n,
      int col, float[] bias, Activation act, boolean add) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    int x0 = xo + 0 * k;
    for (int kk = 0; kk < k; kk++, wo += NR) {
      IntVector h0 = (IntVector) ShortVector.fromArray(H, w, wo)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b0 = h0.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h0.and(0x7fff)
          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())
          .reinterpretAsFloats();
      IntVector h1 = (IntVector) ShortVector.fromArray(H, w, wo + L)
          .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
      FloatVector b1 = h1.and(0x8000).lanewise(VectorOperators.LSHL, 16).or(h1.and(0x7fff)
          .lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_SCALE).reinterpretAsInts())
          .reinterpretAsFloats();
      FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
    }
    // Epilogue inline: a vector passed to a method the JIT did not inline is boxed on the heap.
    if (col + NR <= n) {
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L).add(c01);
      }
      c00.intoArray(y, y0);
      c01.intoArray(y, y0 + L);
    } else {
      VectorMask<Float> m0 = F.indexInRange(col, n);
      VectorMask<Float> m1 = F.indexInRange(col + L, n);
      FloatVector d0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col, m0);
      FloatVector d1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, col + L, m1);
      int y0 = yo + 0 * n + col;
      c00 = c00.add(d0);
      c01 = c01.add(d1);
      if (add) {
        c00 = FloatVector.fromArray(F, y, y0, m0).add(c00);
        c01 = FloatVector.fromArray(F, y, y0 + L, m1).add(c01);
      }
      c00.intoArray(y, y0, m0);
      c01.intoArray(y, y0 + L, m1);
    }
    if (act != Activation.NONE && !add) {
      int cols = Math.min(NR, n - col);
      activateRow(y, yo + 0 * n + col, cols, act);
    }
  }

  /** The activation of y[off, off + n) in place, n ≤ NR (a just-stored panel row). */
  private static void activateRow(float[] y, int off, int n, Activation act) {
    if (n == NR) {
      activate(FloatVector.fromArray(F, y, off), act).intoArray(y, off);
      activate(FloatVector.fromArray(F, y, off + L), act).intoArray(y, off + L);
    } else {
      for (int i = 0; i < n; i += L) {
        VectorMask<Float> m = F.indexInRange(i, n);
        activate(FloatVector.fromArray(F, y, off + i, m), act).intoArray(y, off + i, m);
      }
    }
  }

  // ---------------------------------------------------------------------------- activations

  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f; // few mantissa bits: n·LN2_HI is exact
  private static final float LN2_LO = -2.12194440e-4f;
  private static final float EXP_MAX = 88.3762626647949f; // e^x overflows above
  private static final float EXP_MIN = -87.3365447505531f; // e^x is subnormal below: flush to 0
  /** 1.5·2^23: adding it rounds a float of magnitude < 2^22 to an integer, kept in the low bits. */
  private static final float ROUND_MAGIC = 12582912f;

  /**
   * e^x in float, within 2 ulp of the correctly rounded value: x = n·ln2 + r, |r| ≤ ln2/2, e^r by
   * the degree-6 minimax polynomial of Cephes' expf, 2^n put into the exponent bits.
   */
  static FloatVector exp(FloatVector x) {
    FloatVector xc = x.min(EXP_MAX).max(EXP_MIN);
    FloatVector t = xc.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, ROUND_MAGIC));
    FloatVector n = t.sub(ROUND_MAGIC);
    FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), xc);
    r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
    FloatVector p = r.mul(1.9875691500e-4f).add(1.3981999507e-3f);
    p = p.fma(r, FloatVector.broadcast(F, 8.3334519073e-3f));
    p = p.fma(r, FloatVector.broadcast(F, 4.1665795894e-2f));
    p = p.fma(r, FloatVector.broadcast(F, 1.6666665459e-1f));
    p = p.fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
    p = p.fma(r.mul(r), r).add(1f);
    // 2^n: n + 127 in the exponent field; n is the low bits of t's mantissa (t = magic + n)
    IntVector bits = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUND_MAGIC) - 127)
        .lanewise(VectorOperators.LSHL, 23);
    FloatVector e = p.mul(bits.reinterpretAsFloats());
    return e.blend(0f, x.compare(VectorOperators.LT, EXP_MIN));
  }

  /** Shuffles that rotate lanes by L/2, L/4, ..., 1: a fixed pairwise reduction tree. */
  private static final VectorShuffle<Float>[] HALVES = halves();

  @SuppressWarnings("unchecked")
  private static VectorShuffle<Float>[] halves() {
    int steps = Integer.numberOfTrailingZeros(L);
    VectorShuffle<Float>[] sh = new VectorShuffle[steps];
    for (int i = 0, d = L / 2; i < steps; i++, d /= 2) {
      sh[i] = VectorShuffle.iota(F, d, 1, true);
    }
    return sh;
  }

  /**
   * Sum of the lanes by a fixed pairwise tree (lane i + lane i + L/2, ...): exact adds in an order
   * that does not depend on the JIT, unlike {@code reduceLanes(ADD)}.
   */
  static float sumLanes(FloatVector v) {
    for (VectorShuffle<Float> sh : HALVES) {
      v = v.add(v.rearrange(sh));
    }
    return v.lane(0);
  }

  private static final float SQRT1_2 = (float) (1.0 / Math.sqrt(2.0));

  static FloatVector activate(FloatVector v, Activation act) {
    return switch (act) {
      case NONE -> v;
      case QUICK_GELU -> v.div(exp(v.mul(-1.702f)).add(1f));
      case SILU -> v.div(exp(v.neg()).add(1f));
      case GELU -> v.mul(0.5f).mul(erf(v.mul(SQRT1_2)).add(1f));
    };
  }

  /**
   * erf in float by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7 absolute): {@code 1 - t·P(t)·e^-x²},
   * {@code t = 1 / (1 + 0.3275911 |x|)}, sign restored at the end.
   */
  private static FloatVector erf(FloatVector x) {
    FloatVector ax = x.abs();
    FloatVector t = ax.mul(0.3275911f).add(1f);
    t = FloatVector.broadcast(F, 1f).div(t);
    FloatVector p = t.mul(1.061405429f).add(-1.453152027f);
    p = p.mul(t).add(1.421413741f);
    p = p.mul(t).add(-0.284496736f);
    p = p.mul(t).add(0.254829592f);
    p = p.mul(t);
    FloatVector e = exp(ax.mul(ax).neg());
    FloatVector r = FloatVector.broadcast(F, 1f).sub(p.mul(e));
    return r.blend(r.neg(), x.compare(VectorOperators.LT, 0f));
  }

  @Override
  public void activate(float[] x, int off, int n, Activation act) {
    if (act == Activation.NONE) {
      return;
    }
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += L) {
      activate(FloatVector.fromArray(F, x, off + i), act).intoArray(x, off + i);
    }
    if (i < n) {
      VectorMask<Float> m = F.indexInRange(i, n);
      activate(FloatVector.fromArray(F, x, off + i, m), act).intoArray(x, off + i, m);
    }
  }

  // ---------------------------------------------------------------------- element-wise / reductions

  @Override
  public void add(float[] acc, int accOff, float[] b, int bOff, int n) {
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(F, acc, accOff + i).add(FloatVector.fromArray(F, b, bOff + i))
          .intoArray(acc, accOff + i);
    }
    for (; i < n; i++) {
      acc[accOff + i] += b[bOff + i];
    }
  }

  @Override
  public void mul(float[] acc, int accOff, float[] b, int bOff, int n) {
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(F, acc, accOff + i).mul(FloatVector.fromArray(F, b, bOff + i))
          .intoArray(acc, accOff + i);
    }
    for (; i < n; i++) {
      acc[accOff + i] *= b[bOff + i];
    }
  }

  @Override
  public void scale(float[] x, int off, int n, float s) {
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
    }
    for (; i < n; i++) {
      x[off + i] *= s;
    }
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    // Four accumulators hide the 4-cycle fma latency behind independent chains.
    FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
    FloatVector s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
    int i = 0;
    for (int bound = n - 4 * L; i <= bound; i += 4 * L) {
      s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
      s1 = FloatVector.fromArray(F, a, aOff + i + L)
          .fma(FloatVector.fromArray(F, b, bOff + i + L), s1);
      s2 = FloatVector.fromArray(F, a, aOff + i + 2 * L)
          .fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), s2);
      s3 = FloatVector.fromArray(F, a, aOff + i + 3 * L)
          .fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), s3);
    }
    for (int bound = F.loopBound(n); i < bound; i += L) {
      s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
    }
    float s = sumLanes(s0.add(s1).add(s2.add(s3)));
    for (; i < n; i++) {
      s = Math.fma(a[aOff + i], b[bOff + i], s);
    }
    return s;
  }

  @Override
  public float sumOfSquares(float[] a, int off, int n) {
    return dot(a, off, a, off, n);
  }

  private static float sum(float[] a, int off, int n) {
    FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
    int i = 0;
    for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
      s0 = s0.add(FloatVector.fromArray(F, a, off + i));
      s1 = s1.add(FloatVector.fromArray(F, a, off + i + L));
    }
    float s = sumLanes(s0.add(s1));
    for (; i < n; i++) {
      s += a[off + i];
    }
    return s;
  }

  // ---------------------------------------------------------------------------------- norms

  @Override
  public void layerNorm(float[] x, float[] out, int dim, float[] gamma, float[] beta, float eps,
      int rowStart, int rowEnd) {
    for (int r = rowStart; r < rowEnd; r++) {
      int o = r * dim;
      float mean = sum(x, o, dim) / dim;
      // Two-pass variance: sum((x - mean)^2), as torch computes it, without cancellation.
      FloatVector vm = FloatVector.broadcast(F, mean);
      FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
      int i = 0;
      for (int bound = dim - 2 * L; i <= bound; i += 2 * L) {
        FloatVector d0 = FloatVector.fromArray(F, x, o + i).sub(vm);
        FloatVector d1 = FloatVector.fromArray(F, x, o + i + L).sub(vm);
        s0 = d0.fma(d0, s0);
        s1 = d1.fma(d1, s1);
      }
      float var = sumLanes(s0.add(s1));
      for (; i < dim; i++) {
        float d = x[o + i] - mean;
        var += d * d;
      }
      float rstd = (float) (1.0 / Math.sqrt(var / dim + eps));
      FloatVector vr = FloatVector.broadcast(F, rstd);
      i = 0;
      for (int bound = F.loopBound(dim); i < bound; i += L) {
        FloatVector v = FloatVector.fromArray(F, x, o + i).sub(vm).mul(vr);
        if (gamma != null) {
          v = v.mul(FloatVector.fromArray(F, gamma, i));
        }
        if (beta != null) {
          v = v.add(FloatVector.fromArray(F, beta, i));
        }
        v.intoArray(out, o + i);
      }
      for (; i < dim; i++) {
        float v = (x[o + i] - mean) * rstd;
        out[o + i] = v * (gamma == null ? 1f : gamma[i]) + (beta == null ? 0f : beta[i]);
      }
    }
  }

  @Override
  public void rmsNorm(float[] x, float[] out, int dim, float[] weight, float eps, int rowStart,
      int rowEnd) {
    for (int r = rowStart; r < rowEnd; r++) {
      int o = r * dim;
      float ss = sumOfSquares(x, o, dim);
      float rstd = (float) (1.0 / Math.sqrt(ss / dim + eps));
      int i = 0;
      for (int bound = F.loopBound(dim); i < bound; i += L) {
        FloatVector v = FloatVector.fromArray(F, x, o + i).mul(rstd);
        if (weight != null) {
          v = v.mul(FloatVector.fromArray(F, weight, i));
        }
        v.intoArray(out, o + i);
      }
      for (; i < dim; i++) {
        out[o + i] = x[o + i] * rstd * (weight == null ? 1f : weight[i]);
      }
    }
  }

  // ---------------------------------------------------------------------------------- softmax

  @Override
  public void softmax(float[] x, int n, int rowStart, int rowEnd) {
    for (int r = rowStart; r < rowEnd; r++) {
      softmaxRow(x, r * n, n);
    }
  }

  static void softmaxRow(float[] x, int o, int n) {
    scaleRow(x, o, n, 1f / expShiftedSum(x, o, n));
  }

  /** x[o, o + n) = exp(x - max(x)) in place; returns the sum (fixed order). */
  static float expShiftedSum(float[] x, int o, int n) {
    FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += L) {
      vmax = vmax.max(FloatVector.fromArray(F, x, o + i));
    }
    float max = vmax.reduceLanes(VectorOperators.MAX); // max is exact in any order
    for (; i < n; i++) {
      max = Math.max(max, x[o + i]);
    }
    FloatVector vm = FloatVector.broadcast(F, max);
    FloatVector vs = FloatVector.zero(F);
    // One loop with a mask on every step, so exp has a single hot call site that the JIT inlines
    // (a second, cold call site would box its vector argument).
    for (i = 0; i < n; i += L) {
      VectorMask<Float> m = F.indexInRange(i, n);
      FloatVector e = exp(FloatVector.fromArray(F, x, o + i, m).sub(vm));
      e.intoArray(x, o + i, m);
      vs = vs.add(e, m);
    }
    return sumLanes(vs);
  }

  private static void scaleRow(float[] x, int o, int n, float s) {
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(F, x, o + i).mul(s).intoArray(x, o + i);
    }
    for (; i < n; i++) {
      x[o + i] *= s;
    }
  }

  // -------------------------------------------------------------------------------- attention

  /** Per-thread scratch: transposed keys [headDim][seqPad] and one row of scores. */
  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

  @Override
  public void attentionHead(float[] q, int qo0, int qs, float[] k, int ko0, int ks, float[] v,
      int vo0, int vs, int seq, int qBegin, int qEnd, int headDim, float scale, boolean causal,
      int valid, float[] out, int oo0, int os) {
    int keysMax = Math.min(valid, seq);
    int seqPad = (keysMax + L - 1) / L * L;
    float[][] scratch = SCRATCH.get();
    if (scratch[0].length < headDim * seqPad) {
      scratch[0] = new float[headDim * seqPad];
    }
    if (scratch[1].length < 4 * (seqPad + headDim)) {
      scratch[1] = new float[4 * (seqPad + headDim)];
    }
    float[] kt = scratch[0];
    float[] s = scratch[1]; // [scores A | B | C | D | q A | q B | q C | q D]
    // kᵀ, zero-padded to whole vectors: scores for L keys come from one fma chain over d.
    for (int j = 0; j < keysMax; j++) {
      int ko = ko0 + j * ks;
      for (int d = 0; d < headDim; d++) {
        kt[d * seqPad + j] = k[ko + d];
      }
    }
    for (int d = 0; d < headDim; d++) {
      java.util.Arrays.fill(kt, d * seqPad + keysMax, (d + 1) * seqPad, 0f);
    }
    int sb = seqPad;
    int sc = 2 * seqPad;
    int sd = 3 * seqPad;
    int qa = 4 * seqPad;
    int qb = qa + headDim;
    int qc = qb + headDim;
    int qd = qc + headDim;
    int i = qBegin;
    if (!causal && keysMax > 0) {
      // Four queries at a time: each kᵀ and v load feeds four rows (16 independent fma chains),
      // each broadcast four; every output's chain is still the one-row chain, so the result is
      // bit-identical to one query at a time.
      for (; i + 3 < qEnd; i += 4) {
        int qo = qo0 + i * qs;
        for (int d = 0; d < headDim; d++) {
          s[qa + d] = q[qo + d] * scale;
          s[qb + d] = q[qo + qs + d] * scale;
          s[qc + d] = q[qo + 2 * qs + d] * scale;
          s[qd + d] = q[qo + 3 * qs + d] * scale;
        }
        scores4(s, qa, sb, sc, sd, kt, seqPad, headDim, keysMax);
        float invA = 1f / expShiftedSum(s, 0, keysMax);
        float invB = 1f / expShiftedSum(s, sb, keysMax);
        float invC = 1f / expShiftedSum(s, sc, keysMax);
        float invD = 1f / expShiftedSum(s, sd, keysMax);
        int oo = oo0 + i * os;
        weightedValues4(s, sb, keysMax, v, vo0, vs, headDim, out, oo, os, invA, invB, invC, invD);
      }
    }
    for (; i < qEnd; i++) {
      int keys = causal ? Math.min(keysMax, i + 1) : keysMax;
      int oo = oo0 + i * os;
      if (keys <= 0) {
        java.util.Arrays.fill(out, oo, oo + headDim, 0f);
        continue;
      }
      int qo = qo0 + i * qs;
      for (int d = 0; d < headDim; d++) {
        s[qa + d] = q[qo + d] * scale;
      }
      scores(s, qa, kt, seqPad, headDim, keys);
      float inv = 1f / expShiftedSum(s, 0, keys);
      weightedValues(s, keys, v, vo0, vs, headDim, out, oo, inv);
    }
  }

  /** {@link #scores} for two query rows (q at qa, qb; scores to s[0..] and s[sb..]). */
  /**
   * Scores of four queries (scaled, at s[qa + r·headDim + d]) against every key, into
   * s[r·sb + j] for r = 0..3 (sb = seqPad, so rows r lie at 0, sb, sc = 2·sb, sd = 3·sb).
   */
  static void scores4(float[] s, int qa, int sb, int sc, int sd, float[] kt, int seqPad, int headDim,
      int keys) {
    int qb = qa + headDim;
    int qc = qb + headDim;
    int qd = qc + headDim;
    int j = 0;
    for (; j + 4 * L <= seqPad && j < keys; j += 4 * L) {
      FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
      FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
      FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F), c2 = FloatVector.zero(F), c3 = FloatVector.zero(F);
      FloatVector d0 = FloatVector.zero(F), d1 = FloatVector.zero(F), d2 = FloatVector.zero(F), d3 = FloatVector.zero(F);
      for (int d = 0, ko = j; d < headDim; d++, ko += seqPad) {
        FloatVector k0 = FloatVector.fromArray(F, kt, ko);
        FloatVector k1 = FloatVector.fromArray(F, kt, ko + L);
        FloatVector k2 = FloatVector.fromArray(F, kt, ko + 2 * L);
        FloatVector k3 = FloatVector.fromArray(F, kt, ko + 3 * L);
        FloatVector qA = FloatVector.broadcast(F, s[qa + d]);
        a0 = qA.fma(k0, a0);
        a1 = qA.fma(k1, a1);
        a2 = qA.fma(k2, a2);
        a3 = qA.fma(k3, a3);
        FloatVector qB = FloatVector.broadcast(F, s[qb + d]);
        b0 = qB.fma(k0, b0);
        b1 = qB.fma(k1, b1);
        b2 = qB.fma(k2, b2);
        b3 = qB.fma(k3, b3);
        FloatVector qC = FloatVector.broadcast(F, s[qc + d]);
        c0 = qC.fma(k0, c0);
        c1 = qC.fma(k1, c1);
        c2 = qC.fma(k2, c2);
        c3 = qC.fma(k3, c3);
        FloatVector qD = FloatVector.broadcast(F, s[qd + d]);
        d0 = qD.fma(k0, d0);
        d1 = qD.fma(k1, d1);
        d2 = qD.fma(k2, d2);
        d3 = qD.fma(k3, d3);
      }
      a0.intoArray(s, j);
      a1.intoArray(s, j + L);
      a2.intoArray(s, j + 2 * L);
      a3.intoArray(s, j + 3 * L);
      b0.intoArray(s, sb + j);
      b1.intoArray(s, sb + j + L);
      b2.intoArray(s, sb + j + 2 * L);
      b3.intoArray(s, sb + j + 3 * L);
      c0.intoArray(s, sc + j);
      c1.intoArray(s, sc + j + L);
      c2.intoArray(s, sc + j + 2 * L);
      c3.intoArray(s, sc + j + 3 * L);
      d0.intoArray(s, sd + j);
      d1.intoArray(s, sd + j + L);
      d2.intoArray(s, sd + j + 2 * L);
      d3.intoArray(s, sd + j + 3 * L);
    }
    for (; j < keys; j += L) {
      FloatVector a0 = FloatVector.zero(F);
      FloatVector b0 = FloatVector.zero(F);
      FloatVector c0 = FloatVector.zero(F);
      FloatVector d0 = FloatVector.zero(F);
      for (int d = 0, ko = j; d < headDim; d++, ko += seqPad) {
        FloatVector k0 = FloatVector.fromArray(F, kt, ko);
        a0 = FloatVector.broadcast(F, s[qa + d]).fma(k0, a0);
        b0 = FloatVector.broadcast(F, s[qb + d]).fma(k0, b0);
        c0 = FloatVector.broadcast(F, s[qc + d]).fma(k0, c0);
        d0 = FloatVector.broadcast(F, s[qd + d]).fma(k0, d0);
      }
      a0.intoArray(s, j);
      b0.intoArray(s, sb + j);
      c0.intoArray(s, sc + j);
      d0.intoArray(s, sd + j);
    }
  }

  /**
   * out rows oa, oa + os, oa + 2·os, oa + 3·os = inv_r · Σ_j p_r[j]·v[j] for the four probability
   * rows at p[r·pb] (pb = seqPad).
   */
  static void weightedValues4(float[] p, int pb, int keys, float[] qkv, int vo, int stride,
      int headDim, float[] out, int oa, int os, float invA, float invB, float invC, float invD) {
    int pc = 2 * pb;
    int pd = 3 * pb;
    int ob = oa + os;
    int oc = ob + os;
    int od = oc + os;
    int d = 0;
    for (; d + 4 * L <= headDim; d += 4 * L) {
      FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
      FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
      FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F), c2 = FloatVector.zero(F), c3 = FloatVector.zero(F);
      FloatVector d0 = FloatVector.zero(F), d1 = FloatVector.zero(F), d2 = FloatVector.zero(F), d3 = FloatVector.zero(F);
      for (int j = 0, o = vo + d; j < keys; j++, o += stride) {
        FloatVector v0 = FloatVector.fromArray(F, qkv, o);
        FloatVector v1 = FloatVector.fromArray(F, qkv, o + L);
        FloatVector v2 = FloatVector.fromArray(F, qkv, o + 2 * L);
        FloatVector v3 = FloatVector.fromArray(F, qkv, o + 3 * L);
        FloatVector pA = FloatVector.broadcast(F, p[j]);
        a0 = pA.fma(v0, a0);
        a1 = pA.fma(v1, a1);
        a2 = pA.fma(v2, a2);
        a3 = pA.fma(v3, a3);
        FloatVector pB = FloatVector.broadcast(F, p[pb + j]);
        b0 = pB.fma(v0, b0);
        b1 = pB.fma(v1, b1);
        b2 = pB.fma(v2, b2);
        b3 = pB.fma(v3, b3);
        FloatVector pC = FloatVector.broadcast(F, p[pc + j]);
        c0 = pC.fma(v0, c0);
        c1 = pC.fma(v1, c1);
        c2 = pC.fma(v2, c2);
        c3 = pC.fma(v3, c3);
        FloatVector pD = FloatVector.broadcast(F, p[pd + j]);
        d0 = pD.fma(v0, d0);
        d1 = pD.fma(v1, d1);
        d2 = pD.fma(v2, d2);
        d3 = pD.fma(v3, d3);
      }
      a0.mul(invA).intoArray(out, oa + d);
      a1.mul(invA).intoArray(out, oa + d + L);
      a2.mul(invA).intoArray(out, oa + d + 2 * L);
      a3.mul(invA).intoArray(out, oa + d + 3 * L);
      b0.mul(invB).intoArray(out, ob + d);
      b1.mul(invB).intoArray(out, ob + d + L);
      b2.mul(invB).intoArray(out, ob + d + 2 * L);
      b3.mul(invB).intoArray(out, ob + d + 3 * L);
      c0.mul(invC).intoArray(out, oc + d);
      c1.mul(invC).intoArray(out, oc + d + L);
      c2.mul(invC).intoArray(out, oc + d + 2 * L);
      c3.mul(invC).intoArray(out, oc + d + 3 * L);
      d0.mul(invD).intoArray(out, od + d);
      d1.mul(invD).intoArray(out, od + d + L);
      d2.mul(invD).intoArray(out, od + d + 2 * L);
      d3.mul(invD).intoArray(out, od + d + 3 * L);
    }
    for (; d < headDim; d += L) {
      VectorMask<Float> m = F.indexInRange(d, headDim);
      FloatVector a0 = FloatVector.zero(F);
      FloatVector b0 = FloatVector.zero(F);
      FloatVector c0 = FloatVector.zero(F);
      FloatVector d0 = FloatVector.zero(F);
      for (int j = 0, o = vo + d; j < keys; j++, o += stride) {
        FloatVector v0 = FloatVector.fromArray(F, qkv, o, m);
        a0 = FloatVector.broadcast(F, p[j]).fma(v0, a0);
        b0 = FloatVector.broadcast(F, p[pb + j]).fma(v0, b0);
        c0 = FloatVector.broadcast(F, p[pc + j]).fma(v0, c0);
        d0 = FloatVector.broadcast(F, p[pd + j]).fma(v0, d0);
      }
      a0.mul(invA).intoArray(out, oa + d, m);
      b0.mul(invB).intoArray(out, ob + d, m);
      c0.mul(invC).intoArray(out, oc + d, m);
      d0.mul(invD).intoArray(out, od + d, m);
    }
  }


  /** s[j] = Σ_d q[d]·kᵀ[d][j] for j < keys (rounded up to whole vectors), fma chain in d. */
  static void scores(float[] s, int qo, float[] kt, int seqPad, int headDim, int keys) {
    int j = 0;
    // Four key blocks at once: four independent fma chains hide the fma latency.
    for (; j + 4 * L <= seqPad && j < keys; j += 4 * L) {
      FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
      FloatVector a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
      for (int d = 0, ko = j; d < headDim; d++, ko += seqPad) {
        FloatVector q = FloatVector.broadcast(F, s[qo + d]);
        a0 = q.fma(FloatVector.fromArray(F, kt, ko), a0);
        a1 = q.fma(FloatVector.fromArray(F, kt, ko + L), a1);
        a2 = q.fma(FloatVector.fromArray(F, kt, ko + 2 * L), a2);
        a3 = q.fma(FloatVector.fromArray(F, kt, ko + 3 * L), a3);
      }
      a0.intoArray(s, j);
      a1.intoArray(s, j + L);
      a2.intoArray(s, j + 2 * L);
      a3.intoArray(s, j + 3 * L);
    }
    for (; j < keys; j += L) {
      FloatVector a0 = FloatVector.zero(F);
      for (int d = 0, ko = j; d < headDim; d++, ko += seqPad) {
        a0 = FloatVector.broadcast(F, s[qo + d]).fma(FloatVector.fromArray(F, kt, ko), a0);
      }
      a0.intoArray(s, j);
    }
  }

  /**
   * out[oo + d] = inv · Σ_j e[j]·v[j][d], one fma chain in j per output lane: the softmax
   * normalization 1/Σe is applied once to the output instead of to every probability.
   */
  static void weightedValues(float[] p, int keys, float[] qkv, int vo, int stride,
      int headDim, float[] out, int oo, float inv) {
    int d = 0;
    for (; d + 4 * L <= headDim; d += 4 * L) {
      FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
      FloatVector a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
      for (int j = 0, o = vo + d; j < keys; j++, o += stride) {
        FloatVector pj = FloatVector.broadcast(F, p[j]);
        a0 = pj.fma(FloatVector.fromArray(F, qkv, o), a0);
        a1 = pj.fma(FloatVector.fromArray(F, qkv, o + L), a1);
        a2 = pj.fma(FloatVector.fromArray(F, qkv, o + 2 * L), a2);
        a3 = pj.fma(FloatVector.fromArray(F, qkv, o + 3 * L), a3);
      }
      a0.mul(inv).intoArray(out, oo + d);
      a1.mul(inv).intoArray(out, oo + d + L);
      a2.mul(inv).intoArray(out, oo + d + 2 * L);
      a3.mul(inv).intoArray(out, oo + d + 3 * L);
    }
    for (; d < headDim; d += L) {
      VectorMask<Float> m = F.indexInRange(d, headDim);
      FloatVector a0 = FloatVector.zero(F);
      for (int j = 0, o = vo + d; j < keys; j++, o += stride) {
        a0 = FloatVector.broadcast(F, p[j]).fma(FloatVector.fromArray(F, qkv, o, m), a0);
      }
      a0.mul(inv).intoArray(out, oo + d, m);
    }
  }
}
