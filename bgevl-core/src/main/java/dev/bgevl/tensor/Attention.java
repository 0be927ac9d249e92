package dev.bgevl.tensor;

/**
 * Multi-head self-attention over a fused q|k|v projection. One task per (batch item, head); the
 * result for one item never depends on the other items in the batch.
 */
public final class Attention {

  private Attention() {}

  /**
   * {@code out = softmax((q·scale)·kᵀ + mask)·v} per batch item and head.
   *
   * @param qkv [batch*seq, 3*hidden], each row {@code [q (heads×headDim) | k | v]}
   * @param causal key j is visible to query i only when j ≤ i
   * @param validLen per batch item, the number of leading keys that are not padding (nullable:
   *     all {@code seq}); a query that sees no key gets zeros
   * @param out [batch*seq, hidden], hidden = heads·headDim
   */
  public static void selfAttention(float[] qkv, int batch, int seq, int heads, int headDim,
      float scale, boolean causal, int[] validLen, float[] out) {
    if (batch < 0 || seq <= 0 || heads <= 0 || headDim <= 0) {
      throw new IllegalArgumentException("selfAttention batch " + batch + ", seq " + seq
          + ", heads " + heads + ", headDim " + headDim + ": sizes must be positive");
    }
    long hidden = (long) heads * headDim;
    long rows = (long) batch * seq;
    if (qkv.length < rows * 3 * hidden || out.length < rows * hidden) {
      throw new IllegalArgumentException("selfAttention on " + rows + " rows of hidden " + hidden
          + " needs qkv >= " + rows * 3 * hidden + " and out >= " + rows * hidden
          + " values, got " + qkv.length + " and " + out.length);
    }
    if (validLen != null && validLen.length < batch) {
      throw new IllegalArgumentException(
          "selfAttention validLen has " + validLen.length + " entries for batch " + batch);
    }
    Kernels k = Kernels.get();
    Parallel.forEach(batch * heads, t -> {
      int b = t / heads;
      int h = t % heads;
      int valid = validLen == null ? seq : Math.max(0, Math.min(seq, validLen[b]));
      k.attentionHead(qkv, b, h, seq, heads, headDim, scale, causal, valid, out);
    });
  }
}
