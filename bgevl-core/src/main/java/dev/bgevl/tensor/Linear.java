package dev.bgevl.tensor;

/**
 * A fully connected layer {@code y = x·Wᵀ + b} with {@code W} laid out {@code [out, in]} like
 * {@code nn.Linear}, its weights packed once into the kernels' column-panel layout.
 *
 * <p>Results are batch invariant: row {@code i} of the output is bit-identical whether {@code x}
 * holds 1 row or 1000, and whatever the thread count (see {@link Kernels} for the operation order).
 *
 * <p>Thread-safe: a packed layer is immutable and may be applied from many threads at once.
 */
public final class Linear {

  /** Work below this many multiply-adds runs on the calling thread: waking workers costs more. */
  private static final long PARALLEL_MIN_FMAS = 1L << 17;

  private final Kernels kernels;
  private final int outFeatures;
  private final int inFeatures;
  private final int panelWidth;
  private final int panels;
  // [panels][in][panelWidth]: packed[(p * in + k) * panelWidth + c] = W[p * panelWidth + c, k]
  private final float[] packed;
  private final float[] bias; // [out] or null

  private Linear(Kernels kernels, float[] packed, float[] bias, int outFeatures, int inFeatures) {
    this.kernels = kernels;
    this.packed = packed;
    this.bias = bias;
    this.outFeatures = outFeatures;
    this.inFeatures = inFeatures;
    this.panelWidth = kernels.panelWidth();
    this.panels = (outFeatures + panelWidth - 1) / panelWidth;
  }

  /**
   * Packs {@code weight [outFeatures, inFeatures]} (row-major, as stored by nn.Linear) and copies
   * {@code bias [outFeatures]} (nullable). The arrays are not retained.
   */
  public static Linear pack(float[] weight, float[] bias, int outFeatures, int inFeatures) {
    if (outFeatures <= 0 || inFeatures <= 0) {
      throw new IllegalArgumentException(
          "Linear shape [" + outFeatures + ", " + inFeatures + "] must be positive");
    }
    if (weight.length != (long) outFeatures * inFeatures) {
      throw new IllegalArgumentException("Linear weight has " + weight.length
          + " values, expected [" + outFeatures + ", " + inFeatures + "] = "
          + (long) outFeatures * inFeatures);
    }
    if (bias != null && bias.length != outFeatures) {
      throw new IllegalArgumentException(
          "Linear bias has " + bias.length + " values, expected " + outFeatures);
    }
    Kernels kernels = Kernels.get();
    int pw = kernels.panelWidth();
    int panels = (outFeatures + pw - 1) / pw;
    long size = (long) panels * pw * inFeatures;
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("Linear [" + outFeatures + ", " + inFeatures
          + "] is too large for one Java array");
    }
    float[] packed = packPanels(weight, outFeatures, inFeatures, pw);
    return new Linear(kernels, packed, bias == null ? null : bias.clone(), outFeatures, inFeatures);
  }

  /** W [out, in] → panels [ceil(out / pw)][in][pw], zero-padded (for tests and benchmarks too). */
  static float[] packPanels(float[] weight, int outFeatures, int inFeatures, int pw) {
    int panels = (outFeatures + pw - 1) / pw;
    float[] packed = new float[panels * pw * inFeatures];
    Parallel.forRange(panels, Math.min(panels, Parallel.threads()), (p0, p1) -> {
      for (int p = p0; p < p1; p++) {
        int cols = Math.min(pw, outFeatures - p * pw);
        int base = p * inFeatures * pw;
        for (int c = 0; c < cols; c++) {
          int src = (p * pw + c) * inFeatures;
          for (int k = 0; k < inFeatures; k++) {
            packed[base + k * pw + c] = weight[src + k];
          }
        }
      }
    });
    return packed;
  }

  public int inFeatures() {
    return inFeatures;
  }

  public int outFeatures() {
    return outFeatures;
  }

  /** {@code y[rows, out] = act(x[rows, in]·Wᵀ + b)}. */
  public void apply(float[] x, int rows, float[] y, Activation act) {
    run(x, rows, y, act, false);
  }

  /** {@code y[rows, out] += x[rows, in]·Wᵀ + b}: the residual connection fused into the store. */
  public void applyAdd(float[] x, int rows, float[] y) {
    run(x, rows, y, Activation.NONE, true);
  }

  private void run(float[] x, int rows, float[] y, Activation act, boolean add) {
    if (rows < 0 || x.length < (long) rows * inFeatures || y.length < (long) rows * outFeatures) {
      throw new IllegalArgumentException("Linear [" + outFeatures + ", " + inFeatures + "] on "
          + rows + " rows needs x >= " + (long) rows * inFeatures + " and y >= "
          + (long) rows * outFeatures + " values, got " + x.length + " and " + y.length);
    }
    if (rows == 0) {
      return;
    }
    long fmas = (long) rows * inFeatures * outFeatures;
    int threads = Parallel.threads();
    if (fmas < PARALLEL_MIN_FMAS || threads == 1) {
      kernels.gemm(x, inFeatures, packed, panelWidth, outFeatures, bias, y, act, add, 0, rows, 0,
          panels);
      return;
    }
    // Tasks: contiguous panel ranges × row blocks of whole 6-row tiles. About 4 tasks per thread
    // so that a thread slowed by other load leaves its share to the others. The split changes
    // only who computes an output, never how.
    int target = 4 * threads;
    int panelChunks = Math.min(panels, target);
    int rowTiles = (rows + 5) / 6;
    int rowChunks = Math.min(rowTiles, Math.max(1, (target + panelChunks - 1) / panelChunks));
    int tasks = panelChunks * rowChunks;
    Parallel.forEach(tasks, t -> {
      int pc = t % panelChunks;
      int rc = t / panelChunks;
      int p0 = (int) ((long) panels * pc / panelChunks);
      int p1 = (int) ((long) panels * (pc + 1) / panelChunks);
      int r0 = Math.min(rows, (int) ((long) rowTiles * rc / rowChunks) * 6);
      int r1 = Math.min(rows, (int) ((long) rowTiles * (rc + 1) / rowChunks) * 6);
      kernels.gemm(x, inFeatures, packed, panelWidth, outFeatures, bias, y, act, add, r0, r1, p0,
          p1);
    });
  }
}
