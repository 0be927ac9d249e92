package dev.bgevl.llava;

import dev.bgevl.tensor.Ops;
import dev.bgevl.tensor.Parallel;

/**
 * Grouped-query causal self-attention over sequences packed one after another without padding
 * (each sequence attends only to itself), as Mistral's eager attention: scores
 * {@code q·kᵀ / √d} in fp32, causal (and sliding-window, when configured) masking, softmax, · v.
 * Query head h reads KV head {@code h / groups}.
 *
 * <p>Packing sequences instead of left-padding them gives each sequence exactly the computation it
 * gets alone (the reference's left-padded batch differs from single runs by ~3e-7), and no work on
 * pad tokens. Positions restart at 0 per sequence; RoPE scores depend only on position differences.
 */
final class GqaAttention {
  private GqaAttention() {}

  /**
   * @param qkv [rows, qDim + 2·kvDim]: q (heads × headDim) | k | v, RoPE already applied
   * @param starts first row of each sequence; lengths its length
   * @param window sliding window (0: none): key j is visible to query i when i − window < j ≤ i
   * @param out [rows, heads × headDim]
   */
  static void apply(float[] qkv, int[] starts, int[] lengths, int heads, int kvHeads, int headDim, int window,
                    float[] out) {
    int qDim = heads * headDim;
    int width = qDim + 2 * kvHeads * headDim;
    int groups = heads / kvHeads;
    float divisor = (float) Math.sqrt(headDim);
    for (int s = 0; s < starts.length; s++) {
      int start = starts[s];
      int len = lengths[s];
      // vT[kvHead][d][j] = v of key j: contiguous rows for the weighted sums
      float[] vT = new float[kvHeads * headDim * len];
      Parallel.forRange(kvHeads * headDim, Math.min(kvHeads * headDim, Parallel.threads()), (c0, c1) -> {
        for (int c = c0; c < c1; c++) {
          int src = qDim + kvHeads * headDim + c;
          for (int j = 0; j < len; j++) vT[c * len + j] = qkv[(start + j) * width + src];
        }
      });
      int blocks = Math.max(1, Math.min(len, 4 * Parallel.threads() / heads + 1));
      Parallel.forEach(heads * blocks, task -> {
        int h = task / blocks;
        int b = task % blocks;
        int kvh = h / groups;
        int i0 = (int) ((long) len * b / blocks);
        int i1 = (int) ((long) len * (b + 1) / blocks);
        float[] p = new float[len];
        int kCol = qDim + kvh * headDim;
        for (int i = i0; i < i1; i++) {
          int lo = window > 0 ? Math.max(0, i - window + 1) : 0;
          int n = i - lo + 1;
          int qOff = (start + i) * width + h * headDim;
          for (int j = lo; j <= i; j++) {
            p[j - lo] = Ops.dot(qkv, qOff, qkv, (start + j) * width + kCol, headDim) / divisor;
          }
          Ops.softmax(p, 1, n);
          int oOff = (start + i) * qDim + h * headDim;
          for (int d = 0; d < headDim; d++) {
            out[oOff + d] = Ops.dot(p, 0, vT, (kvh * headDim + d) * len + lo, n);
          }
        }
      });
    }
  }
}
