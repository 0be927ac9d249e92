package dev.bgevl.search.scan;

import java.util.SplittableRandom;

/**
 * A fixed random orthonormal transform of R^dim into R^D (D = a power of two, at least 128 and at
 * least dim): the vector is zero-padded to D, then twice multiplied by a random ±1 diagonal and by
 * the normalized Walsh-Hadamard matrix. It spreads every direction's energy over all D
 * coordinates, so one-bit codes of real (anisotropic) embeddings lose as little as those of random
 * ones. Orthonormal: dot products and norms are preserved up to float rounding. Immutable and
 * thread-safe; the signs come from {@code seed}, which the codes file records.
 */
final class Rotation {
  static final int ROUNDS = 2;

  private final int dim;
  private final int padded;
  private final float[][] signs;
  private final float scale;

  Rotation(int dim, long seed) {
    if (dim < 1) throw new IllegalArgumentException("dim must be positive, got " + dim);
    this.dim = dim;
    this.padded = paddedDim(dim);
    SplittableRandom r = new SplittableRandom(seed);
    signs = new float[ROUNDS][padded];
    for (float[] s : signs) for (int i = 0; i < padded; i++) s[i] = r.nextBoolean() ? 1f : -1f;
    scale = (float) (1 / Math.sqrt(padded));
  }

  /** The code dimension for vectors of {@code dim}: the next power of two, at least 128. */
  static int paddedDim(int dim) {
    return Math.max(128, Integer.highestOneBit(Math.max(1, dim - 1)) << 1);
  }

  int dim() {
    return dim;
  }

  int padded() {
    return padded;
  }

  /** {@code out[0..D)} = the rotation of {@code in[0..dim)} minus {@code center} (null: none). */
  void apply(float[] in, float[] center, float[] out) {
    for (int i = 0; i < dim; i++) out[i] = center == null ? in[i] : in[i] - center[i];
    java.util.Arrays.fill(out, dim, padded, 0f);
    for (float[] s : signs) {
      for (int i = 0; i < padded; i++) out[i] *= s[i];
      hadamard(out, padded);
      for (int i = 0; i < padded; i++) out[i] *= scale;
    }
  }

  /** In-place unnormalized fast Walsh-Hadamard transform of x[0..n), n a power of two. */
  static void hadamard(float[] x, int n) {
    for (int h = 1; h < n; h <<= 1) {
      for (int i = 0; i < n; i += h << 1) {
        for (int j = i; j < i + h; j++) {
          float a = x[j];
          float b = x[j + h];
          x[j] = a + b;
          x[j + h] = a - b;
        }
      }
    }
  }
}
