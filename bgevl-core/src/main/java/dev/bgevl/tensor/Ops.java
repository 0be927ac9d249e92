package dev.bgevl.tensor;

/**
 * Row-major element-wise ops, norms and reductions; in place where the name says. Rows are
 * independent: the result for a row never depends on the other rows in the call.
 */
public final class Ops {

  /** Row work below this many elements runs on the calling thread. */
  private static final int PARALLEL_MIN_ELEMENTS = 1 << 15;

  private Ops() {}

  private static Kernels k() {
    return Kernels.get();
  }

  /**
   * The kernels in use, for logs and {@code --version}: {@code "vector"} or {@code "scalar"}
   * ({@code -Dbgevl.kernels}), with the thread count.
   */
  public static String kernelsDescription() {
    return k().name() + " kernels, " + Parallel.threads() + " threads";
  }

  /**
   * LayerNorm over the last dimension: {@code out = (x - mean) / sqrt(var + eps) * gamma + beta},
   * biased variance like torch. {@code out} may be {@code x}. gamma/beta nullable (1 / 0).
   */
  public static void layerNorm(float[] x, float[] out, int rows, int dim, float[] gamma,
      float[] beta, float eps) {
    checkRows("layerNorm", x, out, rows, dim);
    checkVec("layerNorm gamma", gamma, dim);
    checkVec("layerNorm beta", beta, dim);
    Kernels k = k();
    if ((long) rows * dim < PARALLEL_MIN_ELEMENTS) {
      k.layerNorm(x, out, dim, gamma, beta, eps, 0, rows);
    } else {
      Parallel.forRange(rows, 2 * Parallel.threads(),
          (r0, r1) -> k.layerNorm(x, out, dim, gamma, beta, eps, r0, r1));
    }
  }

  /** RMSNorm (Mistral): {@code out = x / sqrt(mean(x²) + eps) * weight}; weight nullable. */
  public static void rmsNorm(float[] x, float[] out, int rows, int dim, float[] weight,
      float eps) {
    checkRows("rmsNorm", x, out, rows, dim);
    checkVec("rmsNorm weight", weight, dim);
    Kernels k = k();
    if ((long) rows * dim < PARALLEL_MIN_ELEMENTS) {
      k.rmsNorm(x, out, dim, weight, eps, 0, rows);
    } else {
      Parallel.forRange(rows, 2 * Parallel.threads(),
          (r0, r1) -> k.rmsNorm(x, out, dim, weight, eps, r0, r1));
    }
  }

  /** Softmax in place over each row of {@code x[rows, n]}. */
  public static void softmax(float[] x, int rows, int n) {
    checkRows("softmax", x, x, rows, n);
    Kernels k = k();
    if ((long) rows * n < PARALLEL_MIN_ELEMENTS) {
      k.softmax(x, n, 0, rows);
    } else {
      Parallel.forRange(rows, 2 * Parallel.threads(), (r0, r1) -> k.softmax(x, n, r0, r1));
    }
  }

  /** {@code acc[0, n) += b[0, n)}. */
  public static void add(float[] acc, float[] b, int n) {
    add(acc, 0, b, 0, n);
  }

  /** {@code acc[accOff, accOff + n) += b[bOff, bOff + n)}. */
  public static void add(float[] acc, int accOff, float[] b, int bOff, int n) {
    checkRange(acc, accOff, n);
    checkRange(b, bOff, n);
    k().add(acc, accOff, b, bOff, n);
  }

  /** {@code acc[0, n) *= b[0, n)} element-wise (e.g. SwiGLU's gate · up). */
  public static void mul(float[] acc, float[] b, int n) {
    checkRange(acc, 0, n);
    checkRange(b, 0, n);
    k().mul(acc, 0, b, 0, n);
  }

  /** {@code x[off, off + n) *= s}. */
  public static void scale(float[] x, int off, int n, float s) {
    checkRange(x, off, n);
    k().scale(x, off, n, s);
  }

  /** {@code x[off, off + n) = act(x)} in place. */
  public static void activate(float[] x, int off, int n, Activation act) {
    checkRange(x, off, n);
    k().activate(x, off, n, act);
  }

  /** {@code Σ a[aOff + i]·b[bOff + i]} for i in [0, n). */
  public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    checkRange(a, aOff, n);
    checkRange(b, bOff, n);
    return k().dot(a, aOff, b, bOff, n);
  }

  /** {@code x[off, off + n) /= max(||x||₂, 1e-12)}, like torch {@code F.normalize}. */
  public static void l2Normalize(float[] x, int off, int n) {
    checkRange(x, off, n);
    float norm = (float) Math.sqrt(k().sumOfSquares(x, off, n));
    float d = Math.max(norm, 1e-12f);
    for (int i = 0; i < n; i++) {
      x[off + i] /= d;
    }
  }

  private static void checkRows(String op, float[] x, float[] out, int rows, int dim) {
    long need = (long) rows * dim;
    if (rows < 0 || dim <= 0 || x.length < need || out.length < need) {
      throw new IllegalArgumentException(op + " on [" + rows + ", " + dim + "] needs " + need
          + " values, got x " + x.length + " and out " + out.length);
    }
  }

  private static void checkVec(String what, float[] v, int dim) {
    if (v != null && v.length != dim) {
      throw new IllegalArgumentException(what + " has " + v.length + " values, expected " + dim);
    }
  }

  private static void checkRange(float[] a, int off, int n) {
    if (off < 0 || n < 0 || (long) off + n > a.length) {
      throw new IllegalArgumentException(
          "range [" + off + ", " + ((long) off + n) + ") exceeds array of " + a.length);
    }
  }
}
