package dev.bgevl.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgevl.tensor.RowSource;
import dev.bgevl.testing.Fixtures;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Reading a tensor a few rows at a time gives exactly what a full fp32 copy gives, in every dtype. */
class RowReadTest {

  @Test
  void rowsEqualFullCopyForEveryMatrixAndDtype() {
    int checked = 0;
    for (String model : new String[] {"clip-tiny", "clip-tiny-f16", "clip-tiny-bf16"}) {
      try (Weights w = Weights.open(Fixtures.model(model))) {
        for (TensorInfo t : w.tensors().values()) {
          if (t.shape().length < 2 || !t.dtype().isFloatWeight()) {
            continue;
          }
          float[] all = w.floats(t.name(), t.shape());
          int rows = (int) t.shape()[0];
          int cols = all.length / rows;
          RowSource src = w.rows(t.name(), t.shape());
          float[] got = new float[all.length];
          float[] buf = new float[3 * cols];
          // uneven chunks of 3 rows, the last one shorter, read out of order
          for (int r0 = ((rows - 1) / 3) * 3; r0 >= 0; r0 -= 3) {
            int n = Math.min(3, rows - r0);
            src.read(r0, n, buf);
            System.arraycopy(buf, 0, got, r0 * cols, n * cols);
          }
          assertArrayEquals(all, got, model + " " + t.name());
          checked++;
        }
      }
    }
    assertTrue(checked > 30, "checked " + checked + " matrices");
  }

  @Test
  void stackReadsAcrossPartBoundaries() {
    int cols = 3;
    float[] a = {1, 2, 3, 4, 5, 6}; // 2 rows
    float[] b = {7, 8, 9}; // 1 row
    float[] c = {10, 11, 12, 13, 14, 15, 16, 17, 18}; // 3 rows
    RowSource s = RowSource.stack(cols, new RowSource[] {RowSource.of(a, cols), RowSource.of(b, cols),
        RowSource.of(c, cols)}, new int[] {2, 1, 3});
    float[] whole = new float[18];
    for (int i = 0; i < 18; i++) {
      whole[i] = i + 1;
    }
    for (int r0 = 0; r0 < 6; r0++) {
      for (int n = 1; r0 + n <= 6; n++) {
        float[] dst = new float[n * cols];
        s.read(r0, n, dst);
        assertArrayEquals(Arrays.copyOfRange(whole, r0 * cols, (r0 + n) * cols), dst, "rows " + r0 + "+" + n);
      }
    }
  }
}
