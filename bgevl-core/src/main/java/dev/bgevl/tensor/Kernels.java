package dev.bgevl.tensor;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The kernel provider interface behind {@link Linear}, {@link Ops} and {@link Attention}: one
 * scalar reference ({@link ScalarKernels}) and one Vector API implementation ({@code
 * VectorKernels}), chosen once per JVM by {@code -Dbgevl.kernels=vector|scalar} (default: vector
 * when the {@code jdk.incubator.vector} module is present, with a warning naming the flag that
 * fixes it when it is not).
 *
 * <p>The facades do the parallel splitting; providers compute one piece. Every method is
 * single-threaded and writes only the output range it is given.
 *
 * <p>GEMM contract shared by both providers, which is what makes results independent of the row
 * count, the tiling and the thread split: output {@code y[i, j]} is the fused multiply-add chain
 * {@code acc = 0; for k in 0..K-1: acc = fma(x[i, k], W[j, k], acc)} in increasing k, then {@code
 * acc + bias[j]}, then the activation or the residual add. The two providers therefore agree bit
 * for bit before the activation.
 */
interface Kernels {

  /** {@code scalar} or {@code vector}. */
  String name();

  /**
   * Column-panel width of packed weights: packed[p][k][c] holds W[p * width + c, k], zero-padded
   * to a whole number of panels.
   */
  int panelWidth();

  /**
   * {@code y[i, j] = act(x[i, :]·W[j, :] + bias[j])} (or {@code y[i, j] += x·W + bias} when {@code
   * add}) for rows {@code [rowStart, rowEnd)} and panels {@code [panelStart, panelEnd)}.
   */
  void gemm(float[] x, int k, float[] packed, int panelWidth, int n, float[] bias, float[] y,
      Activation act, boolean add, int rowStart, int rowEnd, int panelStart, int panelEnd);

  /**
   * {@link #gemm} with 16-bit packed weights ({@link WeightFormat#F16} or {@link
   * WeightFormat#BF16}), each widened exactly to fp32 before its fma: the same chain as fp32
   * weights holding the same values.
   */
  void gemm16(float[] x, int k, short[] packed, WeightFormat format, int panelWidth, int n,
      float[] bias, float[] y, Activation act, boolean add, int rowStart, int rowEnd,
      int panelStart, int panelEnd);

  /** LayerNorm (biased variance) of rows {@code [rowStart, rowEnd)}. */
  void layerNorm(float[] x, float[] out, int dim, float[] gamma, float[] beta, float eps,
      int rowStart, int rowEnd);

  /** RMSNorm ({@code x / sqrt(mean(x²) + eps) * weight}) of rows {@code [rowStart, rowEnd)}. */
  void rmsNorm(float[] x, float[] out, int dim, float[] weight, float eps, int rowStart, int rowEnd);

  void add(float[] acc, int accOff, float[] b, int bOff, int n);

  void mul(float[] acc, int accOff, float[] b, int bOff, int n);

  void scale(float[] x, int off, int n, float s);

  void activate(float[] x, int off, int n, Activation act);

  float dot(float[] a, int aOff, float[] b, int bOff, int n);

  float sumOfSquares(float[] a, int off, int n);

  /** Softmax in place over each of rows {@code [rowStart, rowEnd)} of width {@code n}. */
  void softmax(float[] x, int n, int rowStart, int rowEnd);

  /**
   * Attention of one (batch item, head) pair; see {@link Attention#attention}. Row i of the head's
   * q starts at {@code q[qo + i·qs]} (headDim values), likewise k, v and out; {@code valid} is
   * the number of leading keys that are not padding. Per query: scores = fma chain over d of
   * (q·scale)·k, softmax over the visible keys, then Σ_j p_j·v_j. Only queries {@code [qBegin,
   * qEnd)} are computed (each with exactly the operations it gets when all are), and only their out
   * rows are written.
   */
  void attentionHead(float[] q, int qo, int qs, float[] k, int ko, int ks, float[] v, int vo,
      int vs, int seq, int qBegin, int qEnd, int headDim, float scale, boolean causal, int valid,
      float[] out, int oo, int os);

  /** The provider this JVM uses. */
  static Kernels get() {
    return Holder.INSTANCE;
  }

  /** Lazy holder, so that choosing scalar never loads a class that links the Vector API. */
  final class Holder {
    static final Logger LOG = Logger.getLogger("dev.bgevl.tensor");
    static final Kernels INSTANCE = choose(System.getProperty("bgevl.kernels", "auto"));

    private Holder() {}

    static Kernels choose(String wanted) {
      String w = wanted.trim().toLowerCase(java.util.Locale.ROOT);
      boolean vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
      switch (w) {
        case "scalar":
          LOG.info("bgevl kernels: scalar (-Dbgevl.kernels=scalar)");
          return new ScalarKernels();
        case "vector":
          if (!vectorModule) {
            throw new IllegalStateException("-Dbgevl.kernels=vector but the jdk.incubator.vector"
                + " module is not loaded: run java with --add-modules jdk.incubator.vector");
          }
          return loadVector();
        case "auto":
        case "":
          if (!vectorModule) {
            LOG.warning("bgevl kernels: SCALAR fallback, many times slower: the jdk.incubator.vector"
                + " module is not loaded; run java with --add-modules jdk.incubator.vector");
            return new ScalarKernels();
          }
          return loadVector();
        default:
          throw new IllegalArgumentException(
              "-Dbgevl.kernels=" + wanted + " is not one of: auto, vector, scalar");
      }
    }

    private static Kernels loadVector() {
      try {
        Kernels k = (Kernels) Class.forName("dev.bgevl.tensor.VectorKernels")
            .getDeclaredConstructor().newInstance();
        LOG.fine(() -> "bgevl kernels: " + k.name());
        return k;
      } catch (ReflectiveOperationException | LinkageError e) {
        LOG.log(Level.WARNING, "bgevl kernels: SCALAR fallback, many times slower: the Vector API"
            + " provider failed to load (" + e + "); run java with --add-modules"
            + " jdk.incubator.vector", e);
        return new ScalarKernels();
      }
    }
  }
}
