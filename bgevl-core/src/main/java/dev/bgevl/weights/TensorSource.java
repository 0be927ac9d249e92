package dev.bgevl.weights;

/** Where a model's fp32 weights come from: a checkpoint ({@link Weights}) or synthetic values. */
public interface TensorSource {
  /** The tensor {@code name} as fp32, checked to have exactly {@code shape}. */
  float[] floats(String name, long... shape);
}
