package dev.bgevl.search.scan;

import java.io.IOException;
import java.util.function.IntFunction;
import org.apache.lucene.store.DataInput;
import org.apache.lucene.store.DataOutput;

/**
 * The in-memory codes of one vector field of one segment, in vector ordinal order. For a vector o
 * of the segment, with c the segment's centroid and P the {@link Rotation}, u = P(o - c) / |o - c|:
 *
 * <ul>
 *   <li>a one-bit code: bit i = (u_i > 0), stored in blocks of {@value #BLOCK} vectors, word-major
 *       (the 64-bit word w of the block's 8 vectors lies side by side, one SIMD register), with the
 *       factor {@code a = |o - c| / sum_i |u_i|} and the code's popcount. The estimate of the dot
 *       product with a query q is {@code a * <2b - 1, Pq> + <c, q>} (the sign code's projection,
 *       corrected by how well the code aligns with u: an unbiased estimator for rotated data);
 *   <li>a four-bit code: u_i ≈ lo + step * code_i with the vector's own lo/step, eight codes per
 *       int (see {@link #nibbles}), with |o - c|; the
 *       estimate is {@code |o - c| * <lo + step * code, Pq> + <c, q>}, within a few thousandths of
 *       the exact dot product.
 * </ul>
 *
 * Written by {@link ScanVectorsWriter}, read by {@link ScanVectorsReader}; immutable once built.
 */
final class FieldCodes {
  /** Vectors per one-bit block: one 512-bit register holds word w of 8 vectors. */
  static final int BLOCK = 8;
  /** Levels of the four-bit code. */
  static final int LEVELS = 15;

  final int field;
  final int dim;
  final int count;
  final long seed;
  final Rotation rotation;
  final float[] centroid;
  /** One-bit codes: blocks of [D/64 words][8 lanes]. */
  final long[] bits;
  /** Per vector (padded to whole blocks): a and popcount of the one-bit code. */
  final float[] bitScale;
  final float[] bitCount;
  /**
   * Four-bit codes, D/8 ints per vector: dimension d = 128 c + 16 k + l is nibble k (bits 4k..4k+3)
   * of int 16 c + l, so one 512-bit load, a shift and a mask give 16 consecutive dimensions.
   */
  final int[] nibbles;
  /** Per vector: |o - c|, lo and step of the four-bit code. */
  final float[] norm;
  final float[] lo;
  final float[] step;

  private FieldCodes(int field, int dim, int count, long seed, float[] centroid) {
    this.field = field;
    this.dim = dim;
    this.count = count;
    this.seed = seed;
    this.rotation = new Rotation(dim, seed);
    this.centroid = centroid;
    int padded = rotation.padded();
    checkSize(dim, count);
    int blocks = blocks(count);
    bits = new long[blocks * (padded / 64) * BLOCK];
    bitScale = new float[blocks * BLOCK];
    bitCount = new float[blocks * BLOCK];
    nibbles = new int[count * (padded / 8)];
    norm = new float[count];
    lo = new float[count];
    step = new float[count];
  }

  /** Refuses, in one line, a segment whose codes would overflow an int-indexed array. */
  static void checkSize(int dim, int count) {
    int perVector = Rotation.paddedDim(dim) / 8;
    if ((long) count * perVector > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException(count + " vectors of " + dim + " dims are too many for one segment's codes (at most "
          + (Integer.MAX_VALUE - 64) / perVector + "); let the merge policy keep segments smaller");
    }
  }

  static int blocks(int count) {
    return (count + BLOCK - 1) / BLOCK;
  }

  int words() {
    return rotation.padded() / 64;
  }

  /** Encodes {@code count} vectors (vector(ord) for ord in [0, count)) around their mean. */
  static FieldCodes encode(int field, int dim, int count, long seed, IntFunction<float[]> vector) {
    checkSize(dim, count); // before the passes over the vectors
    float[] centroid = new float[dim];
    double[] sum = new double[dim];
    for (int ord = 0; ord < count; ord++) {
      float[] v = vector.apply(ord);
      for (int i = 0; i < dim; i++) sum[i] += v[i];
    }
    for (int i = 0; i < dim; i++) centroid[i] = count == 0 ? 0f : (float) (sum[i] / count);
    FieldCodes c = new FieldCodes(field, dim, count, seed, centroid);
    float[] u = new float[c.rotation.padded()];
    for (int ord = 0; ord < count; ord++) c.encodeOne(ord, vector.apply(ord), u);
    return c;
  }

  private void encodeOne(int ord, float[] v, float[] u) {
    int padded = rotation.padded();
    rotation.apply(v, centroid, u);
    double ss = 0;
    for (float x : u) ss += (double) x * x;
    float n = (float) Math.sqrt(ss);
    if (n > 0) for (int i = 0; i < padded; i++) u[i] /= n;
    else java.util.Arrays.fill(u, 0f); // the vector is the centroid: every estimate is <c, q>, exactly
    // one bit
    int words = padded / 64;
    int base = (ord / BLOCK) * words * BLOCK + ord % BLOCK;
    double abs = 0;
    int ones = 0;
    for (int w = 0; w < words; w++) {
      long word = 0;
      for (int b = 0; b < 64; b++) {
        float x = u[w * 64 + b];
        abs += Math.abs(x);
        if (x > 0) word |= 1L << b;
      }
      bits[base + w * BLOCK] = word;
      ones += Long.bitCount(word);
    }
    bitScale[ord] = abs > 0 ? (float) (n / abs) : 0f;
    bitCount[ord] = ones;
    // four bits
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float x : u) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    float st = (max - min) / LEVELS;
    norm[ord] = n;
    lo[ord] = min;
    step[ord] = st;
    int off = ord * (padded / 8);
    for (int d = 0; d < padded; d++) {
      nibbles[off + (d >> 7) * 16 + (d & 15)] |= level(u[d], min, st) << (4 * ((d >> 4) & 7));
    }
  }

  private static int level(float x, float min, float step) {
    if (step <= 0) return 0;
    return Math.min(LEVELS, Math.max(0, Math.round((x - min) / step)));
  }

  void write(DataOutput out) throws IOException {
    out.writeInt(field);
    out.writeInt(dim);
    out.writeInt(count);
    out.writeLong(seed);
    out.writeInt(rotation.padded());
    for (float x : centroid) out.writeInt(Float.floatToIntBits(x));
    for (long x : bits) out.writeLong(x);
    writeFloats(out, bitScale);
    writeFloats(out, bitCount);
    for (int x : nibbles) out.writeInt(x);
    writeFloats(out, norm);
    writeFloats(out, lo);
    writeFloats(out, step);
  }

  private static void writeFloats(DataOutput out, float[] a) throws IOException {
    for (float x : a) out.writeInt(Float.floatToIntBits(x));
  }

  /** Reads one field's codes; {@code field} has been read (it is not -1). */
  static FieldCodes read(DataInput in, int field) throws IOException {
    int dim = in.readInt();
    int count = in.readInt();
    long seed = in.readLong();
    int padded = in.readInt();
    if (dim < 1 || count < 0 || padded != Rotation.paddedDim(dim)) {
      throw new org.apache.lucene.index.CorruptIndexException("bad codes header: dim " + dim + ", count " + count + ", padded " + padded, in.toString());
    }
    float[] centroid = new float[dim];
    in.readFloats(centroid, 0, dim);
    FieldCodes c = new FieldCodes(field, dim, count, seed, centroid);
    in.readLongs(c.bits, 0, c.bits.length);
    in.readFloats(c.bitScale, 0, c.bitScale.length);
    in.readFloats(c.bitCount, 0, c.bitCount.length);
    in.readInts(c.nibbles, 0, c.nibbles.length);
    in.readFloats(c.norm, 0, count);
    in.readFloats(c.lo, 0, count);
    in.readFloats(c.step, 0, count);
    return c;
  }
}
