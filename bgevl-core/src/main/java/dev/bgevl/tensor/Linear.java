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

  /** The most input (x) bytes one GEMM task sweeps per weight panel group: fits a shared L3. */
  private static final int X_BLOCK_BYTES = 2 << 20;

  private final Kernels kernels;
  private final int outFeatures;
  private final int inFeatures;
  private final int panelWidth;
  private final int panels;
  // [panels][in][panelWidth]: packed[(p * in + k) * panelWidth + c] = W[p * panelWidth + c, k]
  private final float[] packed; // F32 weights, else null
  // the same layout with 16-bit weights (F16/BF16), else null
  private final short[] packed16;
  private final WeightFormat format;
  private final float[] bias; // [out] or null

  private Linear(Kernels kernels, float[] packed, short[] packed16, WeightFormat format,
      float[] bias, int outFeatures, int inFeatures) {
    this.kernels = kernels;
    this.packed = packed;
    this.packed16 = packed16;
    this.format = format;
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
    return pack(weight, bias, outFeatures, inFeatures, WeightFormat.F32);
  }

  /**
   * Like {@link #pack(float[], float[], int, int)}, storing the weights in {@code format}: F16 and
   * BF16 round each weight to nearest-even (exact for weights that came from such a checkpoint)
   * and halve the memory; inputs, bias, products and sums stay fp32. F16 rejects weights beyond
   * its range (|w| > 65504) rather than turning them into infinities.
   */
  public static Linear pack(float[] weight, float[] bias, int outFeatures, int inFeatures,
      WeightFormat format) {
    if (outFeatures > 0 && inFeatures > 0 && weight.length != (long) outFeatures * inFeatures) {
      throw new IllegalArgumentException("Linear weight has " + weight.length
          + " values, expected [" + outFeatures + ", " + inFeatures + "] = "
          + (long) outFeatures * inFeatures);
    }
    return pack(RowSource.of(weight, inFeatures), bias, outFeatures, inFeatures, format);
  }

  /**
   * Like {@link #pack(float[], float[], int, int, WeightFormat)}, reading the weight rows from
   * {@code weight} one panel at a time: no full fp32 copy of the matrix is ever made.
   */
  public static Linear pack(RowSource weight, float[] bias, int outFeatures, int inFeatures,
      WeightFormat format) {
    if (outFeatures <= 0 || inFeatures <= 0) {
      throw new IllegalArgumentException(
          "Linear shape [" + outFeatures + ", " + inFeatures + "] must be positive");
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
    float[] b = bias == null ? null : bias.clone();
    if (format == WeightFormat.F32) {
      return new Linear(kernels, packPanels(weight, outFeatures, inFeatures, pw), null, format, b,
          outFeatures, inFeatures);
    }
    return new Linear(kernels, null, packPanels16(weight, outFeatures, inFeatures, pw, format),
        format, b, outFeatures, inFeatures);
  }

  /** W [out, in] → panels [ceil(out / pw)][in][pw], zero-padded (for tests and benchmarks too). */
  static float[] packPanels(float[] weight, int outFeatures, int inFeatures, int pw) {
    return packPanels(RowSource.of(weight, inFeatures), outFeatures, inFeatures, pw);
  }

  static float[] packPanels(RowSource weight, int outFeatures, int inFeatures, int pw) {
    int panels = (outFeatures + pw - 1) / pw;
    float[] packed = new float[panels * pw * inFeatures];
    Parallel.forRange(panels, Math.min(panels, Parallel.threads()), (p0, p1) -> {
      float[] rows = new float[pw * inFeatures];
      for (int p = p0; p < p1; p++) {
        int cols = Math.min(pw, outFeatures - p * pw);
        weight.read(p * pw, cols, rows);
        int base = p * inFeatures * pw;
        for (int c = 0; c < cols; c++) {
          int src = c * inFeatures;
          for (int k = 0; k < inFeatures; k++) {
            packed[base + k * pw + c] = rows[src + k];
          }
        }
      }
    });
    return packed;
  }

  /**
   * {@link #packPanels} into 16-bit patterns of {@code format}; refuses non-finite weights and, for
   * F16, weights beyond its range (|w| > 65504) rather than turning them into infinities.
   */
  static short[] packPanels16(float[] weight, int outFeatures, int inFeatures, int pw,
      WeightFormat format) {
    return packPanels16(RowSource.of(weight, inFeatures), outFeatures, inFeatures, pw, format);
  }

  static short[] packPanels16(RowSource weight, int outFeatures, int inFeatures, int pw,
      WeightFormat format) {
    int panels = (outFeatures + pw - 1) / pw;
    short[] packed = new short[panels * pw * inFeatures];
    Parallel.forRange(panels, Math.min(panels, Parallel.threads()), (p0, p1) -> {
      float[] rows = new float[pw * inFeatures];
      for (int p = p0; p < p1; p++) {
        int cols = Math.min(pw, outFeatures - p * pw);
        weight.read(p * pw, cols, rows);
        int base = p * inFeatures * pw;
        for (int c = 0; c < cols; c++) {
          int src = c * inFeatures;
          for (int k = 0; k < inFeatures; k++) {
            float v = rows[src + k];
            if (!Float.isFinite(v) || (format == WeightFormat.F16 && Math.abs(v) > 65504f)) {
              throw new IllegalArgumentException("Linear weight [" + (p * pw + c) + ", " + k + "] = "
                  + v + " cannot be stored as " + format);
            }
            packed[base + k * pw + c] = format.encode(v);
          }
        }
      }
    });
    return packed;
  }

  /** Bytes held by the packed weights and bias (panel padding included). */
  public long weightBytes() {
    long w = packed != null ? 4L * packed.length : 2L * packed16.length;
    return w + (bias == null ? 0 : 4L * bias.length);
  }

  /** How the weights are stored. */
  public WeightFormat weightFormat() {
    return format;
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
    // Tasks: contiguous panel ranges × row blocks of whole 6-row tiles. Row blocks keep the part
    // of x one task sweeps (rows × in floats) within ~2 MiB, so it is re-read from cache, not
    // DRAM, for each weight panel group, however many rows the call has. At least ~4 tasks per
    // thread, so a thread slowed by other load leaves its share to the others. The split changes
    // only who computes an output, never how.
    int target = 4 * threads;
    int rowTiles = (rows + 5) / 6;
    int tilesPerBlock = Math.max(1, (X_BLOCK_BYTES / (inFeatures * Float.BYTES)) / 6);
    int minRowChunks = (rowTiles + tilesPerBlock - 1) / tilesPerBlock;
    int panelChunks = Math.min(panels, Math.max(1, (target + minRowChunks - 1) / minRowChunks));
    int rowChunks = Math.min(rowTiles,
        Math.max(minRowChunks, (target + panelChunks - 1) / panelChunks));
    int tasks = panelChunks * rowChunks;
    Parallel.Task task = t -> {
      int pc = t % panelChunks;
      int rc = t / panelChunks;
      int p0 = (int) ((long) panels * pc / panelChunks);
      int p1 = (int) ((long) panels * (pc + 1) / panelChunks);
      int r0 = Math.min(rows, (int) ((long) rowTiles * rc / rowChunks) * 6);
      int r1 = Math.min(rows, (int) ((long) rowTiles * (rc + 1) / rowChunks) * 6);
      if (packed != null) {
        kernels.gemm(x, inFeatures, packed, panelWidth, outFeatures, bias, y, act, add, r0, r1,
            p0, p1);
      } else {
        kernels.gemm16(x, inFeatures, packed16, format, panelWidth, outFeatures, bias, y, act, add,
            r0, r1, p0, p1);
      }
    };
    if (fmas < PARALLEL_MIN_FMAS || threads == 1) {
      for (int t = 0; t < tasks; t++) {
        task.run(t);
      }
    } else {
      Parallel.forEach(tasks, task);
    }
  }
}
