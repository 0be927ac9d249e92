package dev.bgevl.tensor;

/**
 * Multi-head attention. One task per (batch item, head); the result for one item never depends on
 * the other items in the batch.
 */
public final class Attention {

  private Attention() {}

  /**
   * {@code out = softmax((q·scale)·kᵀ + mask)·v} per batch item and head, over a fused q|k|v
   * projection (CLIP).
   *
   * @param qkv [batch*seq, 3*hidden], each row {@code [q (heads×headDim) | k | v]}
   * @param causal key j is visible to query i only when j ≤ i
   * @param validLen per batch item, the number of leading keys that are not padding (nullable:
   *     all {@code seq}); a query that sees no key gets zeros
   * @param out [batch*seq, hidden], hidden = heads·headDim
   */
  public static void selfAttention(float[] qkv, int batch, int seq, int heads, int headDim,
      float scale, boolean causal, int[] validLen, float[] out) {
    int hidden = heads * headDim;
    attention(qkv, 0, 3 * hidden, qkv, hidden, 3 * hidden, qkv, 2 * hidden, 3 * hidden, batch,
        seq, heads, heads, headDim, scale, causal, validLen, out);
  }

  /**
   * General form, with separate (or strided) q, k and v and grouped-query attention (Mistral):
   * query head h reads key/value head {@code h / (heads / kvHeads)}.
   *
   * <p>Element d of head h in row r (r = b·seq + position) is {@code q[qOff + r·qStride + h·headDim
   * + d]}; keys and values likewise with kvHeads heads; out is {@code [batch*seq, heads·headDim]}.
   * Rotary embeddings, if any, are applied to q and k before the call.
   */
  public static void attention(float[] q, int qOff, int qStride, float[] k, int kOff, int kStride,
      float[] v, int vOff, int vStride, int batch, int seq, int heads, int kvHeads, int headDim,
      float scale, boolean causal, int[] validLen, float[] out) {
    if (batch < 0 || seq <= 0 || heads <= 0 || headDim <= 0 || kvHeads <= 0
        || heads % kvHeads != 0) {
      throw new IllegalArgumentException("attention batch " + batch + ", seq " + seq + ", heads "
          + heads + ", kvHeads " + kvHeads + ", headDim " + headDim
          + ": sizes must be positive and heads a multiple of kvHeads");
    }
    long rows = (long) batch * seq;
    long hidden = (long) heads * headDim;
    check("q", q, qOff, qStride, rows, hidden);
    check("k", k, kOff, kStride, rows, (long) kvHeads * headDim);
    check("v", v, vOff, vStride, rows, (long) kvHeads * headDim);
    if (out.length < rows * hidden) {
      throw new IllegalArgumentException("attention on " + rows + " rows of hidden " + hidden
          + " needs out >= " + rows * hidden + " values, got " + out.length);
    }
    if (validLen != null && validLen.length < batch) {
      throw new IllegalArgumentException(
          "attention validLen has " + validLen.length + " entries for batch " + batch);
    }
    Kernels kn = Kernels.get();
    int group = heads / kvHeads;
    Parallel.forEach(batch * heads, t -> {
      int b = t / heads;
      int h = t % heads;
      int g = h / group;
      int r0 = b * seq;
      int valid = validLen == null ? seq : Math.max(0, Math.min(seq, validLen[b]));
      kn.attentionHead(q, qOff + r0 * qStride + h * headDim, qStride,
          k, kOff + r0 * kStride + g * headDim, kStride,
          v, vOff + r0 * vStride + g * headDim, vStride,
          seq, 0, seq, headDim, scale, causal, valid,
          out, (int) (r0 * hidden + (long) h * headDim), (int) hidden);
    });
  }

  /**
   * {@link #selfAttention} for one query per batch item: the query at position {@code query[b]}
   * of item {@code b}, with all its keys (those before it too when {@code causal}). Each result is
   * bit-identical to that row of the full call; {@code out} is {@code [batch, hidden]}. Lets the
   * last encoder layer run only the rows that are pooled.
   */
  public static void selfAttentionRows(float[] qkv, int batch, int seq, int heads, int headDim,
      float scale, boolean causal, int[] validLen, int[] query, float[] out) {
    int hidden = heads * headDim;
    int stride = 3 * hidden;
    if (batch < 0 || seq <= 0 || heads <= 0 || headDim <= 0 || query.length < batch
        || (validLen != null && validLen.length < batch)) {
      throw new IllegalArgumentException("attention rows: batch " + batch + ", seq " + seq + ", heads "
          + heads + ", headDim " + headDim + ", " + query.length + " query rows");
    }
    check("qkv", qkv, 0, stride, (long) batch * seq, stride);
    if (out.length < (long) batch * hidden) {
      throw new IllegalArgumentException("attention rows need out >= " + (long) batch * hidden
          + " values, got " + out.length);
    }
    for (int b = 0; b < batch; b++) {
      if (query[b] < 0 || query[b] >= seq) {
        throw new IllegalArgumentException("attention query row " + query[b] + " outside [0, " + seq + ")");
      }
    }
    Kernels kn = Kernels.get();
    Parallel.forEach(batch * heads, t -> {
      int b = t / heads;
      int h = t % heads;
      int r0 = b * seq;
      int i = query[b];
      int valid = validLen == null ? seq : Math.max(0, Math.min(seq, validLen[b]));
      // out row i of the head would be at oo + i·os: shift the base so that row lands in out[b].
      kn.attentionHead(qkv, r0 * stride + h * headDim, stride,
          qkv, r0 * stride + hidden + h * headDim, stride,
          qkv, r0 * stride + 2 * hidden + h * headDim, stride,
          seq, i, i + 1, headDim, scale, causal, valid,
          out, b * hidden + h * headDim - i * hidden, hidden);
    });
  }

  private static void check(String what, float[] a, int off, int stride, long rows, long width) {
    if (off < 0 || stride < width || (rows > 0 && off + (rows - 1) * stride + width > a.length)) {
      throw new IllegalArgumentException("attention " + what + ": " + rows + " rows of " + width
          + " values at offset " + off + ", stride " + stride + " exceed its " + a.length
          + " values");
    }
  }
}
