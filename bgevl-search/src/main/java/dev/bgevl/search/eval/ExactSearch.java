package dev.bgevl.search.eval;

import dev.bgevl.tensor.Ops;
import java.util.PriorityQueue;

/**
 * Exact (brute-force) inner-product search over L2-normalized vectors, as the reference's faiss
 * {@code IndexFlatIP}. Ties are broken by the lower corpus index first, so rankings are deterministic.
 */
public final class ExactSearch {
  private final float[] corpus; // [n, dim] row-major
  private final int n;
  private final int dim;

  public ExactSearch(float[] corpus, int n, int dim) {
    if ((long) n * dim != corpus.length) {
      throw new IllegalArgumentException("corpus holds " + corpus.length + " floats, expected " + n + "×" + dim);
    }
    this.corpus = corpus;
    this.n = n;
    this.dim = dim;
  }

  public int size() {
    return n;
  }

  /** Inner product of query row {@code qOff} with corpus row {@code i}. */
  public float score(float[] q, int qOff, int i) {
    return Ops.dot(q, qOff, corpus, i * dim, dim);
  }

  /**
   * The k best corpus indices (best first) for the query at {@code q[qOff, qOff + dim)}, leaving out
   * {@code exclude} (-1: none). Fewer than k when the corpus is smaller.
   */
  public int[] topK(float[] q, int qOff, int k, int exclude) {
    // min-heap of the best so far: the root is the worst kept (lowest score, then highest index)
    PriorityQueue<long[]> heap = new PriorityQueue<>(Math.max(1, k), (a, b) -> better(b, a));
    for (int i = 0; i < n; i++) {
      if (i == exclude) {
        continue;
      }
      long[] e = {Float.floatToRawIntBits(score(q, qOff, i)), i};
      if (heap.size() < k) {
        heap.add(e);
      } else if (k > 0 && better(e, heap.peek()) < 0) {
        heap.poll();
        heap.add(e);
      }
    }
    int[] out = new int[heap.size()];
    for (int j = out.length - 1; j >= 0; j--) {
      out[j] = (int) heap.poll()[1];
    }
    return out;
  }

  /** Negative when a ranks before b: higher score first, then lower index. */
  private static int better(long[] a, long[] b) {
    int c = Float.compare(Float.intBitsToFloat((int) b[0]), Float.intBitsToFloat((int) a[0]));
    return c != 0 ? c : Long.compare(a[1], b[1]);
  }

  /** Sorts the given corpus indices best first (same order as {@link #topK}). */
  public int[] rank(float[] q, int qOff, int[] indices) {
    float[] s = new float[indices.length];
    Integer[] order = new Integer[indices.length];
    for (int j = 0; j < indices.length; j++) {
      s[j] = score(q, qOff, indices[j]);
      order[j] = j;
    }
    java.util.Arrays.sort(order, (a, b) -> {
      int c = Float.compare(s[b], s[a]);
      return c != 0 ? c : Integer.compare(indices[a], indices[b]);
    });
    int[] out = new int[indices.length];
    for (int j = 0; j < out.length; j++) {
      out[j] = indices[order[j]];
    }
    return out;
  }
}
