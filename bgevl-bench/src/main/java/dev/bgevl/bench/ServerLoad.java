package dev.bgevl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVl;
import dev.bgevl.server.BgeVlServer;
import dev.bgevl.server.Embedder;
import dev.bgevl.server.InMemorySearchBackend;
import dev.bgevl.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A bounded load test of {@code POST /v1/embeddings}: N concurrent clients (each with one request
 * in flight) for a fixed time against a running server ({@code --url}) or one started in this JVM
 * ({@code --model}). Reports throughput, the latency distribution (p50/p90/p99/max), status
 * counts, the mean model batch size and the server heap after GC over time (from /metrics).
 * Exits 1 when any response is neither 200 nor 429.
 *
 * <pre>
 * java -cp bgevl-bench/target/benchmarks.jar dev.bgevl.bench.ServerLoad --model M --clients 64 --seconds 60 [--images DIR]
 * </pre>
 */
public final class ServerLoad {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new TreeMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        System.err.println("usage: ServerLoad (--model DIR | --url URL) [--clients 64] [--seconds 60] [--warmup 5] [--images DIR] [--image-every 4] [--api-key K]");
        System.exit(2);
      }
      opt.put(args[i].substring(2), args[++i]);
    }
    int clients = Integer.parseInt(opt.getOrDefault("clients", "64"));
    int seconds = Integer.parseInt(opt.getOrDefault("seconds", "60"));
    int warmup = Integer.parseInt(opt.getOrDefault("warmup", "5"));
    int imageEvery = Integer.parseInt(opt.getOrDefault("image-every", "4"));
    String key = opt.get("api-key");
    List<String> images = new ArrayList<>();
    if (opt.containsKey("images")) {
      try (Stream<Path> s = Files.list(Path.of(opt.get("images")))) {
        for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
          images.add(Base64.getEncoder().encodeToString(Files.readAllBytes(p)));
        }
      }
    }
    BgeVl model = null;
    BgeVlServer server = null;
    String url = opt.get("url");
    if (url == null) {
      model = BgeVl.load(Path.of(opt.getOrDefault("model", "bgevl-core/src/test/resources/fixtures/clip-tiny")));
      server = BgeVlServer.start(Embedder.of(model), new InMemorySearchBackend(model.dim()), ServerConfig.builder().port(0).build());
      url = server.url();
    }
    try {
      run(url, key, clients, seconds, warmup, images, imageEvery);
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  private static void run(String url, String key, int clients, int seconds, int warmup, List<String> images, int imageEvery) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    Map<String, Double> m0 = metrics(http, url, key);
    System.out.printf("server %s: %d clients for %d s (+%d s warm-up), %d images in the mix (every %d-th request)%n",
        url, clients, seconds, warmup, images.size(), imageEvery);
    long start = System.nanoTime();
    long measureFrom = start + warmup * 1_000_000_000L;
    long end = measureFrom + seconds * 1_000_000_000L;
    Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
    AtomicLong inputs = new AtomicLong();
    long[][] latencies = new long[clients][];
    int[] counts = new int[clients];
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      latencies[c] = new long[1 << 16];
      threads.add(Thread.ofPlatform().name("load-" + c).start(() -> {
        Random rnd = new Random(client);
        for (int i = 0; System.nanoTime() < end; i++) {
          String body;
          int n;
          if (!images.isEmpty() && i % imageEvery == imageEvery - 1) {
            body = "{\"input\": [{\"image\": \"" + images.get(rnd.nextInt(images.size())) + "\", \"text\": \"client " + client + "\"}]}";
            n = 1;
          } else {
            n = 1 + rnd.nextInt(4);
            StringBuilder sb = new StringBuilder("{\"input\": [");
            for (int j = 0; j < n; j++) {
              sb.append(j > 0 ? ", " : "").append("\"a photo of thing ").append(rnd.nextInt(100000)).append(" by client ").append(client).append('"');
            }
            body = sb.append("]}").toString();
          }
          HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/v1/embeddings")).timeout(Duration.ofSeconds(60))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
          if (key != null) {
            b.header("Authorization", "Bearer " + key);
          }
          long t0 = System.nanoTime();
          int status;
          try {
            status = http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
          } catch (IOException e) {
            status = -1;
          } catch (InterruptedException e) {
            return;
          }
          long t1 = System.nanoTime();
          if (t0 >= measureFrom && t1 <= end) {
            statuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
            if (status == 200) {
              inputs.addAndGet(n);
              if (counts[client] == latencies[client].length) {
                latencies[client] = Arrays.copyOf(latencies[client], counts[client] * 2);
              }
              latencies[client][counts[client]++] = t1 - t0;
            }
          }
          if (status == 429) {
            try {
              Thread.sleep(10);
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      }));
    }
    List<Double> heap = new ArrayList<>();
    Map<String, Double> mStart = null;
    while (System.nanoTime() < end) {
      Thread.sleep(1000);
      long now = System.nanoTime();
      if (mStart == null && now >= measureFrom) {
        mStart = metrics(http, url, key);
      }
      if ((now - start) / 1_000_000_000L % 5 == 0) {
        Map<String, Double> m = metrics(http, url, key);
        heap.add(m.getOrDefault("bgevl_jvm_heap_after_gc_bytes", 0.0));
        System.out.printf("  t=%3d s  queue %3.0f  heap after GC %6.1f MiB  heap used %6.1f MiB%n", (now - start) / 1_000_000_000L,
            m.getOrDefault("bgevl_queue_depth", 0.0), m.getOrDefault("bgevl_jvm_heap_after_gc_bytes", 0.0) / (1 << 20),
            m.getOrDefault("bgevl_jvm_heap_used_bytes", 0.0) / (1 << 20));
      }
    }
    for (Thread t : threads) {
      t.join();
    }
    Map<String, Double> m1 = metrics(http, url, key);
    if (mStart == null) {
      mStart = m0;
    }
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (int c = 0; c < clients; c++) {
      System.arraycopy(latencies[c], 0, all, at, counts[c]);
      at += counts[c];
    }
    Arrays.sort(all);
    double batches = m1.getOrDefault("bgevl_batch_size_count", 0.0) - mStart.getOrDefault("bgevl_batch_size_count", 0.0);
    double batchInputs = m1.getOrDefault("bgevl_batch_size_sum", 0.0) - mStart.getOrDefault("bgevl_batch_size_sum", 0.0);
    double batchReqs = m1.getOrDefault("bgevl_batch_requests_sum", 0.0) - mStart.getOrDefault("bgevl_batch_requests_sum", 0.0);
    System.out.printf("statuses %s%n", new TreeMap<>(statuses));
    System.out.printf("throughput %.1f requests/s, %.1f inputs/s%n", total / (double) seconds, inputs.get() / (double) seconds);
    if (total > 0) {
      System.out.printf("latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f%n", pct(all, 0.50), pct(all, 0.90), pct(all, 0.99), all[total - 1] / 1e6);
    }
    System.out.printf("batches %.0f: mean %.2f inputs, %.2f requests per model call%n", batches, batchInputs / Math.max(1, batches), batchReqs / Math.max(1, batches));
    System.out.printf("heap after GC (MiB, every 5 s): %s%n", heap.stream().map(h -> String.format("%.1f", h / (1 << 20))).toList());
    boolean bad = statuses.keySet().stream().anyMatch(s -> s != 200 && s != 429);
    if (bad) {
      System.out.println("FAIL: responses other than 200 and 429");
      System.exit(1);
    }
  }

  private static double pct(long[] sorted, double p) {
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }

  /** The unlabeled samples of /metrics (name → value); histograms give _sum and _count. */
  private static Map<String, Double> metrics(HttpClient http, String url, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/metrics")).GET();
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    String text = http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> out = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || line.isBlank() || line.contains("{")) {
        continue;
      }
      int sp = line.lastIndexOf(' ');
      out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
    }
    return out;
  }

  private ServerLoad() {}
}
