package dev.bgevl.tensor;

import static dev.bgevl.tensor.KernelsTestCase.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Ops and Attention facades: parallel paths equal the provider, validation, F.normalize. */
class FacadeTest {

  @Test
  void l2NormalizeLikeTorch() {
    float[] x = {0f, 3f, 4f, 9f};
    Ops.l2Normalize(x, 1, 2);
    assertArrayEquals(new float[] {0f, 0.6f, 0.8f, 9f}, x, 1e-7f);
    float[] zero = new float[5];
    Ops.l2Normalize(zero, 0, 5); // norm clamped to 1e-12: zeros stay zeros, no NaN
    assertArrayEquals(new float[5], zero, 0f);
    SplittableRandom r = new SplittableRandom(31);
    for (int n : KernelsTestCase.SIZES) {
      float[] v = gaussian(r, n, 5);
      Ops.l2Normalize(v, 0, n);
      double ss = 0;
      for (float f : v) {
        ss += (double) f * f;
      }
      assertEquals(1.0, Math.sqrt(ss), 2e-6, "n=" + n);
    }
  }

  @Test
  void parallelLayerNormEqualsOneThread() {
    SplittableRandom r = new SplittableRandom(32);
    int rows = 197 * 3, dim = 768;
    float[] x = gaussian(r, rows * dim, 1);
    float[] g = gaussian(r, dim, 1);
    float[] b = gaussian(r, dim, 1);
    float[] out = new float[rows * dim];
    Ops.layerNorm(x, out, rows, dim, g, b, 1e-5f);
    float[] one = new float[rows * dim];
    Kernels.get().layerNorm(x, one, dim, g, b, 1e-5f, 0, rows);
    assertArrayEquals(one, out, 0f);
    float[] row = new float[dim];
    Ops.layerNorm(Arrays.copyOfRange(x, 5 * dim, 6 * dim), row, 1, dim, g, b, 1e-5f);
    assertArrayEquals(Arrays.copyOfRange(out, 5 * dim, 6 * dim), row, 0f);
  }

  @Test
  void attentionFacadeEqualsPerHeadKernels() {
    SplittableRandom r = new SplittableRandom(33);
    int batch = 2, seq = 197, heads = 12, hd = 64, hidden = heads * hd;
    float[] qkv = gaussian(r, batch * seq * 3 * hidden, 1);
    float[] out = new float[batch * seq * hidden];
    int[] valid = {197, 150};
    Attention.selfAttention(qkv, batch, seq, heads, hd, 0.125f, false, valid, out);
    float[] want = new float[out.length];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        int r0 = b * seq;
        Kernels.get().attentionHead(qkv, r0 * 3 * hidden + h * hd, 3 * hidden,
            qkv, r0 * 3 * hidden + hidden + h * hd, 3 * hidden,
            qkv, r0 * 3 * hidden + 2 * hidden + h * hd, 3 * hidden,
            seq, 0, seq, hd, 0.125f, false, valid[b], want, r0 * hidden + h * hd, hidden);
      }
    }
    assertArrayEquals(want, out, 0f);
  }

  @Test
  void attentionRowsEqualTheseRowsOfTheFullCall() {
    SplittableRandom r = new SplittableRandom(34);
    int batch = 3, seq = 197, heads = 12, hd = 64, hidden = heads * hd;
    float[] qkv = gaussian(r, batch * seq * 3 * hidden, 1);
    int[] valid = {197, 150, 9};
    int[] query = {0, 149, 5};
    for (boolean causal : new boolean[] {false, true}) {
      float[] full = new float[batch * seq * hidden];
      Attention.selfAttention(qkv, batch, seq, heads, hd, 0.125f, causal, valid, full);
      float[] rows = new float[batch * hidden];
      Arrays.fill(rows, Float.NaN);
      Attention.selfAttentionRows(qkv, batch, seq, heads, hd, 0.125f, causal, valid, query, rows);
      for (int b = 0; b < batch; b++) {
        int from = (b * seq + query[b]) * hidden;
        assertArrayEquals(Arrays.copyOfRange(full, from, from + hidden),
            Arrays.copyOfRange(rows, b * hidden, (b + 1) * hidden), 0f, "item " + b + ", causal " + causal);
      }
    }
  }

  @Test
  void attentionRejectsShortArrays() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Attention.selfAttention(new float[10], 1, 2, 1, 4, 1f, false, null, new float[8]));
    assertEquals("attention q: 2 rows of 4 values at offset 0, stride 12 exceed its 10 values",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Attention.attention(new float[8], 0, 4,
        new float[8], 0, 4, new float[8], 0, 4, 1, 2, 3, 2, 1, 1f, false, null, new float[6]));
    assertEquals("attention batch 1, seq 2, heads 3, kvHeads 2, headDim 1: sizes must be positive"
        + " and heads a multiple of kvHeads", e.getMessage());
  }

  /**
   * Grouped-query attention with separate q, k, v equals the fused form with each key/value head
   * repeated for its query heads (HF repeat_kv), bit for bit.
   */
  @Test
  void groupedQueryAttentionEqualsRepeatedKv() {
    SplittableRandom r = new SplittableRandom(34);
    int batch = 2, seq = 29, heads = 8, kvHeads = 2, hd = 32, hidden = heads * hd;
    int kvw = kvHeads * hd;
    float[] q = gaussian(r, batch * seq * hidden, 1);
    float[] k = gaussian(r, batch * seq * kvw, 1);
    float[] v = gaussian(r, batch * seq * kvw, 1);
    float[] qkv = new float[batch * seq * 3 * hidden];
    for (int row = 0; row < batch * seq; row++) {
      System.arraycopy(q, row * hidden, qkv, row * 3 * hidden, hidden);
      for (int h = 0; h < heads; h++) {
        int g = h / (heads / kvHeads);
        System.arraycopy(k, row * kvw + g * hd, qkv, row * 3 * hidden + hidden + h * hd, hd);
        System.arraycopy(v, row * kvw + g * hd, qkv, row * 3 * hidden + 2 * hidden + h * hd, hd);
      }
    }
    int[] valid = {29, 17};
    float[] want = new float[batch * seq * hidden];
    Attention.selfAttention(qkv, batch, seq, heads, hd, 0.17f, true, valid, want);
    float[] got = new float[want.length];
    Attention.attention(q, 0, hidden, k, 0, kvw, v, 0, kvw, batch, seq, heads, kvHeads, hd, 0.17f,
        true, valid, got);
    assertArrayEquals(want, got, 0f);
  }

  @Test
  void opsRejectOutOfRange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Ops.add(new float[4], new float[3], 4));
    assertEquals("range [0, 4) exceeds array of 3", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Ops.layerNorm(new float[6], new float[6], 2, 3, new float[2], null, 1e-5f));
    assertEquals("layerNorm gamma has 2 values, expected 3", e.getMessage());
  }
}
