package dev.bgevl.bench;

import dev.bgevl.tensor.Activation;
import dev.bgevl.tensor.Attention;
import dev.bgevl.tensor.Linear;
import dev.bgevl.tensor.Ops;
import dev.bgevl.tensor.Parallel;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Where the wall time of a BGE-VL-base text query goes, and what bounds it: the machine's DRAM
 * read bandwidth from Java (a Vector API sum over a 512 MB and a 151 MB array, 1 thread and all
 * threads), then the 12 text layers (width 512, MLP 2048, 8 heads, 12 causal tokens) op by op,
 * once with 12 distinct weight sets (~151 MB, more than any L3: every query streams them from
 * DRAM, like the real model) and once with one weight set reused by all 12 layers (~12.6 MB, held
 * in L3: the same arithmetic without the DRAM traffic). Each op's time is wall time on the
 * calling thread around the op (a parallel op counts until its last task ends), averaged over the
 * timed passes; the pass p50 is the 12 layers end to end.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -XX:+UseSerialGC -XX:-TieredCompilation -Xmx2g \
 *     -cp bgevl-bench/target/benchmarks.jar dev.bgevl.bench.TextQueryProfile [passes]
 * </pre>
 *
 * <p>Run it on a quiet machine: both parts are memory bound, and another job's memory traffic
 * moves them by 10% or more.
 */
public final class TextQueryProfile {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int HIDDEN = 512;
  private static final int MLP = 2048;
  private static final int HEADS = 8;
  private static final int TOKENS = 12;
  private static final int LAYERS = 12;
  private static final String[] OPS = {"layer_norm1", "qkv", "attention", "out_proj + residual",
      "layer_norm2", "fc1 + quick_gelu", "fc2 + residual"};
  /** Weight bytes each op streams per layer (0: none), for the GB/s column. */
  private static final long[] OP_BYTES = {0, 4L * 3 * HIDDEN * HIDDEN, 0, 4L * HIDDEN * HIDDEN, 0,
      4L * MLP * HIDDEN, 4L * HIDDEN * MLP};

  private static volatile float sink;

  private TextQueryProfile() {}

  public static void main(String[] args) {
    int passes = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    System.out.printf(Locale.ROOT, "threads %d, %d-bit vectors%n", Parallel.threads(),
        F.vectorBitSize());
    bandwidth(512L << 20);
    bandwidth(151L << 20);
    SplittableRandom r = new SplittableRandom(7);
    Layer[] distinct = new Layer[LAYERS];
    for (int i = 0; i < LAYERS; i++) {
      distinct[i] = new Layer(r);
    }
    profile("12 distinct weight sets (DRAM)", distinct, passes);
    Layer[] reused = new Layer[LAYERS];
    Arrays.fill(reused, distinct[0]);
    profile("1 weight set reused (L3)", reused, passes);
  }

  /** Sum of a[from, to), 4 vectors per step (independent adds, so loads are the limit). */
  private static float sum(float[] a, int from, int to) {
    int l = F.length();
    FloatVector s0 = FloatVector.zero(F);
    FloatVector s1 = FloatVector.zero(F);
    FloatVector s2 = FloatVector.zero(F);
    FloatVector s3 = FloatVector.zero(F);
    for (int i = from; i < to; i += 4 * l) {
      s0 = s0.add(FloatVector.fromArray(F, a, i));
      s1 = s1.add(FloatVector.fromArray(F, a, i + l));
      s2 = s2.add(FloatVector.fromArray(F, a, i + 2 * l));
      s3 = s3.add(FloatVector.fromArray(F, a, i + 3 * l));
    }
    return s0.add(s1).add(s2).add(s3).lane(0);
  }

  private static void bandwidth(long bytes) {
    int n = (int) (bytes / Float.BYTES);
    float[] a = new float[n];
    for (int i = 0; i < n; i += 1024) {
      a[i] = 1;
    }
    float[] small = new float[1 << 16];
    for (int i = 0; i < 20_000; i++) {
      sink = sum(small, 0, small.length); // compile sum() before timing it
    }
    int step = 4 * F.length();
    for (int threads : new int[] {1, Parallel.threads()}) {
      double[] gbs = new double[21];
      for (int rep = 0; rep < gbs.length; rep++) {
        long t0 = System.nanoTime();
        Parallel.forEach(threads, t -> {
          int lo = (int) ((long) n * t / threads) / step * step;
          int hi = (int) ((long) n * (t + 1) / threads) / step * step;
          sink = sum(a, lo, hi);
        });
        gbs[rep] = bytes / ((System.nanoTime() - t0) / 1e9) / 1e9;
      }
      Arrays.sort(gbs);
      System.out.printf(Locale.ROOT,
          "read bandwidth, %d MB array, %d thread(s): median %.1f GB/s (min %.1f, max %.1f)%n",
          bytes >> 20, threads, gbs[10], gbs[0], gbs[20]);
      if (Parallel.threads() == 1) {
        break;
      }
    }
  }

  private static void profile(String what, Layer[] layers, int passes) {
    SplittableRandom r = new SplittableRandom(9);
    float[] x0 = rand(r, TOKENS * HIDDEN, 1);
    float[] x = new float[TOKENS * HIDDEN];
    float[] normed = new float[TOKENS * HIDDEN];
    float[] qkv = new float[TOKENS * 3 * HIDDEN];
    float[] attn = new float[TOKENS * HIDDEN];
    float[] mlp = new float[TOKENS * MLP];
    int[] valid = {TOKENS};
    float scale = (float) (1 / Math.sqrt(HIDDEN / HEADS));
    long[] opNanos = new long[OPS.length];
    double[] passMs = new double[passes];
    long[] t = new long[OPS.length + 1];
    for (int pass = -passes / 2; pass < passes; pass++) { // the first half warms the JIT up
      System.arraycopy(x0, 0, x, 0, x.length);
      long start = System.nanoTime();
      for (Layer l : layers) {
        t[0] = System.nanoTime();
        Ops.layerNorm(x, normed, TOKENS, HIDDEN, l.ln1Weight, l.ln1Bias, 1e-5f);
        t[1] = System.nanoTime();
        l.qkv.apply(normed, TOKENS, qkv, Activation.NONE);
        t[2] = System.nanoTime();
        Attention.selfAttention(qkv, 1, TOKENS, HEADS, HIDDEN / HEADS, scale, true, valid, attn);
        t[3] = System.nanoTime();
        l.out.applyAdd(attn, TOKENS, x);
        t[4] = System.nanoTime();
        Ops.layerNorm(x, normed, TOKENS, HIDDEN, l.ln2Weight, l.ln2Bias, 1e-5f);
        t[5] = System.nanoTime();
        l.fc1.apply(normed, TOKENS, mlp, Activation.QUICK_GELU);
        t[6] = System.nanoTime();
        l.fc2.applyAdd(mlp, TOKENS, x);
        t[7] = System.nanoTime();
        if (pass >= 0) {
          for (int i = 0; i < OPS.length; i++) {
            opNanos[i] += t[i + 1] - t[i];
          }
        }
      }
      if (pass >= 0) {
        passMs[pass] = (System.nanoTime() - start) / 1e6;
      }
    }
    Arrays.sort(passMs);
    System.out.printf(Locale.ROOT, "%d layers x %d tokens, %s: pass p50 %.2f ms (p10 %.2f, p90 %.2f)%n",
        LAYERS, TOKENS, what, passMs[passes / 2], passMs[passes / 10], passMs[passes * 9 / 10]);
    double total = 0;
    for (long v : opNanos) {
      total += v;
    }
    for (int i = 0; i < OPS.length; i++) {
      double ms = opNanos[i] / 1e6 / passes;
      String rate = OP_BYTES[i] == 0 ? ""
          : String.format(Locale.ROOT, "  %5.1f GB/s of weights", LAYERS * OP_BYTES[i] / (ms * 1e6));
      System.out.printf(Locale.ROOT, "  %-22s %6.3f ms %5.1f%%%s%n", OPS[i], ms,
          100.0 * opNanos[i] / total, rate);
    }
  }

  private static float[] rand(SplittableRandom r, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return a;
  }

  /** One text layer's packed weights (random, fan-in scaled). */
  private static final class Layer {
    final Linear qkv;
    final Linear out;
    final Linear fc1;
    final Linear fc2;
    final float[] ln1Weight;
    final float[] ln1Bias;
    final float[] ln2Weight;
    final float[] ln2Bias;

    Layer(SplittableRandom r) {
      double in = 1 / Math.sqrt(HIDDEN);
      qkv = Linear.pack(rand(r, 3 * HIDDEN * HIDDEN, in), rand(r, 3 * HIDDEN, 0.1), 3 * HIDDEN,
          HIDDEN);
      out = Linear.pack(rand(r, HIDDEN * HIDDEN, in), rand(r, HIDDEN, 0.1), HIDDEN, HIDDEN);
      fc1 = Linear.pack(rand(r, MLP * HIDDEN, in), rand(r, MLP, 0.1), MLP, HIDDEN);
      fc2 = Linear.pack(rand(r, HIDDEN * MLP, 1 / Math.sqrt(MLP)), rand(r, HIDDEN, 0.1), HIDDEN,
          MLP);
      ln1Weight = rand(r, HIDDEN, 1);
      ln1Bias = rand(r, HIDDEN, 0.1);
      ln2Weight = rand(r, HIDDEN, 1);
      ln2Bias = rand(r, HIDDEN, 0.1);
    }
  }
}
