package dev.bgevl.search.scan;

import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.util.Bits;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One segment's search over {@link FieldCodes}: one-bit estimates of every accepted vector, the best
 * {@code keep} of those re-ranked by their four-bit estimates, the best max(k, {@value #EXACT_MIN})
 * of those scored exactly with the float32 vectors and handed to the collector.
 */
final class ScanSearch {
  private static final int BINS = 4096;
  /**
   * At least this many of the four-bit pass's best are scored with float32 (~1 µs each): the four-bit
   * estimate's error (~0.002-0.01 by dimension) can reorder neighbours that close.
   */
  static final int EXACT_MIN = 100;
  private static final VectorSpecies<Float> F16 = FloatVector.SPECIES_512;

  private ScanSearch() {}

  /** Runs the search; returns how many vectors it ranked (the accepted ones). */
  static int search(FieldCodes c, FloatVectorValues values, VectorSimilarityFunction similarity, float[] target,
                    KnnCollector collector, Bits accept, double fraction, int minFactor, int min) throws IOException {
    int n = c.count;
    int k = collector.k();
    CodeScan scan = new CodeScan(c, target);
    long keep = Math.max(min, Math.max((long) minFactor * k, (long) Math.ceil(fraction * n)));
    int[] cand;
    int accepted;
    if (keep >= n) { // small segment: every accepted vector goes to the four-bit pass
      cand = new int[n];
      accepted = 0;
      for (int ord = 0; ord < n; ord++) {
        if (accept == null || accept.get(values.ordToDoc(ord))) cand[accepted++] = ord;
      }
      cand = Arrays.copyOf(cand, accepted);
    } else {
      float[] est = new float[FieldCodes.blocks(n) * FieldCodes.BLOCK];
      scan.bitEstimates(est);
      accepted = n;
      if (accept != null) {
        for (int ord = 0; ord < n; ord++) {
          if (!accept.get(values.ordToDoc(ord))) {
            est[ord] = Float.NEGATIVE_INFINITY;
            accepted--;
          }
        }
      }
      cand = top(est, n, (int) keep);
    }
    float[] est4 = new float[cand.length];
    scan.nibbleEstimates(cand, cand.length, est4);
    int[] best = top(est4, cand.length, Math.max(k, EXACT_MIN));
    for (int i : best) {
      int ord = cand[i];
      collector.collect(values.ordToDoc(ord), similarity.compare(target, values.vectorValue(ord)));
    }
    return accepted;
  }

  /**
   * The positions of at least {@code keep} of the largest values of est[0..n) (all of them when
   * fewer are finite; negative infinity marks an excluded position). The threshold comes from a
   * histogram of a strided sample, aimed 10% above keep; the one full pass is a comparison. When
   * the sample misjudges (fewer than keep pass), an exact histogram of every value decides.
   */
  static int[] top(float[] est, int n, int keep) {
    int stride = Math.max(1, n / SAMPLE);
    if (stride > 1 && (long) keep * 4 < n) {
      float t = threshold(est, n, stride, (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(keep * 1.1 / stride) + 2));
      if (t > Float.NEGATIVE_INFINITY) {
        int[] out = new int[n];
        int m = 0;
        int i = 0;
        for (; i <= n - F16.length(); i += F16.length()) {
          long hits = FloatVector.fromArray(F16, est, i).compare(VectorOperators.GE, t).toLong();
          while (hits != 0) {
            out[m++] = i + Long.numberOfTrailingZeros(hits);
            hits &= hits - 1;
          }
        }
        for (; i < n; i++) if (est[i] >= t) out[m++] = i;
        if (m >= keep) return Arrays.copyOf(out, m);
      }
    }
    float t = threshold(est, n, 1, keep);
    int[] out = new int[n];
    int m = 0;
    for (int i = 0; i < n; i++) if (est[i] >= t && est[i] != Float.NEGATIVE_INFINITY) out[m++] = i;
    return Arrays.copyOf(out, m);
  }

  private static final int SAMPLE = 16_384;

  /**
   * A value t such that about {@code want} of est[0], est[stride], est[2 stride]... are ≥ t (at
   * least want, unless fewer are finite: then negative infinity).
   */
  private static float threshold(float[] est, int n, int stride, int want) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    int finite = 0;
    for (int i = 0; i < n; i += stride) {
      float e = est[i];
      if (e == Float.NEGATIVE_INFINITY) continue;
      finite++;
      if (e < min) min = e;
      if (e > max) max = e;
    }
    if (finite <= want || !(max > min)) return Float.NEGATIVE_INFINITY;
    float scale = (BINS - 1) / (max - min);
    int[] hist = new int[BINS];
    for (int i = 0; i < n; i += stride) {
      float e = est[i];
      if (e != Float.NEGATIVE_INFINITY) hist[bin(e, min, scale)]++;
    }
    int b = BINS - 1;
    int count = hist[b];
    while (count < want) count += hist[--b];
    // the lower edge of bin b, nudged down so that every value binned into b passes e >= t
    return Math.nextDown(min + b / scale);
  }

  private static int bin(float e, float min, float scale) {
    return Math.min(BINS - 1, (int) ((e - min) * scale));
  }
}
