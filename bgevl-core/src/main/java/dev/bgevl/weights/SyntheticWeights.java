package dev.bgevl.weights;

import java.util.SplittableRandom;

/**
 * Seeded random weights of any requested shape, for benchmarks on full-size shapes without a
 * checkpoint. Matrices are fan-in scaled (std 1/√fan_in) so activations stay in a realistic range;
 * 1-D tensors named like norm weights are ones, other 1-D tensors small. The same name and seed
 * always give the same values.
 */
public final class SyntheticWeights implements TensorSource {
  private final long seed;

  public SyntheticWeights(long seed) {
    this.seed = seed;
  }

  @Override
  public float[] floats(String name, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] out = new float[Math.toIntExact(n)];
    SplittableRandom rnd = new SplittableRandom(seed ^ name.hashCode() * 0x9E3779B97F4A7C15L);
    boolean norm = shape.length == 1 && (name.contains("norm") || name.contains("layrnorm")) && name.endsWith(".weight");
    if (norm) {
      java.util.Arrays.fill(out, 1f);
      return out;
    }
    double std = shape.length >= 2 ? 1.0 / Math.sqrt(n / shape[0]) : 0.02;
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (rnd.nextGaussian() * std);
    }
    return out;
  }
}
