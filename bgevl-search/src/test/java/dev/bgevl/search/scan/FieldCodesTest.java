package dev.bgevl.search.scan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.apache.lucene.store.ByteBuffersDataInput;
import org.apache.lucene.store.ByteBuffersDataOutput;
import org.junit.jupiter.api.Test;

/** The rotation, the two code estimators and the candidate selection, against exact arithmetic. */
class FieldCodesTest {
  static float[] gaussian(Random r, int dim, float scale, float[] mean) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) v[i] = (float) r.nextGaussian() * scale + (mean == null ? 0 : mean[i]);
    return v;
  }

  static float[] unit(float[] v) {
    double n = 0;
    for (float x : v) n += x * x;
    float[] u = v.clone();
    for (int i = 0; i < u.length; i++) u[i] /= (float) Math.sqrt(n);
    return u;
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < Math.min(a.length, b.length); i++) s += (double) a[i] * b[i];
    return s;
  }

  /** Orthonormal: norms and dot products survive (to float rounding after 2 x log2(D) butterfly stages). */
  @Test
  void theRotationPreservesDotProducts() {
    Random r = new Random(1);
    for (int dim : new int[] {1, 3, 100, 128, 512, 768}) {
      Rotation rot = new Rotation(dim, 7);
      assertEquals(Math.max(128, Integer.highestOneBit(Math.max(1, dim - 1)) << 1), rot.padded());
      float[] a = gaussian(r, dim, 1, null);
      float[] b = gaussian(r, dim, 1, null);
      float[] ra = new float[rot.padded()];
      float[] rb = new float[rot.padded()];
      rot.apply(a, null, ra);
      rot.apply(b, null, rb);
      assertEquals(dot(a, a), dot(ra, ra), 1e-5 * dot(a, a), "norm, dim " + dim);
      assertEquals(dot(a, b), dot(ra, rb), 1e-5 * Math.sqrt(dot(a, a) * dot(b, b)), "dot, dim " + dim);
      // and it mixes: a basis vector's energy is spread over the coordinates (one round alone would
      // give exactly 1/sqrt(D) each; two give a random-looking unit vector)
      float[] e = new float[dim];
      e[dim - 1] = 1;
      rot.apply(e, null, ra);
      for (float x : ra) assertTrue(Math.abs(x) < 5 / Math.sqrt(rot.padded()), "dim " + dim + ": " + x);
    }
    assertEquals(128, Rotation.paddedDim(100));
    assertEquals(512, Rotation.paddedDim(512));
    assertEquals(1024, Rotation.paddedDim(513));
    assertEquals(4096, Rotation.paddedDim(4096));
  }

  /**
   * Clustered data (a shared mean, as real embeddings have) and random queries. The four-bit estimate
   * has an RMS error under 0.005 and a worst case under 0.03 over 60,000 pairs (rounding a 512-d unit
   * vector to 16 levels: error std ≈ step / sqrt(12) per coordinate, a few thousandths on the dot
   * product, times the residual's norm); the one-bit estimate is unbiased
   * (mean error < 0.003 over 60,000 pairs) with an RMS error under 0.03 (theory for sign codes of
   * rotated data: sqrt(pi/2 - 1) / sqrt(D) ≈ 0.033 of the residual's norm, here ~0.6).
   */
  @Test
  void theEstimatesFollowTheExactDotProducts() {
    Random r = new Random(2);
    int dim = 512;
    int n = 3000;
    float[] mean = gaussian(r, dim, 1, null);
    float[][] data = new float[n][];
    for (int i = 0; i < n; i++) data[i] = unit(gaussian(r, dim, 0.8f, mean));
    FieldCodes c = FieldCodes.encode(0, dim, n, 11, i -> data[i]);
    double sumErr = 0;
    double sumSq = 0;
    double maxNib = 0;
    double sumSqNib = 0;
    int pairs = 0;
    for (int t = 0; t < 20; t++) {
      float[] q = unit(gaussian(r, dim, 1, t % 2 == 0 ? mean : null));
      CodeScan scan = new CodeScan(c, q);
      float[] est = new float[FieldCodes.blocks(n) * FieldCodes.BLOCK];
      scan.bitEstimates(est);
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      float[] est4 = new float[n];
      scan.nibbleEstimates(all, n, est4);
      for (int i = 0; i < n; i++) {
        double exact = dot(data[i], q);
        sumErr += est[i] - exact;
        sumSq += (est[i] - exact) * (est[i] - exact);
        maxNib = Math.max(maxNib, Math.abs(est4[i] - exact));
        sumSqNib += (est4[i] - exact) * (est4[i] - exact);
        assertEquals(est4[i], scan.nibbleEstimate(i), 1e-5f, "the 4-at-a-time and single kernels agree");
        pairs++;
      }
    }
    double bias = sumErr / pairs;
    double rms = Math.sqrt(sumSq / pairs);
    assertTrue(Math.abs(bias) < 0.003, "one-bit bias " + bias);
    assertTrue(rms < 0.03 && rms > 0.001, "one-bit RMS error " + rms);
    double rmsNib = Math.sqrt(sumSqNib / pairs);
    assertTrue(rmsNib < 0.005 && rmsNib < rms / 4, "four-bit RMS error " + rmsNib);
    assertTrue(maxNib < 0.03, "four-bit max error " + maxNib);
  }

  @Test
  void aVectorEqualToTheCentroidEstimatesExactly() {
    float[] v = {0.6f, 0.8f, 0f};
    FieldCodes c = FieldCodes.encode(0, 3, 1, 1, i -> v);
    float[] q = {1f, 0.5f, -2f};
    CodeScan scan = new CodeScan(c, q);
    float[] est = new float[8];
    scan.bitEstimates(est);
    assertEquals(1.0f, est[0], 1e-6f);
    assertEquals(1.0f, scan.nibbleEstimate(0), 1e-6f);
  }

  @Test
  void aSegmentTooLargeForTheCodeArraysIsOneLine() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> FieldCodes.encode(0, 4096, 5_000_000, 1, i -> { throw new AssertionError("no vector is read"); }));
    assertEquals("5000000 vectors of 4096 dims are too many for one segment's codes (at most 4194303); "
        + "let the merge policy keep segments smaller", e.getMessage());
  }

  @Test
  void codesSurviveAWriteAndRead() throws Exception {
    Random r = new Random(3);
    float[][] data = new float[37][];
    for (int i = 0; i < data.length; i++) data[i] = unit(gaussian(r, 200, 1, null));
    FieldCodes c = FieldCodes.encode(5, 200, data.length, 9, i -> data[i]);
    ByteBuffersDataOutput out = new ByteBuffersDataOutput();
    c.write(out);
    ByteBuffersDataInput in = out.toDataInput();
    assertEquals(5, in.readInt());
    FieldCodes back = FieldCodes.read(in, 5);
    assertEquals(out.size(), in.position(), "everything written was read");
    assertEquals(c.count, back.count);
    assertEquals(c.seed, back.seed);
    assertArrayEquals(c.centroid, back.centroid);
    assertArrayEquals(c.bits, back.bits);
    assertArrayEquals(c.bitScale, back.bitScale);
    assertArrayEquals(c.bitCount, back.bitCount);
    assertArrayEquals(c.nibbles, back.nibbles);
    assertArrayEquals(c.norm, back.norm);
    assertArrayEquals(c.lo, back.lo);
    assertArrayEquals(c.step, back.step);
  }

  /** Selection: at least keep positions, none excluded, and nothing left out beats anything taken. */
  @Test
  void topKeepsTheLargestValues() {
    Random r = new Random(4);
    for (int n : new int[] {1, 7, 100, 20_000, 100_000}) {
      for (int keep : new int[] {1, 10, 500, 5000}) {
        for (int variant = 0; variant < 3; variant++) {
          float[] est = new float[n];
          for (int i = 0; i < n; i++) {
            est[i] = switch (variant) {
              case 0 -> (float) r.nextGaussian();
              case 1 -> r.nextInt(5); // heavy ties
              default -> r.nextInt(3) == 0 ? Float.NEGATIVE_INFINITY : (float) r.nextGaussian(); // a filter
            };
          }
          int finite = (int) java.util.stream.IntStream.range(0, n).filter(i -> est[i] != Float.NEGATIVE_INFINITY).count();
          int[] top = ScanSearch.top(est, n, keep);
          assertTrue(top.length >= Math.min(keep, finite), n + "/" + keep + "/" + variant + ": " + top.length);
          boolean[] taken = new boolean[n];
          float minTaken = Float.POSITIVE_INFINITY;
          for (int i : top) {
            assertTrue(est[i] != Float.NEGATIVE_INFINITY);
            taken[i] = true;
            minTaken = Math.min(minTaken, est[i]);
          }
          for (int i = 0; i < n; i++) {
            if (!taken[i] && est[i] != Float.NEGATIVE_INFINITY) assertTrue(est[i] <= minTaken, "left out " + est[i] + " > " + minTaken);
          }
          if (variant == 0 && n >= 20_000 && keep >= 500) assertTrue(top.length < keep * 1.5, "aims near keep: " + top.length);
        }
      }
    }
  }
}
