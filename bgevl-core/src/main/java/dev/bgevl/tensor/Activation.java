package dev.bgevl.tensor;

/**
 * Element-wise activations that {@link Linear#apply} fuses into its epilogue.
 *
 * <p>{@link #apply(float)} is the scalar reference: the scalar kernel provider uses it and the
 * vector provider is tested against it.
 */
public enum Activation {
  /** Identity. */
  NONE,
  /** {@code x * sigmoid(1.702 x)}: CLIP's {@code quick_gelu}. */
  QUICK_GELU,
  /** {@code x * 0.5 * (1 + erf(x / sqrt 2))}: the exact (erf) GELU, HF {@code gelu}. */
  GELU,
  /** {@code x * sigmoid(x)}: HF {@code silu}, Mistral's MLP gate. */
  SILU;

  /** The activation of one value, computed in double and rounded once (the scalar reference). */
  public float apply(float x) {
    return switch (this) {
      case NONE -> x;
      case QUICK_GELU -> (float) (x / (1.0 + Math.exp(-1.702 * x)));
      case GELU -> (float) (0.5 * x * (1.0 + erf(x / Math.sqrt(2.0))));
      case SILU -> (float) (x / (1.0 + Math.exp(-(double) x)));
    };
  }

  /**
   * erf in double, accurate to about 1e-15 absolute: the Maclaurin series below |x| = 2 (its
   * largest term is ~20 there, so cancellation costs under 2 of double's 16 digits), above it
   * erfc's continued fraction {@code e^-x² / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / ...)))}
   * evaluated bottom-up at a fixed depth that has converged for x >= 2.
   */
  static double erf(double x) {
    double ax = Math.abs(x);
    double r;
    if (ax < 2.0) {
      double x2 = ax * ax;
      double term = ax; // (-1)^n x^(2n+1) / n!
      double sum = ax;
      for (int n = 1; n < 100; n++) {
        term *= -x2 / n;
        double t = term / (2 * n + 1);
        sum += t;
        if (Math.abs(t) < 1e-17 * sum) {
          break;
        }
      }
      r = sum * (2.0 / Math.sqrt(Math.PI));
    } else {
      double f = ax;
      for (int n = 120; n >= 1; n--) {
        f = ax + (n * 0.5) / f;
      }
      r = 1.0 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
    }
    return x < 0 ? -r : r;
  }
}
