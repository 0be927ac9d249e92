package dev.bgevl.weights;

import dev.bgevl.tensor.RowSource;

/** Where a model's fp32 weights come from: a checkpoint ({@link Weights}) or synthetic values. */
public interface TensorSource {
  /** The tensor {@code name} as fp32, checked to have exactly {@code shape}. */
  float[] floats(String name, long... shape);

  /**
   * The tensor {@code name}, checked to have exactly {@code shape}, as rows of {@code shape[0]} by
   * the product of the other dimensions, read on demand (for packing a layer without a full fp32
   * copy). The default reads the whole tensor once through {@link #floats}.
   */
  default RowSource rows(String name, long... shape) {
    float[] all = floats(name, shape);
    long cols = 1;
    for (int i = 1; i < shape.length; i++) {
      cols *= shape[i];
    }
    return RowSource.of(all, Math.toIntExact(cols));
  }
}
