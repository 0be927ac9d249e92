package dev.bgevl.clip;

import dev.bgevl.weights.DType;
import dev.bgevl.weights.TensorSource;
import dev.bgevl.weights.Weights;
import java.nio.file.Path;

/**
 * A Hugging Face {@code CLIPModel} folder loaded for encoding: both towers with their projections.
 * Weights are read from the memory-mapped safetensors, converted to fp32 and packed for the
 * kernels once; the mapping is released when loading ends. Immutable and thread-safe.
 */
public final class ClipModel {
  private final ClipConfig config;
  private final ClipVisionModel vision;
  private final ClipTextModel text;
  private final DType storedDType;

  private ClipModel(ClipConfig config, ClipVisionModel vision, ClipTextModel text, DType storedDType) {
    this.config = config;
    this.vision = vision;
    this.text = text;
    this.storedDType = storedDType;
  }

  /** Loads {@code dir/config.json} and the weights beside it. */
  public static ClipModel load(Path dir) {
    ClipConfig config = ClipConfig.load(dir);
    Thread warmup = startWarmup(config);
    try (Weights w = Weights.open(dir)) {
      ClipVisionModel vision = new ClipVisionModel(w, config.vision(), config.projectionDim());
      ClipTextModel text = new ClipTextModel(w, config.text(), config.projectionDim());
      return new ClipModel(config, vision, text, w.dominantDType());
    } finally {
      awaitWarmup(warmup);
    }
  }

  /** Builds a model from any tensor source (e.g. {@link dev.bgevl.weights.SyntheticWeights}). */
  public static ClipModel create(ClipConfig config, TensorSource source) {
    Thread warmup = startWarmup(config);
    try {
      return new ClipModel(config, new ClipVisionModel(source, config.vision(), config.projectionDim()),
          new ClipTextModel(source, config.text(), config.projectionDim()), DType.F32);
    } finally {
      awaitWarmup(warmup);
    }
  }

  /**
   * The first load in a JVM compiles the kernels on a second thread while the weights load (see
   * {@link ClipWarmup}); {@code -Dbgevl.warmup=false} turns it off.
   */
  private static Thread startWarmup(ClipConfig config) {
    return Boolean.parseBoolean(System.getProperty("bgevl.warmup", "true")) ? ClipWarmup.start(config) : null;
  }

  private static void awaitWarmup(Thread warmup) {
    if (warmup == null) {
      return;
    }
    try {
      warmup.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public ClipConfig config() {
    return config;
  }

  public ClipVisionModel vision() {
    return vision;
  }

  public ClipTextModel text() {
    return text;
  }

  /** The dtype the checkpoint stores its weights in (computation is always fp32). */
  public DType storedDType() {
    return storedDType;
  }

  /** Parameters used by the encoders (excludes {@code logit_scale}). */
  public long parameterCount() {
    return vision.parameterCount() + text.parameterCount();
  }

  public int dim() {
    return config.projectionDim();
  }

  static float[][] split(float[] flat, int rows, int cols) {
    float[][] out = new float[rows][cols];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(flat, r * cols, out[r], 0, cols);
    }
    return out;
  }
}
