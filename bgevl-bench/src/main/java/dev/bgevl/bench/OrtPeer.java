package dev.bgevl.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The ONNX Runtime peer of {@code bgevl bench}: the same encoder shapes, exported by
 * {@code tools/clip_torch.py export}, timed the same way (median of N runs after warm-up) and printed
 * as JSON with the same keys. Each thread setting in {@code --threads} gets its own session
 * (intra-op threads = N, inter-op 1, all graph optimizations, sequential execution).
 *
 * <pre>
 * java -cp bgevl-bench/target/benchmarks.jar dev.bgevl.bench.OrtPeer --vision V.onnx [--text T.onnx]
 *     [--batch 1,8,32] [--runs 5] [--warmup 1] [--latency-runs 20] [--threads 1,2] [--text-tokens 12]
 * </pre>
 */
public final class OrtPeer {

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    Path vision = Path.of(a.getOrDefault("--vision", ""));
    String text = a.get("--text");
    int[] batches = ints(a.getOrDefault("--batch", "1,8,32"));
    int runs = Integer.parseInt(a.getOrDefault("--runs", "5"));
    int warmup = Integer.parseInt(a.getOrDefault("--warmup", "1"));
    int latencyRuns = Integer.parseInt(a.getOrDefault("--latency-runs", "20"));
    int tokens = Integer.parseInt(a.getOrDefault("--text-tokens", "12"));
    int side = Integer.parseInt(a.getOrDefault("--image-size", "224"));
    int[] threadSettings = ints(a.getOrDefault("--threads", Integer.toString(Runtime.getRuntime().availableProcessors())));
    if (!Files.isRegularFile(vision)) {
      System.err.println("error: --vision " + vision + ": file not found (export it with tools/clip_torch.py export)");
      System.exit(2);
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    StringBuilder json = new StringBuilder();
    json.append("{\n  \"peer\": \"onnxruntime\",\n  \"version\": \"").append(env.getVersion()).append("\",\n  \"settings\": [");
    for (int si = 0; si < threadSettings.length; si++) {
      int threads = threadSettings[si];
      json.append(si == 0 ? "\n" : ",\n").append("    {\"threads\": ").append(threads);
      try (OrtSession.SessionOptions opts = options(threads)) {
        long t0 = System.nanoTime();
        try (OrtSession session = env.createSession(vision.toString(), opts)) {
          json.append(String.format(Locale.ROOT, ", \"vision_load_s\": %.3f", (System.nanoTime() - t0) / 1e9));
          json.append(", \"images\": [");
          for (int bi = 0; bi < batches.length; bi++) {
            int b = batches[bi];
            float[] px = randomPixels(b * 3 * side * side);
            try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(px), new long[] {b, 3, side, side})) {
              double[] s = time(() -> session.run(Map.of("pixel_values", in)).close(), warmup, runs);
              double med = median(s);
              json.append(bi == 0 ? "" : ", ").append(String.format(Locale.ROOT,
                  "{\"batch\": %d, \"median_s\": %.6f, \"images_per_s\": %.3f}", b, med, b / med));
              System.err.printf(Locale.ROOT, "ort threads %d images batch %d: %.2f images/s%n", threads, b, b / med);
            }
          }
          json.append("]");
          if (a.containsKey("--image-latency")) {
            float[] px = randomPixels(3 * side * side);
            try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(px), new long[] {1, 3, side, side})) {
              double[] s = time(() -> session.run(Map.of("pixel_values", in)).close(), warmup, Math.max(runs, latencyRuns / 4));
              json.append(", \"image_latency_ms\": ").append(percentiles(s));
            }
          }
        }
        if (text != null) {
          try (OrtSession session = env.createSession(text, opts)) {
            long[] ids = new long[tokens];
            long[] mask = new long[tokens];
            SplittableRandom r = new SplittableRandom(11);
            ids[0] = 49406;
            for (int i = 1; i < tokens - 1; i++) {
              ids[i] = 256 + r.nextInt(49406 - 256);
            }
            ids[tokens - 1] = 49407;
            Arrays.fill(mask, 1);
            try (OnnxTensor in = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {1, tokens});
                OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, tokens})) {
              double[] s = time(() -> session.run(Map.of("input_ids", in, "attention_mask", m)).close(), Math.max(warmup, 3), latencyRuns);
              json.append(", \"text_query_latency_ms\": ").append(percentiles(s));
              System.err.printf(Locale.ROOT, "ort threads %d text query p50 %.2f ms%n", threads, median(s) * 1e3);
            }
          }
        }
      }
      json.append("}");
    }
    json.append("\n  ]\n}");
    System.out.println(json);
  }

  private static OrtSession.SessionOptions options(int threads) throws OrtException {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    o.setIntraOpNumThreads(threads);
    o.setInterOpNumThreads(1);
    o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    return o;
  }

  interface Body {
    void run() throws OrtException;
  }

  static double[] time(Body body, int warmup, int runs) throws OrtException {
    for (int i = 0; i < warmup; i++) {
      body.run();
    }
    double[] s = new double[runs];
    for (int i = 0; i < runs; i++) {
      long t = System.nanoTime();
      body.run();
      s[i] = (System.nanoTime() - t) / 1e9;
    }
    return s;
  }

  /** numpy's default (linear interpolation) quantile, as bgevl bench reports. */
  static double quantile(double[] s, double q) {
    double[] c = s.clone();
    Arrays.sort(c);
    double pos = q * (c.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, c.length - 1);
    return c[lo] + (c[hi] - c[lo]) * (pos - lo);
  }

  static double median(double[] s) {
    return quantile(s, 0.5);
  }

  private static String percentiles(double[] s) {
    return String.format(Locale.ROOT, "{\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"runs\": %d}",
        quantile(s, 0.5) * 1e3, quantile(s, 0.9) * 1e3, quantile(s, 0.99) * 1e3, s.length);
  }

  private static float[] randomPixels(int n) {
    SplittableRandom r = new SplittableRandom(7);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) r.nextGaussian();
    }
    return out;
  }

  private static int[] ints(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new java.util.HashMap<>();
    List<String> flags = List.of("--image-latency");
    for (int i = 0; i < args.length; i++) {
      if (flags.contains(args[i])) {
        m.put(args[i], "true");
      } else if (args[i].startsWith("--") && i + 1 < args.length) {
        m.put(args[i], args[++i]);
      } else {
        System.err.println("error: unexpected argument " + args[i]);
        System.exit(2);
      }
    }
    return m;
  }

  private OrtPeer() {}
}
