package dev.bgevl.bench;

import dev.bgevl.tensor.Activation;
import dev.bgevl.tensor.Attention;
import dev.bgevl.tensor.Linear;
import dev.bgevl.tensor.Ops;
import dev.bgevl.tensor.Parallel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Where the time of one CLIP encoder layer goes, op by op, with random weights of the real shapes:
 * layer_norm1 → fused qkv → attention → out_proj (+ residual) → layer_norm2 → fc1 + quick_gelu →
 * fc2 (+ residual). Times are the calling thread's CPU time (best of several rounds), so run it
 * with {@code -Dbgevl.threads=1}: on a machine shared with other jobs that measures the kernels
 * rather than the scheduler.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Dbgevl.threads=1 -cp bgevl-bench/target/benchmarks.jar \
 *     dev.bgevl.bench.LayerProfile [base|large|text-base]
 * </pre>
 */
public final class LayerProfile {

  public static void main(String[] args) {
    String which = args.length > 0 ? args[0] : "base";
    int seq;
    int hidden;
    int heads;
    boolean causal = false;
    switch (which) {
      case "base" -> {
        seq = 197;
        hidden = 768;
        heads = 12;
      }
      case "large" -> {
        seq = 257;
        hidden = 1024;
        heads = 16;
      }
      case "text-base" -> {
        seq = 12;
        hidden = 512;
        heads = 8;
        causal = true;
      }
      default -> throw new IllegalArgumentException("unknown layer " + which
          + ": expected base, large or text-base");
    }
    int mlp = 4 * hidden;
    int hd = hidden / heads;
    SplittableRandom r = new SplittableRandom(5);
    float[] h = rand(r, seq * hidden, 1);
    float[] x = new float[seq * hidden];
    float[] qkv = new float[seq * 3 * hidden];
    float[] att = new float[seq * hidden];
    float[] mid = new float[seq * mlp];
    float[] g = rand(r, hidden, 0.1);
    float[] b = rand(r, hidden, 0.1);
    Linear qkvProj = Linear.pack(rand(r, 3 * hidden * hidden, 1 / Math.sqrt(hidden)),
        rand(r, 3 * hidden, 0.1), 3 * hidden, hidden);
    Linear outProj = Linear.pack(rand(r, hidden * hidden, 0.01 / Math.sqrt(hidden)),
        rand(r, hidden, 0.01), hidden, hidden);
    Linear fc1 = Linear.pack(rand(r, mlp * hidden, 1 / Math.sqrt(hidden)), rand(r, mlp, 0.1), mlp,
        hidden);
    Linear fc2 = Linear.pack(rand(r, hidden * mlp, 0.01 / Math.sqrt(mlp)), rand(r, hidden, 0.01),
        hidden, mlp);
    float scale = (float) (1 / Math.sqrt(hd));
    boolean c = causal;
    Map<String, Runnable> ops = new LinkedHashMap<>();
    ops.put("layer_norm1", () -> Ops.layerNorm(h, x, seq, hidden, g, b, 1e-5f));
    ops.put("qkv (fused q|k|v proj)", () -> qkvProj.apply(x, seq, qkv, Activation.NONE));
    ops.put("attention", () -> Attention.selfAttention(qkv, 1, seq, heads, hd, scale, c, null, att));
    ops.put("out_proj + residual", () -> outProj.applyAdd(att, seq, h));
    ops.put("layer_norm2", () -> Ops.layerNorm(h, x, seq, hidden, g, b, 1e-5f));
    ops.put("fc1 + quick_gelu", () -> fc1.apply(x, seq, mid, Activation.QUICK_GELU));
    ops.put("fc2 + residual", () -> fc2.applyAdd(mid, seq, h));
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> best = new LinkedHashMap<>();
    int reps = seq >= 100 ? 20 : 2000;
    for (int round = 0; round < 12; round++) {
      for (Map.Entry<String, Runnable> e : ops.entrySet()) {
        long t0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < reps; i++) {
          e.getValue().run();
        }
        long t = (mx.getCurrentThreadCpuTime() - t0) / reps;
        best.merge(e.getKey(), t, Math::min);
      }
    }
    long total = best.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf(Locale.ROOT, "%s layer: seq %d, hidden %d, heads %d, mlp %d; threads %d%n",
        which, seq, hidden, heads, mlp, Parallel.threads());
    for (Map.Entry<String, Long> e : best.entrySet()) {
      System.out.printf(Locale.ROOT, "  %-24s %9.1f us %5.1f%%%n", e.getKey(), e.getValue() / 1e3,
          100.0 * e.getValue() / total);
    }
    double flops = 2.0 * seq * hidden * (3 * hidden + hidden + 2 * mlp)
        + 4.0 * seq * seq * hidden;
    System.out.printf(Locale.ROOT, "  %-24s %9.1f us  (%.1f GFLOP/s over the layer's %.2f GFLOP)%n",
        "total", total / 1e3, flops / total, flops / 1e9);
  }

  private static float[] rand(SplittableRandom r, int n, double std) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * std);
    }
    return a;
  }
}
