package dev.bgevl.bench;

import dev.bgevl.tensor.Activation;
import dev.bgevl.tensor.Linear;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Linear} on the CLIP towers' shapes ("rows x in x out") plus an odd size. The {@code gflop}
 * counter is GFLOP/s (2·M·K·N per call). Scalar kernels: add {@code -jvmArgsAppend
 * -Dbgevl.kernels=scalar}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {

  @Param({
      "197x768x2304", // ViT-B/16 qkv (fused q|k|v)
      "197x768x768", // ViT-B/16 out_proj
      "197x768x3072", // ViT-B/16 fc1
      "197x3072x768", // ViT-B/16 fc2
      "257x1024x3072", // ViT-L/14 qkv
      "257x4096x1024", // ViT-L/14 fc2
      "12x512x2048", // text-base fc1, 12 tokens
      "12x768x768", // text-large attention projection, 12 tokens
      "207x1021x333" // odd sizes: row, column and K tails
  })
  public String shape;

  @Param({"NONE"})
  public Activation act;

  private Linear linear;
  private float[] x;
  private float[] y;
  private int rows;
  private double gflopPerCall;

  @Setup
  public void setup() {
    String[] f = shape.split("x");
    rows = Integer.parseInt(f[0]);
    int in = Integer.parseInt(f[1]);
    int out = Integer.parseInt(f[2]);
    SplittableRandom r = new SplittableRandom(42);
    x = new float[rows * in];
    float[] w = new float[out * in];
    float[] b = new float[out];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() / Math.sqrt(in));
    }
    linear = Linear.pack(w, b, out, in);
    y = new float[rows * out];
    gflopPerCall = 2.0 * rows * in * out / 1e9;
    // check once: row 0, column 0 against a double-precision dot product
    linear.apply(x, rows, y, Activation.NONE);
    double want = 0;
    for (int k = 0; k < in; k++) {
      want += (double) x[k] * w[k];
    }
    if (Math.abs(want - y[0]) > 1e-4 * (1 + Math.abs(want))) {
      throw new IllegalStateException("GEMM check failed: " + y[0] + " != " + want);
    }
  }

  /** GFLOP/s, reported by JMH as a rate. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Flops {
    public double gflop;

    @Setup(Level.Iteration)
    public void reset() {
      gflop = 0;
    }
  }

  @Benchmark
  public float[] apply(Flops flops) {
    linear.apply(x, rows, y, act);
    flops.gflop += gflopPerCall;
    return y;
  }
}
