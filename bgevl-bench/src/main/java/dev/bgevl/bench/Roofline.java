package dev.bgevl.bench;

import dev.bgevl.tensor.Activation;
import dev.bgevl.tensor.Linear;
import dev.bgevl.tensor.Parallel;
import dev.bgevl.tensor.WeightFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Our GEMM GFLOP/s on the models' Linear shapes next to OpenBLAS sgemm (numpy, same shapes, same
 * run), and the ratio. numpy is measured before and after Java and the better number kept, so a
 * noisy neighbour lowers our ratio rather than raising it.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bgevl-bench/target/benchmarks.jar dev.bgevl.bench.Roofline \
 *     [--quick] [--no-numpy] [--cpu-time] [--format F32|F16|BF16] [--shape MxKxN]...
 * </pre>
 *
 * <p>{@code --cpu-time} reports GFLOP per CPU-second instead (see {@link #cpuTime}).
 *
 * <p>The numpy run unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE so OpenBLAS picks its own kernel
 * for this CPU, and uses as many threads as our pool ({@code OPENBLAS_NUM_THREADS}).
 */
public final class Roofline {

  /** rows (M), in (K), out (N), name. */
  record Shape(int m, int k, int n, String name) {
    double flops() {
      return 2.0 * m * k * n;
    }

    String key() {
      return m + "x" + k + "x" + n;
    }
  }

  static List<Shape> SHAPES = List.of(
      new Shape(197, 768, 2304, "ViT-B/16 qkv"),
      new Shape(197, 768, 768, "ViT-B/16 out_proj"),
      new Shape(197, 768, 3072, "ViT-B/16 fc1"),
      new Shape(197, 3072, 768, "ViT-B/16 fc2"),
      new Shape(257, 1024, 3072, "ViT-L/14 qkv"),
      new Shape(257, 1024, 4096, "ViT-L/14 fc1"),
      new Shape(257, 4096, 1024, "ViT-L/14 fc2"),
      new Shape(788, 768, 3072, "ViT-B/16 fc1, 4 images"),
      new Shape(12, 512, 2048, "text-base fc1, 12 tokens"),
      new Shape(12, 2048, 512, "text-base fc2, 12 tokens"),
      new Shape(1, 768, 768, "one row (GEMV)"),
      new Shape(207, 1021, 333, "odd sizes"));

  private static final String NUMPY = String.join("\n",
      "import sys, time, numpy as np",
      "for line in sys.stdin:",
      "    m, k, n = map(int, line.split())",
      "    clock = time.process_time if %s else time.perf_counter",
      "    rng = np.random.default_rng(0)",
      "    a = rng.standard_normal((m, k), dtype=np.float32)",
      "    w = rng.standard_normal((n, k), dtype=np.float32)",
      "    reps = max(1, int(%s / (2 * m * k * n)))",
      "    for _ in range(3): a @ w.T",
      "    best = 1e9",
      "    for _ in range(%d):",
      "        t = clock()",
      "        for _ in range(reps): a @ w.T",
      "        best = min(best, (clock() - t) / reps)",
      "    print(m, k, n, 2 * m * k * n / best / 1e9, flush=True)");

  public static void main(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    boolean numpy = !List.of(args).contains("--no-numpy");
    cpuTime = List.of(args).contains("--cpu-time");
    int trials = quick ? 3 : 10;
    List<Shape> custom = new ArrayList<>();
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--format")) {
        format = WeightFormat.valueOf(args[i + 1]);
      }
      if (args[i].equals("--shape")) {
        String[] f = args[i + 1].split("x");
        custom.add(new Shape(Integer.parseInt(f[0]), Integer.parseInt(f[1]),
            Integer.parseInt(f[2]), "custom"));
      }
    }
    if (!custom.isEmpty()) {
      SHAPES = List.copyOf(custom);
    }
    System.out.printf(Locale.ROOT, "threads %d, weights %s, %s, %s, %s%n", Parallel.threads(),
        format, cpuTime ? "GFLOP per CPU-second" : "wall time",
        System.getProperty("java.vm.version"), System.getProperty("os.arch"));
    Map<String, Double> np1 = numpy ? numpy(trials) : Map.of();
    Map<String, Double> ours = new HashMap<>();
    for (Shape s : SHAPES) {
      ours.put(s.key(), measure(s, trials));
    }
    Map<String, Double> np2 = numpy ? numpy(trials) : Map.of();
    System.out.printf(Locale.ROOT, "%-28s %18s %10s %10s %7s%n", "shape", "M x K x N", "ours",
        "openblas", "ratio");
    double sumOurs = 0, sumNp = 0;
    for (Shape s : SHAPES) {
      double o = ours.get(s.key());
      double n = Math.max(np1.getOrDefault(s.key(), Double.NaN),
          np2.getOrDefault(s.key(), Double.NaN));
      System.out.printf(Locale.ROOT, "%-28s %18s %10.1f %10.1f %6.0f%%%n", s.name(), s.key(), o, n,
          100 * o / n);
    }
    System.out.println("GFLOP/s = 2·M·K·N / best time; openblas = numpy float32 a @ w.T");
  }

  /**
   * With --cpu-time, time is the process CPU time (all threads) instead of wall time: GFLOP per
   * CPU-second, which on a machine shared with other jobs tracks the kernel's efficiency better
   * than wall time (run with -Dbgevl.threads=1 so spinning workers do not count).
   */
  static boolean cpuTime;

  /** --format F16|BF16: measure Linear with 16-bit weights (numpy stays float32). */
  static WeightFormat format = WeightFormat.F32;

  static long now() {
    if (cpuTime) {
      return ((com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
    return System.nanoTime();
  }

  static double measure(Shape s, int trials) {
    SplittableRandom r = new SplittableRandom(1);
    float[] x = new float[s.m() * s.k()];
    float[] w = new float[s.n() * s.k()];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() * 0.03);
    }
    Linear lin = Linear.pack(w, null, s.n(), s.k(), format);
    float[] y = new float[s.m() * s.n()];
    int reps = (int) Math.max(1, (cpuTime ? 3e10 : 2e8) / s.flops());
    for (int i = 0; i < Math.max(20, (cpuTime ? 1 : 4) * reps); i++) {
      lin.apply(x, s.m(), y, Activation.NONE);
    }
    double best = Double.MAX_VALUE;
    for (int t = 0; t < trials; t++) {
      long t0 = now();
      for (int i = 0; i < reps; i++) {
        lin.apply(x, s.m(), y, Activation.NONE);
      }
      best = Math.min(best, (now() - t0) / 1e9 / reps);
    }
    return s.flops() / best / 1e9;
  }

  static Map<String, Double> numpy(int trials) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("python3", "-c", String.format(Locale.ROOT, NUMPY, cpuTime ? "True" : "False", cpuTime ? "3e10" : "2e8", trials));
    pb.environment().remove("OPENBLAS_CORETYPE");
    pb.environment().remove("OPENBLAS_L2_SIZE");
    pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(Parallel.threads()));
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    StringBuilder in = new StringBuilder();
    for (Shape s : SHAPES) {
      in.append(s.m()).append(' ').append(s.k()).append(' ').append(s.n()).append('\n');
    }
    p.getOutputStream().write(in.toString().getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    Map<String, Double> out = new HashMap<>();
    List<String> lines = new ArrayList<>();
    try (BufferedReader br = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = br.readLine()) != null) {
        lines.add(line);
        String[] f = line.trim().split("\\s+");
        if (f.length == 4) {
          out.put(f[0] + "x" + f[1] + "x" + f[2], Double.parseDouble(f[3]));
        }
      }
    }
    if (p.waitFor() != 0) {
      throw new IOException("numpy roofline failed (python3 with numpy needed): " + lines);
    }
    return out;
  }
}
