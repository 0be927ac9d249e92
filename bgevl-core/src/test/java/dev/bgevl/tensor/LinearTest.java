package dev.bgevl.tensor;

import static dev.bgevl.tensor.KernelsTestCase.gaussian;
import static dev.bgevl.tensor.KernelsTestCase.referenceGemm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
