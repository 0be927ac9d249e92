package dev.bgevl.tensor;

/**
 * The rows of a weight matrix {@code [rows, cols]}, read on demand, so a layer can be packed from a
 * checkpoint a few rows at a time instead of from a full fp32 copy of the matrix.
 */
@FunctionalInterface
public interface RowSource {
  /** Writes rows {@code [row0, row0 + count)} as fp32 into {@code dst[0, count·cols)}. */
  void read(int row0, int count, float[] dst);

  /** A matrix already in memory, row-major {@code [rows, cols]}. */
  static RowSource of(float[] matrix, int cols) {
    return (row0, count, dst) -> System.arraycopy(matrix, row0 * cols, dst, 0, count * cols);
  }

  /**
   * Parts stacked along the rows (e.g. q, k and v projections fused into one layer): part {@code i}
   * has {@code rows[i]} rows.
   */
  static RowSource stack(int cols, RowSource[] parts, int[] rows) {
    if (parts.length != rows.length) {
      throw new IllegalArgumentException(parts.length + " parts but " + rows.length + " row counts");
    }
    return (row0, count, dst) -> {
      int done = 0;
      int start = 0;
      float[] tmp = null;
      for (int i = 0; i < parts.length && done < count; i++) {
        int end = start + rows[i];
        int r = row0 + done;
        if (r < end) {
          int n = Math.min(count - done, end - r);
          if (done == 0) {
            parts[i].read(r - start, n, dst);
          } else {
            if (tmp == null || tmp.length < n * cols) {
              tmp = new float[n * cols];
            }
            parts[i].read(r - start, n, tmp);
            System.arraycopy(tmp, 0, dst, done * cols, n * cols);
          }
          done += n;
        }
        start = end;
      }
      if (done != count) {
        throw new IllegalArgumentException("rows [" + row0 + ", " + (row0 + count) + ") outside the stacked parts");
      }
    };
  }
}
