package dev.bgevl.bench;

import dev.bgevl.tensor.Activation;
import dev.bgevl.tensor.Ops;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * LayerNorm, residual add, activation and L2 normalization on "rows x dim" activations of the
 * towers. Scalar kernels: {@code -jvmArgsAppend -Dbgevl.kernels=scalar}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class NormBenchmark {

  @Param({"197x768", "257x1024", "12x512", "1x1021"})
  public String shape;

  private float[] x;
  private float[] b;
  private float[] out;
  private float[] gamma;
  private float[] beta;
  private int rows;
  private int dim;

  @Setup
  public void setup() {
    String[] f = shape.split("x");
    rows = Integer.parseInt(f[0]);
    dim = Integer.parseInt(f[1]);
    SplittableRandom r = new SplittableRandom(3);
    x = new float[rows * dim];
    b = new float[rows * dim];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
      b[i] = (float) r.nextGaussian();
    }
    gamma = new float[dim];
    beta = new float[dim];
    for (int i = 0; i < dim; i++) {
      gamma[i] = 1f + 0.1f * (float) r.nextGaussian();
      beta[i] = 0.1f * (float) r.nextGaussian();
    }
    out = new float[rows * dim];
    Ops.layerNorm(x, out, rows, dim, gamma, beta, 1e-5f);
    double mean = 0;
    for (int i = 0; i < dim; i++) {
      mean += (out[i] - beta[i]) / gamma[i];
    }
    if (Math.abs(mean / dim) > 1e-3) {
      throw new IllegalStateException("layerNorm check failed: mean " + mean / dim);
    }
  }

  @Benchmark
  public float[] layerNorm() {
    Ops.layerNorm(x, out, rows, dim, gamma, beta, 1e-5f);
    return out;
  }

  @Benchmark
  public float[] residualAdd() {
    Ops.add(out, b, rows * dim);
    return out;
  }

  @Benchmark
  public float[] quickGelu() {
    System.arraycopy(x, 0, out, 0, out.length);
    Ops.activate(out, 0, rows * dim, Activation.QUICK_GELU);
    return out;
  }

  @Benchmark
  public float[] l2Normalize() {
    System.arraycopy(x, 0, out, 0, out.length);
    for (int r = 0; r < rows; r++) {
      Ops.l2Normalize(out, r * dim, dim);
    }
    return out;
  }
}
