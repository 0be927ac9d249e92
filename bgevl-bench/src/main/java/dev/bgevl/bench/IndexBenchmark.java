package dev.bgevl.bench;

import dev.bgevl.search.Hit;
import dev.bgevl.search.IndexedDoc;
import dev.bgevl.search.Query;
import dev.bgevl.search.VectorIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Recall and latency of {@link VectorIndex} on seeded random unit vectors (the hard case for HNSW:
 * no clusters). Builds the index with {@code --threads} writers (default: all cores) and
 * force-merges it, then for each {@code --ef} value ({@code Query.candidates}: efSearch for float32
 * HNSW, the number re-scored with float32 for quantized indexes) runs the queries single-threaded:
 * recall@k against brute force, p50/p90/p99 wall time and p50/p90 CPU time of one search, and the
 * load average (the machine may be shared). {@code --dir D} keeps the index; a later run with the
 * same {@code --dir} and {@code --n} reuses it (the options recorded in it win).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bgevl-bench/target/benchmarks.jar dev.bgevl.bench.IndexBenchmark \
 *   [--n 100000] [--dim 512] [--queries 500] [--k 10] [--graph flat|hnsw] [--quantization bit1+int4|int4|int8|int7|bit2|bit1|none]
 *   [--quantized] [--m 32] [--beam 200] [--ef 40,100,400] [--threads N] [--dir D]
 * </pre>
 */
public final class IndexBenchmark {
  private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

  public static void main(String[] args) throws Exception {
    int n = 100_000;
    int dim = 512;
    int queries = 500;
    int k = 10;
    int m = VectorIndex.Options.DEFAULT.maxConn();
    int beam = VectorIndex.Options.DEFAULT.beamWidth();
    int[] efs = {Query.DEFAULT_CANDIDATES};
    VectorIndex.Quantization quantization = null; // as bgevl index: bit1+int4 for flat, none for hnsw
    VectorIndex.Graph graph = VectorIndex.Options.DEFAULT.graph();
    int threads = Runtime.getRuntime().availableProcessors();
    Path dir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--n" -> n = Integer.parseInt(args[++i]);
        case "--dim" -> dim = Integer.parseInt(args[++i]);
        case "--queries" -> queries = Integer.parseInt(args[++i]);
        case "--k" -> k = Integer.parseInt(args[++i]);
        case "--m" -> m = Integer.parseInt(args[++i]);
        case "--beam" -> beam = Integer.parseInt(args[++i]);
        case "--ef" -> efs = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--quantized" -> quantization = VectorIndex.Quantization.INT8;
        case "--quantization" -> quantization = VectorIndex.Quantization.parse(args[++i]);
        case "--graph" -> graph = VectorIndex.Graph.parse(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--dir" -> dir = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    boolean tempDir = dir == null;
    if (tempDir) dir = Files.createTempDirectory("bgevl-index-bench");
    boolean reuse = Files.exists(dir.resolve(dev.bgevl.search.IndexFormat.META_FILE));
    if (quantization == null) {
      quantization = graph == VectorIndex.Graph.HNSW ? VectorIndex.Options.HNSW_FLOAT32.quantization() : VectorIndex.Options.DEFAULT.quantization();
    }
    VectorIndex.Options options = new VectorIndex.Options(quantization, graph, m, beam);
    System.out.printf("n=%d dim=%d queries=%d k=%d graph=%s M=%d beam=%d quantization=%s writer threads=%d; %s%n",
        n, dim, queries, k, graph.id(), m, beam, quantization.id(), threads, load());
    Random r = new Random(42);
    float[][] data = new float[n][];
    for (int i = 0; i < n; i++) data[i] = unit(r, dim);
    float[][] qs = new float[queries][];
    for (int i = 0; i < queries; i++) qs[i] = unit(r, dim);
    try (VectorIndex idx = VectorIndex.openOrCreate(dir, "synthetic", "synthetic", dim,
        options)) {
      if (reuse) {
        if (idx.size() != n) throw new IllegalStateException("--dir " + dir + " holds " + idx.size() + " vectors, not --n " + n);
        System.out.println("reusing the index in " + dir + " (options " + idx.options() + ")");
      } else {
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
          int chunk = (n + threads - 1) / threads;
          final float[][] d = data;
          final int total = n;
          Future<?>[] fs = new Future<?>[threads];
          for (int t = 0; t < threads; t++) {
            int from = t * chunk;
            int to = Math.min(total, from + chunk);
            fs[t] = pool.submit(() -> {
              for (int i = from; i < to; i++) idx.upsert(new IndexedDoc("v" + i, null, null, "text", "bench", null, 0, 0, Map.of(), d[i]));
            });
          }
          for (Future<?> f : fs) f.get();
        }
        idx.commit();
        long t1 = System.nanoTime();
        idx.forceMerge();
        long t2 = System.nanoTime();
        System.out.printf("build: add+commit %.1f s (%.0f vectors/s), forceMerge(1) %.1f s%n",
            (t1 - t0) / 1e9, n / ((t1 - t0) / 1e9), (t2 - t1) / 1e9);
      }
      // ground truth by brute force (through the index's exact path, checked against a plain loop once)
      List<Set<String>> truth = new java.util.ArrayList<>();
      long te = System.nanoTime();
      for (float[] q : qs) {
        Set<String> s = new HashSet<>();
        for (Hit h : idx.searcher().search(Query.builder(q).k(k).exact(true).build())) s.add(h.id());
        truth.add(s);
      }
      double exactMs = (System.nanoTime() - te) / 1e6 / queries;
      long exactCpu = 0;
      for (int i = 0; i < Math.min(50, queries); i++) {
        long c = THREADS.getCurrentThreadCpuTime();
        idx.searcher().search(Query.builder(qs[i]).k(k).exact(true).build());
        exactCpu += THREADS.getCurrentThreadCpuTime() - c;
      }
      checkExact(data, qs[0], k, truth.get(0));
      System.out.printf("exact search: %.2f ms/query wall, %.2f ms cpu (mean)%n", exactMs, exactCpu / 1e6 / Math.min(50, queries));
      for (int ef : efs) {
        // warm up
        for (int w = 0; w < Math.min(200, queries); w++) idx.searcher().search(Query.builder(qs[w]).k(k).candidates(ef).build());
        long[] lat = new long[queries];
        long[] cpu = new long[queries];
        int found = 0;
        for (int i = 0; i < queries; i++) {
          long c = THREADS.getCurrentThreadCpuTime();
          long s = System.nanoTime();
          List<Hit> hits = idx.searcher().search(Query.builder(qs[i]).k(k).candidates(ef).build());
          lat[i] = System.nanoTime() - s;
          cpu[i] = THREADS.getCurrentThreadCpuTime() - c;
          for (Hit h : hits) if (truth.get(i).contains(h.id())) found++;
        }
        Arrays.sort(lat);
        Arrays.sort(cpu);
        System.out.printf("candidates=%d recall@%d=%.4f latency p50=%.3f ms p90=%.3f ms p99=%.3f ms; cpu p50=%.3f ms p90=%.3f ms; %s%n",
            ef, k, found / (double) (queries * k), lat[queries / 2] / 1e6, lat[(int) (queries * 0.90)] / 1e6,
            lat[(int) (queries * 0.99)] / 1e6, cpu[queries / 2] / 1e6, cpu[(int) (queries * 0.90)] / 1e6, load());
      }
    } finally {
      if (tempDir) deleteTree(dir);
    }
  }

  /** The 1-minute load average (as {@code uptime} shows it) and the core count: latencies depend on both. */
  static String load() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return String.format("load average %.2f on %d cores", os.getSystemLoadAverage(), os.getAvailableProcessors());
  }

  private static void checkExact(float[][] data, float[] q, int k, Set<String> got) {
    Integer[] ids = new Integer[data.length];
    float[] s = new float[data.length];
    for (int i = 0; i < data.length; i++) {
      ids[i] = i;
      float d = 0;
      for (int j = 0; j < q.length; j++) d += q[j] * data[i][j];
      s[i] = d;
    }
    Arrays.sort(ids, Comparator.comparingDouble((Integer i) -> -s[i]));
    for (int i = 0; i < k; i++) {
      if (!got.contains("v" + ids[i])) throw new IllegalStateException("exact search disagrees with a plain loop at rank " + i);
    }
  }

  static float[] unit(Random r, int dim) {
    float[] v = new float[dim];
    double n = 0;
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
      n += v[i] * v[i];
    }
    n = Math.sqrt(n);
    for (int i = 0; i < dim; i++) v[i] /= (float) n;
    return v;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
