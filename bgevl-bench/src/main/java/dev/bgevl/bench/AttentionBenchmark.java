package dev.bgevl.bench;

import dev.bgevl.tensor.Attention;
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
 * {@link Attention#selfAttention} for one sequence, "seq x heads x headDim" with the towers' sizes;
 * text shapes are causal with padding. Compare with GemmBenchmark's qkv/out_proj times for the
 * same layer. Scalar kernels: {@code -jvmArgsAppend -Dbgevl.kernels=scalar}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {

  @Param({
      "197x12x64", // ViT-B/16 at 224
      "257x16x64", // ViT-L/14 at 224
      "77x8x64:causal", // text-base, full context
      "12x12x64:causal" // text-large, a short query
  })
  public String shape;

  @Param({"1", "4"})
  public int batch;

  private float[] qkv;
  private float[] out;
  private int seq;
  private int heads;
  private int headDim;
  private boolean causal;
  private int[] valid;

  @Setup
  public void setup() {
    causal = shape.endsWith(":causal");
    String[] f = shape.replace(":causal", "").split("x");
    seq = Integer.parseInt(f[0]);
    heads = Integer.parseInt(f[1]);
    headDim = Integer.parseInt(f[2]);
    int hidden = heads * headDim;
    SplittableRandom r = new SplittableRandom(7);
    qkv = new float[batch * seq * 3 * hidden];
    for (int i = 0; i < qkv.length; i++) {
      qkv[i] = (float) r.nextGaussian();
    }
    out = new float[batch * seq * hidden];
    valid = new int[batch];
    for (int b = 0; b < batch; b++) {
      valid[b] = causal ? Math.max(1, seq - 3 * b) : seq;
    }
    Attention.selfAttention(qkv, batch, seq, heads, headDim, 0.125f, causal, valid, out);
    for (float v : out) {
      if (!Float.isFinite(v)) {
        throw new IllegalStateException("attention produced " + v);
      }
    }
  }

  @Benchmark
  public float[] selfAttention() {
    Attention.selfAttention(qkv, batch, seq, heads, headDim, 0.125f, causal, valid, out);
    return out;
  }
}
