package dev.bgevl.search;

import java.util.Random;

/** Seeded random unit vectors for index tests. */
final class Vectors {
  private Vectors() {}

  static float[] unit(Random r, int dim) {
    float[] v = new float[dim];
    double n = 0;
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
      n += v[i] * v[i];
    }
    n = Math.sqrt(n);
    for (int i = 0; i < dim; i++) v[i] /= (float) n;
    return v;
  }

  static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }
}
