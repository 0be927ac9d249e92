package dev.bgevl.llava;

import dev.bgevl.tensor.Parallel;

/**
 * Rotary position embeddings as transformers 4.45's Llama/Mistral (rotate-half, non-interleaved):
 * {@code inv_freq[i] = 1 / θ^(2i/d)} in fp32, angle = pos·inv_freq[i] in fp32 (used for both
 * halves), {@code x' = x·cos + rotate_half(x)·sin} with {@code rotate_half([a, b]) = [−b, a]}.
 */
final class Rope {
  private final int headDim;
  private final int half;
  private final float[] invFreq;   // [headDim / 2]

  Rope(int headDim, double theta) {
    this.headDim = headDim;
    this.half = headDim / 2;
    this.invFreq = new float[half];
    float base = (float) theta;
    for (int i = 0; i < half; i++) {
      float exponent = (float) (2 * i) / headDim;           // torch: arange(0, d, 2).float() / d
      invFreq[i] = 1f / (float) Math.pow(base, exponent);    // fp32 pow, then fp32 reciprocal
    }
  }

  float[] invFreq() {
    return invFreq.clone();
  }

  /** cos and sin tables for positions [0, n): [n, headDim / 2] each. */
  float[][] tables(int n) {
    float[] cos = new float[n * half];
    float[] sin = new float[n * half];
    for (int p = 0; p < n; p++) {
      for (int i = 0; i < half; i++) {
        float angle = (float) p * invFreq[i];
        cos[p * half + i] = (float) Math.cos(angle);
        sin[p * half + i] = (float) Math.sin(angle);
      }
    }
    return new float[][] {cos, sin};
  }

  /**
   * Rotates {@code heads} consecutive heads starting at column {@code col} of every row of
   * {@code x [rows, width]}; row r has position {@code positions[r]}.
   */
  void apply(float[] x, int rows, int width, int col, int heads, int[] positions, float[][] tables) {
    float[] cos = tables[0];
    float[] sin = tables[1];
    Parallel.forRange(rows, Math.min(rows, 4 * Parallel.threads()), (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        int t = positions[r] * half;
        for (int h = 0; h < heads; h++) {
          int o = r * width + col + h * headDim;
          for (int i = 0; i < half; i++) {
            float a = x[o + i];
            float b = x[o + half + i];
            float c = cos[t + i];
            float s = sin[t + i];
            x[o + i] = a * c + (-b) * s;
            x[o + half + i] = b * c + a * s;
          }
        }
      }
    });
  }
}
