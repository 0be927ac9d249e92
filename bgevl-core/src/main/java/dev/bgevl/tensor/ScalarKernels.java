package dev.bgevl.tensor;

/**
 * The scalar reference kernels: plain loops in the operation order {@link Kernels} specifies,
 * transcendental functions in double. Used when the Vector API is unavailable or {@code
 * -Dbgevl.kernels=scalar}, and as the oracle of the kernel tests.
 */
final class ScalarKernels implements Kernels {

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public int panelWidth() {
    return 32;
  }

  @Override
  public void gemm(float[] x, int k, float[] packed, int pw, int n, float[] bias, float[] y,
      Activation act, boolean add, int rowStart, int rowEnd, int panelStart, int panelEnd) {
    for (int p = panelStart; p < panelEnd; p++) {
      int base = p * k * pw;
      int cols = Math.min(pw, n - p * pw);
      for (int i = rowStart; i < rowEnd; i++) {
        int xo = i * k;
        for (int c = 0; c < cols; c++) {
          float acc = 0f;
          for (int kk = 0, bo = base + c; kk < k; kk++, bo += pw) {
            acc = Math.fma(x[xo + kk], packed[bo], acc);
          }
          int j = p * pw + c;
          if (bias != null) {
            acc += bias[j];
          }
          if (add) {
            y[i * n + j] += acc;
          } else {
            y[i * n + j] = act.apply(acc);
          }
        }
      }
    }
  }

  @Override
  public void gemm16(float[] x, int k, short[] packed, WeightFormat format, int pw, int n,
      float[] bias, float[] y, Activation act, boolean add, int rowStart, int rowEnd,
      int panelStart, int panelEnd) {
    for (int p = panelStart; p < panelEnd; p++) {
      int base = p * k * pw;
      int cols = Math.min(pw, n - p * pw);
      for (int i = rowStart; i < rowEnd; i++) {
        int xo = i * k;
        for (int c = 0; c < cols; c++) {
          float acc = 0f;
          for (int kk = 0, bo = base + c; kk < k; kk++, bo += pw) {
            acc = Math.fma(x[xo + kk], format.decode(packed[bo]), acc);
          }
          int j = p * pw + c;
          if (bias != null) {
            acc += bias[j];
          }
          if (add) {
            y[i * n + j] += acc;
          } else {
            y[i * n + j] = act.apply(acc);
          }
        }
      }
    }
  }

  @Override
  public void layerNorm(float[] x, float[] out, int dim, float[] gamma, float[] beta, float eps,
      int rowStart, int rowEnd) {
    for (int r = rowStart; r < rowEnd; r++) {
      int o = r * dim;
      double sum = 0;
      for (int i = 0; i < dim; i++) {
        sum += x[o + i];
      }
      double mean = sum / dim;
      double var = 0;
      for (int i = 0; i < dim; i++) {
        double d = x[o + i] - mean;
        var += d * d;
      }
      double rstd = 1.0 / Math.sqrt(var / dim + eps);
      for (int i = 0; i < dim; i++) {
        double v = (x[o + i] - mean) * rstd;
        out[o + i] = (float) (v * (gamma == null ? 1.0 : gamma[i]) + (beta == null ? 0.0 : beta[i]));
      }
    }
  }

  @Override
  public void rmsNorm(float[] x, float[] out, int dim, float[] weight, float eps, int rowStart,
      int rowEnd) {
    for (int r = rowStart; r < rowEnd; r++) {
      int o = r * dim;
      double ss = 0;
      for (int i = 0; i < dim; i++) {
        ss += (double) x[o + i] * x[o + i];
      }
      double rstd = 1.0 / Math.sqrt(ss / dim + eps);
      for (int i = 0; i < dim; i++) {
        out[o + i] = (float) (x[o + i] * rstd * (weight == null ? 1.0 : weight[i]));
      }
    }
  }

  @Override
  public void add(float[] acc, int accOff, float[] b, int bOff, int n) {
    for (int i = 0; i < n; i++) {
      acc[accOff + i] += b[bOff + i];
    }
  }

  @Override
  public void mul(float[] acc, int accOff, float[] b, int bOff, int n) {
    for (int i = 0; i < n; i++) {
      acc[accOff + i] *= b[bOff + i];
    }
  }

  @Override
  public void scale(float[] x, int off, int n, float s) {
    for (int i = 0; i < n; i++) {
      x[off + i] *= s;
    }
  }

  @Override
  public void activate(float[] x, int off, int n, Activation act) {
    for (int i = 0; i < n; i++) {
      x[off + i] = act.apply(x[off + i]);
    }
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += (double) a[aOff + i] * b[bOff + i];
    }
    return (float) s;
  }

  @Override
  public float sumOfSquares(float[] a, int off, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += (double) a[off + i] * a[off + i];
    }
    return (float) s;
  }

  @Override
  public void softmax(float[] x, int n, int rowStart, int rowEnd) {
    for (int r = rowStart; r < rowEnd; r++) {
      softmaxRow(x, r * n, n);
    }
  }

  private static void softmaxRow(float[] x, int o, int n) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, x[o + i]);
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double e = Math.exp((double) x[o + i] - max);
      x[o + i] = (float) e;
      sum += e;
    }
    float inv = (float) (1.0 / sum);
    for (int i = 0; i < n; i++) {
      x[o + i] *= inv;
    }
  }

  @Override
  public void attentionHead(float[] q, int qo0, int qs, float[] k, int ko0, int ks, float[] v,
      int vo0, int vs, int seq, int qBegin, int qEnd, int headDim, float scale, boolean causal,
      int valid, float[] out, int oo0, int os) {
    float[] qv = new float[headDim];
    float[] s = new float[seq];
    double[] o = new double[headDim];
    int keysMax = Math.min(valid, seq);
    for (int i = qBegin; i < qEnd; i++) {
      int qo = qo0 + i * qs;
      for (int d = 0; d < headDim; d++) {
        qv[d] = q[qo + d] * scale;
      }
      int keys = causal ? Math.min(keysMax, i + 1) : keysMax;
      int oo = oo0 + i * os;
      if (keys <= 0) {
        java.util.Arrays.fill(out, oo, oo + headDim, 0f);
        continue;
      }
      for (int j = 0; j < keys; j++) {
        int ko = ko0 + j * ks;
        float acc = 0f;
        for (int d = 0; d < headDim; d++) {
          acc = Math.fma(qv[d], k[ko + d], acc);
        }
        s[j] = acc;
      }
      softmaxRow(s, 0, keys);
      java.util.Arrays.fill(o, 0.0);
      for (int j = 0; j < keys; j++) {
        int vo = vo0 + j * vs;
        for (int d = 0; d < headDim; d++) {
          o[d] += (double) s[j] * v[vo + d];
        }
      }
      for (int d = 0; d < headDim; d++) {
        out[oo + d] = (float) o[d];
      }
    }
  }

}
