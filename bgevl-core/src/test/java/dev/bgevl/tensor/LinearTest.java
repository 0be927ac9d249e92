package dev.bgevl.tensor;

import static dev.bgevl.tensor.KernelsTestCase.gaussian;
import static dev.bgevl.tensor.KernelsTestCase.referenceGemm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The public Linear facade: parallel splits, batch invariance, validation. */
class LinearTest {

  /** The multi-threaded path computes the contract's fma chain exactly (real CLIP widths). */
  @Test
  void applyIsExactFmaChainOnModelShapes() {
    SplittableRandom r = new SplittableRandom(21);
    int[][] shapes = {{197, 768, 768}, {12, 512, 2048}, {1, 768, 768}, {13, 1021, 207}};
    for (int[] s : shapes) {
      int rows = s[0], in = s[1], out = s[2];
      float[] x = gaussian(r, rows * in, 1);
      float[] w = gaussian(r, out * in, 1 / Math.sqrt(in));
      float[] b = gaussian(r, out, 0.1);
      Linear lin = Linear.pack(w, b, out, in);
      assertEquals(in, lin.inFeatures());
      assertEquals(out, lin.outFeatures());
      float[] y = new float[rows * out];
      lin.apply(x, rows, y, Activation.NONE);
      String what = Arrays.toString(s);
      assertArrayEquals(referenceGemm(x, rows, w, b, out, in, y, Activation.NONE, false), y, 0f,
          what);
      float[] res = gaussian(r, rows * out, 1);
      float[] want = referenceGemm(x, rows, w, b, out, in, res, Activation.NONE, true);
      lin.applyAdd(x, rows, res);
      assertArrayEquals(want, res, 0f, what + " applyAdd");
    }
  }

  /** A batch of 7 sequences gives the same bits as each sequence alone and each row alone. */
  @Test
  void resultsAreBatchInvariant() {
    SplittableRandom r = new SplittableRandom(22);
    int seq = 13, batch = 7, in = 768, out = 3072;
    float[] x = gaussian(r, batch * seq * in, 1);
    Linear lin = Linear.pack(gaussian(r, out * in, 0.04), gaussian(r, out, 0.1), out, in);
    for (Activation act : Activation.values()) {
      float[] all = new float[batch * seq * out];
      lin.apply(x, batch * seq, all, act);
      for (int b = 0; b < batch; b++) {
        float[] one = Arrays.copyOfRange(x, b * seq * in, (b + 1) * seq * in);
        float[] y = new float[seq * out];
        lin.apply(one, seq, y, act);
        assertArrayEquals(Arrays.copyOfRange(all, b * seq * out, (b + 1) * seq * out), y, 0f,
            act + " item " + b);
      }
      for (int row = 0; row < batch * seq; row += 11) {
        float[] one = Arrays.copyOfRange(x, row * in, (row + 1) * in);
        float[] y = new float[out];
        lin.apply(one, 1, y, act);
        assertArrayEquals(Arrays.copyOfRange(all, row * out, (row + 1) * out), y, 0f,
            act + " row " + row);
      }
    }
  }

  /**
   * 16-bit storage on a CLIP-sized layer: batch invariant like fp32, and within the format's
   * rounding of the fp32 result: |Δy| ≤ 2^-11 (F16) or 2^-8 (BF16) relative rounding per weight,
   * so ≤ that fraction of Σ|x·w| (checked at 1/2 of it plus fp32 noise).
   */
  @Test
  void sixteenBitWeightsStayWithinTheirRounding() {
    SplittableRandom r = new SplittableRandom(24);
    int rows = 20, in = 768, out = 200;
    float[] x = gaussian(r, rows * in, 1);
    float[] w = gaussian(r, out * in, 1 / Math.sqrt(in));
    float[] b = gaussian(r, out, 0.1);
    float[] ref = new float[rows * out];
    Linear.pack(w, b, out, in).apply(x, rows, ref, Activation.NONE);
    for (WeightFormat format : new WeightFormat[] {WeightFormat.F16, WeightFormat.BF16}) {
      Linear lin = Linear.pack(w, b, out, in, format);
      assertEquals(format, lin.weightFormat());
      int padded = (out + Kernels.get().panelWidth() - 1) / Kernels.get().panelWidth()
          * Kernels.get().panelWidth();
      assertEquals(2L * padded * in + 4L * out, lin.weightBytes());
      float[] y = new float[rows * out];
      lin.apply(x, rows, y, Activation.NONE);
      double unit = format == WeightFormat.F16 ? 0x1p-11 : 0x1p-8;
      double worst = 0;
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < out; j++) {
          double abs = 0;
          for (int k = 0; k < in; k++) {
            abs += Math.abs((double) x[i * in + k] * w[j * in + k]);
          }
          double err = Math.abs(y[i * out + j] - ref[i * out + j]);
          assertTrue(err <= unit / 2 * abs + 1e-5, format + " [" + i + ", " + j + "] error " + err
              + " > " + unit / 2 * abs);
          worst = Math.max(worst, err);
        }
      }
      assertTrue(worst > 0, format + " rounding had no effect: weights were not stored in 16 bits");
      float[] one = new float[out];
      lin.apply(Arrays.copyOfRange(x, 7 * in, 8 * in), 1, one, Activation.NONE);
      assertArrayEquals(Arrays.copyOfRange(y, 7 * out, 8 * out), one, 0f, format + " row 7 alone");
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Linear.pack(new float[] {1f, 70000f}, null, 1, 2, WeightFormat.F16));
    assertEquals("Linear weight [0, 1] = 70000.0 cannot be stored as F16", e.getMessage());
  }

  @Test
  void rejectsWrongShapes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Linear.pack(new float[10], null, 3, 4));
    assertEquals("Linear weight has 10 values, expected [3, 4] = 12", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Linear.pack(new float[12], new float[4], 3, 4));
    assertEquals("Linear bias has 4 values, expected 3", e.getMessage());
    Linear lin = Linear.pack(new float[12], null, 3, 4);
    e = assertThrows(IllegalArgumentException.class,
        () -> lin.apply(new float[8], 2, new float[5], Activation.NONE));
    assertEquals("Linear [3, 4] on 2 rows needs x >= 8 and y >= 6 values, got 8 and 5",
        e.getMessage());
  }

  @Test
  void zeroRowsIsANoOp() {
    Linear lin = Linear.pack(new float[] {1, 2}, new float[] {3}, 1, 2);
    float[] y = {7};
    lin.apply(new float[0], 0, y, Activation.NONE);
    assertEquals(7f, y[0]);
    lin.apply(new float[] {1, 1}, 1, y, Activation.NONE);
    assertEquals(6f, y[0]);
  }
}
