package dev.bgevl.search.scan;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two estimate kernels over {@link FieldCodes}, for one query. The one-bit pass quantizes the
 * rotated query to 4 bits and computes {@code sum_i b_i * q_i} as four AND+popcount bit-plane sums
 * (8 vectors per 512-bit register); the four-bit pass decodes nibbles to floats (16 per shift, mask
 * and convert) against the exact rotated query. Not thread-safe: one instance per search.
 */
final class CodeScan {
  private static final VectorSpecies<Long> L8 = LongVector.SPECIES_512;
  private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
  private static final VectorSpecies<Float> F16 = FloatVector.SPECIES_512;
  private static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;
  private static final int QUERY_LEVELS = 15;

  private final FieldCodes codes;
  /** The rotated query Pq. */
  final float[] rotated;
  /** <c, q>, added to every estimate. */
  final float centerDot;
  private final float sumRotated;
  /** The query's 4-bit bit planes: planes[p * words + w]. */
  private final long[] planes;
  private final float twoDelta;
  private final float twoLo;
  private final float constant;

  CodeScan(FieldCodes codes, float[] query) {
    this.codes = codes;
    int padded = codes.rotation.padded();
    rotated = new float[padded];
    codes.rotation.apply(query, null, rotated);
    double cq = 0;
    for (int i = 0; i < codes.dim; i++) cq += (double) codes.centroid[i] * query[i];
    centerDot = (float) cq;
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    double sum = 0;
    for (float x : rotated) {
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
    }
    sumRotated = (float) sum;
    float delta = max > min ? (max - min) / QUERY_LEVELS : 0f;
    int words = padded / 64;
    planes = new long[4 * words];
    long levelSum = 0;
    for (int i = 0; i < padded; i++) {
      int level = delta > 0 ? Math.min(QUERY_LEVELS, Math.max(0, Math.round((rotated[i] - min) / delta))) : 0;
      levelSum += level;
      for (int p = 0; p < 4; p++) if ((level >> p & 1) != 0) planes[p * words + i / 64] |= 1L << (i % 64);
    }
    // <2b - 1, q'> with q'_i = min + delta * level_i:  2 delta S + 2 min popcount - D min - delta sum(level)
    twoDelta = 2 * delta;
    twoLo = 2 * min;
    constant = -padded * min - delta * levelSum;
  }

  /**
   * One-bit estimates of every vector's dot product with the query, into est[0..count); est holds
   * whole blocks ({@code FieldCodes.blocks(count) * BLOCK} values; the padding gets junk).
   */
  void bitEstimates(float[] est) {
    int words = codes.words();
    long[] bits = codes.bits;
    int blocks = FieldCodes.blocks(codes.count);
    for (int blk = 0; blk < blocks; blk++) {
      int base = blk * words * FieldCodes.BLOCK;
      LongVector s0 = LongVector.zero(L8);
      LongVector s1 = s0;
      LongVector s2 = s0;
      LongVector s3 = s0;
      for (int w = 0; w < words; w++) {
        LongVector x = LongVector.fromArray(L8, bits, base + w * FieldCodes.BLOCK);
        s0 = s0.add(x.and(planes[w]).lanewise(VectorOperators.BIT_COUNT));
        s1 = s1.add(x.and(planes[words + w]).lanewise(VectorOperators.BIT_COUNT));
        s2 = s2.add(x.and(planes[2 * words + w]).lanewise(VectorOperators.BIT_COUNT));
        s3 = s3.add(x.and(planes[3 * words + w]).lanewise(VectorOperators.BIT_COUNT));
      }
      LongVector s = s0.add(s1.lanewise(VectorOperators.LSHL, 1)).add(s2.lanewise(VectorOperators.LSHL, 2))
          .add(s3.lanewise(VectorOperators.LSHL, 3));
      FloatVector sf = (FloatVector) s.convertShape(VectorOperators.L2F, F8, 0);
      int o = blk * FieldCodes.BLOCK;
      FloatVector a = FloatVector.fromArray(F8, codes.bitScale, o);
      FloatVector pc = FloatVector.fromArray(F8, codes.bitCount, o);
      sf.mul(twoDelta).add(pc.mul(twoLo)).add(constant).mul(a).add(centerDot).intoArray(est, o);
    }
  }

  /**
   * The four-bit estimates of vectors cand[0..n) into est[0..n). Four vectors at a time: their
   * code loads (scattered over the segment) are in flight together, and each query chunk is loaded
   * once for the four.
   */
  void nibbleEstimates(int[] cand, int n, float[] est) {
    int i = 0;
    for (; i + 4 <= n; i += 4) nibbleEstimates4(cand[i], cand[i + 1], cand[i + 2], cand[i + 3], est, i);
    for (; i < n; i++) est[i] = nibbleEstimate(cand[i]);
  }

  private void nibbleEstimates4(int o0, int o1, int o2, int o3, float[] est, int at) {
    int padded = codes.rotation.padded();
    int stride = padded / 8;
    int[] nib = codes.nibbles;
    FloatVector acc0 = FloatVector.zero(F16);
    FloatVector acc1 = acc0;
    FloatVector acc2 = acc0;
    FloatVector acc3 = acc0;
    for (int c = 0; c < padded; c += 128) {
      IntVector x0 = IntVector.fromArray(I16, nib, o0 * stride + c / 8);
      IntVector x1 = IntVector.fromArray(I16, nib, o1 * stride + c / 8);
      IntVector x2 = IntVector.fromArray(I16, nib, o2 * stride + c / 8);
      IntVector x3 = IntVector.fromArray(I16, nib, o3 * stride + c / 8);
      for (int k = 0; k < 8; k++) {
        FloatVector q = FloatVector.fromArray(F16, rotated, c + 16 * k);
        acc0 = level(x0, k).fma(q, acc0);
        acc1 = level(x1, k).fma(q, acc1);
        acc2 = level(x2, k).fma(q, acc2);
        acc3 = level(x3, k).fma(q, acc3);
      }
    }
    est[at] = finish(o0, acc0.reduceLanes(VectorOperators.ADD));
    est[at + 1] = finish(o1, acc1.reduceLanes(VectorOperators.ADD));
    est[at + 2] = finish(o2, acc2.reduceLanes(VectorOperators.ADD));
    est[at + 3] = finish(o3, acc3.reduceLanes(VectorOperators.ADD));
  }

  private static FloatVector level(IntVector x, int k) {
    return (FloatVector) x.lanewise(VectorOperators.LSHR, 4 * k).and(0xF).convert(VectorOperators.I2F, 0);
  }

  /** The four-bit estimate of vector {@code ord}'s dot product with the query. */
  float nibbleEstimate(int ord) {
    int padded = codes.rotation.padded();
    int off = ord * (padded / 8);
    FloatVector acc = FloatVector.zero(F16);
    for (int c = 0; c < padded; c += 128) {
      IntVector x = IntVector.fromArray(I16, codes.nibbles, off + c / 8);
      for (int k = 0; k < 8; k++) acc = level(x, k).fma(FloatVector.fromArray(F16, rotated, c + 16 * k), acc);
    }
    return finish(ord, acc.reduceLanes(VectorOperators.ADD));
  }

  /** From sum_i code_i q_i to the estimate of the dot product. */
  private float finish(int ord, float levels) {
    return codes.norm[ord] * (codes.lo[ord] * sumRotated + codes.step[ord] * levels) + centerDot;
  }
}
