package dev.bgevl.llava;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Packed GQA attention vs a naive float64 reference, with and without a sliding window. */
class GqaAttentionTest {
  @Test
  void matchesNaiveReference() {
    int heads = 4;
    int kvHeads = 2;
    int hd = 8;
    int[] lengths = {7, 1, 13};
    int[] starts = {0, 7, 8};
    int rows = 21;
    int qDim = heads * hd;
    int width = qDim + 2 * kvHeads * hd;
    SplittableRandom rnd = new SplittableRandom(7);
    float[] qkv = new float[rows * width];
    for (int i = 0; i < qkv.length; i++) qkv[i] = (float) rnd.nextGaussian();
    for (int window : new int[] {0, 3}) {
      float[] out = new float[rows * qDim];
      GqaAttention.apply(qkv, starts, lengths, heads, kvHeads, hd, window, out);
      for (int s = 0; s < lengths.length; s++) {
        for (int i = 0; i < lengths[s]; i++) {
          for (int h = 0; h < heads; h++) {
            int kvh = h / (heads / kvHeads);
            double[] w = new double[lengths[s]];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
              if (window > 0 && i - j >= window) {
                w[j] = Double.NEGATIVE_INFINITY;
                continue;
              }
              double d = 0;
              for (int c = 0; c < hd; c++) {
                d += (double) qkv[(starts[s] + i) * width + h * hd + c] * qkv[(starts[s] + j) * width + qDim + kvh * hd + c];
              }
              w[j] = d / Math.sqrt(hd);
              max = Math.max(max, w[j]);
            }
            double sum = 0;
            for (int j = 0; j <= i; j++) {
              w[j] = Math.exp(w[j] - max);
              sum += w[j];
            }
            for (int c = 0; c < hd; c++) {
              double o = 0;
              for (int j = 0; j <= i; j++) {
                o += w[j] / sum * qkv[(starts[s] + j) * width + qDim + kvHeads * hd + kvh * hd + c];
              }
              assertEquals(o, out[(starts[s] + i) * qDim + h * hd + c], 1e-5,
                  "window " + window + " seq " + s + " query " + i + " head " + h + " dim " + c);
            }
          }
        }
      }
    }
  }
}
