package dev.bgevl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgevl.BgeVlException;
import dev.bgevl.clip.ClipConfig;
import dev.bgevl.clip.ClipModel;
import dev.bgevl.weights.SafeTensorsWriter;
import dev.bgevl.weights.SyntheticWeights;
import dev.bgevl.weights.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bgevl bench}: end-to-end encoder throughput and latency on full-size shapes, model load
 * time, peak RSS, and the machine's sgemm roofline (numpy/OpenBLAS, measured in the same run). See
 * docs/PERFORMANCE.md for what bounds each number.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure images/s, texts/s, query latency, load time and peak memory of the encoders, "
        + "next to the machine's sgemm roofline.")
final class BenchCommand implements Callable<Integer> {

  static final class Source {
    @Option(names = "--synthetic", paramLabel = "ARCH",
        description = "Random weights with the real shapes: base (BGE-VL-base, ViT-B/16) or large (BGE-VL-large, ViT-L/14). Default: base.")
    String synthetic;

    @Option(names = "--model", paramLabel = "DIR", description = "A model folder (Hugging Face layout) to load and measure.")
    String model;
  }

  @ArgGroup(exclusive = true)
  Source source = new Source();

  @Option(names = "--batch", split = ",", paramLabel = "N[,N...]", defaultValue = "1,8,32",
      description = "Batch sizes for the throughput runs (default: ${DEFAULT-VALUE}).")
  int[] batches;

  @Option(names = "--runs", defaultValue = "5", paramLabel = "N",
      description = "Timed runs per measurement; the median is reported (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", defaultValue = "1", paramLabel = "N",
      description = "Untimed runs before each measurement (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--latency-runs", defaultValue = "20", paramLabel = "N",
      description = "Single-query runs for the latency percentiles (default: ${DEFAULT-VALUE}).")
  int latencyRuns;

  @Option(names = "--text-tokens", defaultValue = "12", paramLabel = "N",
      description = "Tokens per text query, BOS and EOS included (default: ${DEFAULT-VALUE}).")
  int textTokens;

  @Option(names = "--threads", paramLabel = "N",
      description = "Compute threads (default: all processors; same as -Dbgevl.threads).")
  Integer threads;

  @Option(names = "--skip", split = ",", paramLabel = "PART",
      description = "Parts to skip: images, texts, latency, roofline.")
  List<String> skip = new ArrayList<>();

  @Option(names = "--write-checkpoint", paramLabel = "DIR",
      description = "Write the synthetic model as an F32 safetensors folder to DIR (to time the real load path with --model DIR) and exit.")
  Path writeCheckpoint;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  /** Dense FLOPs of one encoder pass: 2·M·N·K for every GEMM plus the two attention matmuls. */
  static double visionFlopsPerImage(ClipConfig c) {
    ClipConfig.Vision v = c.vision();
    long s = v.numPositions();
    long h = v.hiddenSize();
    long patch = 2L * v.numPatches() * h * v.numChannels() * v.patchSize() * v.patchSize();
    return patch + v.numHiddenLayers() * layerFlops(s, h, v.intermediateSize()) + 2.0 * h * c.projectionDim();
  }

  static double textFlopsPerQuery(ClipConfig c, int tokens) {
    ClipConfig.Text t = c.text();
    // causal attention still computes the full score matrix in most kernels; count it like the peers
    return t.numHiddenLayers() * layerFlops(tokens, t.hiddenSize(), t.intermediateSize()) + 2.0 * t.hiddenSize() * c.projectionDim();
  }

  private static double layerFlops(long s, long h, long inter) {
    double linear = 2.0 * s * h * (4 * h + 2 * inter); // qkv (3h) + out (h) + fc1 + fc2
    double attention = 2.0 * 2.0 * s * s * h; // q·kᵀ and p·v over all heads
    return linear + attention;
  }

  @Override
  public Integer call() throws Exception {
    if (threads != null) {
      if (threads < 1) {
        throw new BgeVlException("--threads must be at least 1, got " + threads);
      }
      // must happen before dev.bgevl.tensor.Parallel is first used (it sizes its pool once)
      System.setProperty("bgevl.threads", Integer.toString(threads));
    }
    for (int b : batches) {
      if (b < 1) {
        throw new BgeVlException("--batch sizes must be at least 1, got " + b);
      }
    }
    if (runs < 1 || warmup < 0 || latencyRuns < 1) {
      throw new BgeVlException("--runs and --latency-runs must be at least 1 and --warmup at least 0");
    }
    for (String s : skip) {
      if (!List.of("images", "texts", "latency", "roofline").contains(s)) {
        throw new BgeVlException("--skip " + s + ": unknown part (images, texts, latency, roofline)");
      }
    }
    String arch = source.model == null ? (source.synthetic == null ? "base" : source.synthetic) : null;
    ClipConfig synthConfig = null;
    if (arch != null) {
      synthConfig = switch (arch) {
        case "base" -> ClipConfig.base();
        case "large" -> ClipConfig.large();
        default -> throw new BgeVlException("--synthetic " + arch + ": unknown architecture (base or large)");
      };
    }
    if (writeCheckpoint != null) {
      if (synthConfig == null) {
        throw new BgeVlException("--write-checkpoint needs --synthetic base|large, not --model");
      }
      writeSynthetic(synthConfig, writeCheckpoint);
      System.out.println("wrote " + writeCheckpoint.resolve("model.safetensors") + " (F32, synthetic " + arch + ")");
      return 0;
    }

    ObjectMapper mapper = new ObjectMapper();
    ObjectNode out = mapper.createObjectNode();
    out.put("model", arch != null ? "synthetic-" + arch : source.model);
    out.put("threads", dev.bgevl.tensor.Parallel.threads());
    out.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    out.put("cpu", cpuName());
    out.put("processors", Runtime.getRuntime().availableProcessors());

    long t0 = System.nanoTime();
    ClipModel model;
    if (synthConfig != null) {
      model = ClipModel.create(synthConfig, new SyntheticWeights(42));
    } else {
      Path dir = ModelLocator.resolve(source.model);
      model = ClipModel.load(dir);
    }
    long tLoaded = System.nanoTime();
    ClipConfig cfg = model.config();
    int side = cfg.vision().imageSize();
    int channels = cfg.vision().numChannels();
    float[][] pool = randomImages(Math.max(32, maxOf(batches)), channels * side * side);
    model.vision().imageFeatures(new float[][] {pool[0]});
    long tFirst = System.nanoTime();
    ObjectNode load = out.putObject("load");
    load.put("path", synthConfig != null ? "synthetic (generated in memory, not mmap)" : "safetensors mmap");
    load.put("stored_dtype", model.storedDType().toString());
    load.put("load_s", (tLoaded - t0) / 1e9);
    load.put("first_image_embedding_s", (tFirst - t0) / 1e9);
    load.put("jvm_start_to_first_embedding_s", (System.currentTimeMillis() - ProcessHandle.current().info()
        .startInstant().map(java.time.Instant::toEpochMilli).orElse(System.currentTimeMillis())) / 1e3);
    long params = model.parameterCount();
    out.put("parameters", params);
    out.put("fp32_weight_bytes", params * 4);
    double gflopImage = visionFlopsPerImage(cfg) / 1e9;
    double gflopText = textFlopsPerQuery(cfg, textTokens) / 1e9;
    out.put("gflop_per_image", round(gflopImage, 2));
    out.put("gflop_per_text_query", round(gflopText, 3));

    int[][] queries = randomQueries(cfg, Math.max(32, maxOf(batches)), textTokens);
    double bestImagesPerS = 0;
    if (!skip.contains("images")) {
      ArrayNode arr = out.putArray("images");
      for (int b : batches) {
        float[][] batch = Arrays.copyOf(pool, b);
        fillUp(batch, pool);
        double[] s = time(() -> model.vision().imageFeatures(batch), warmup, runs);
        double med = median(s);
        ObjectNode o = arr.addObject();
        o.put("batch", b);
        o.put("median_s", med);
        o.put("images_per_s", round(b / med, 3));
        o.put("gflops", round(b * gflopImage / med, 1));
        bestImagesPerS = Math.max(bestImagesPerS, b / med);
        progress("images batch %d: %.2f images/s (median of %d, %.1f GFLOP/s)%n", b, b / med, runs, b * gflopImage / med);
      }
    }
    if (!skip.contains("texts")) {
      ArrayNode arr = out.putArray("texts");
      for (int b : batches) {
        int[][] batch = Arrays.copyOf(queries, b);
        double[] s = time(() -> model.text().textFeatures(batch), warmup, runs);
        double med = median(s);
        ObjectNode o = arr.addObject();
        o.put("batch", b);
        o.put("tokens", textTokens);
        o.put("median_s", med);
        o.put("texts_per_s", round(b / med, 3));
        progress("texts batch %d (%d tokens): %.1f texts/s%n", b, textTokens, b / med);
      }
    }
    if (!skip.contains("latency")) {
      ObjectNode lat = out.putObject("latency_ms");
      double[] text = time(() -> model.text().textFeatures(new int[][] {queries[0]}), Math.max(warmup, 3), latencyRuns);
      lat.set("text_query", percentiles(mapper, text));
      double[] image = time(() -> model.vision().imageFeatures(new float[][] {pool[0]}), warmup, Math.max(runs, latencyRuns / 4));
      lat.set("image", percentiles(mapper, image));
      progress("latency: text query p50 %.2f ms, image p50 %.1f ms%n", median(text) * 1e3, median(image) * 1e3);
    }

    ObjectNode mem = out.putObject("memory");
    long rss = procStatusKb("VmRSS"); // before the peak: reading it may grow the RSS a little
    long hwm = procStatusKb("VmHWM");
    mem.put("peak_rss_bytes", hwm < 0 ? -1 : hwm * 1024);
    mem.put("rss_bytes", rss < 0 ? -1 : rss * 1024);
    long act = visionActivationBytes(cfg, 8);
    mem.put("activation_bytes_batch8", act);
    long budget = (long) (1.5 * params * 4) + act;
    mem.put("budget_bytes", budget);
    mem.put("peak_over_budget", hwm < 0 ? -1 : round(hwm * 1024.0 / budget, 3));
    mem.put("max_heap_bytes", Runtime.getRuntime().maxMemory());

    if (!skip.contains("roofline")) {
      ObjectNode roof = out.putObject("roofline");
      SgemmRoofline r = SgemmRoofline.measure(dev.bgevl.tensor.Parallel.threads());
      if (r.gflops() > 0) {
        roof.put("sgemm_gflops", round(r.gflops(), 1));
        roof.put("source", r.source());
        if (bestImagesPerS > 0) {
          roof.put("best_image_share", round(bestImagesPerS * gflopImage / r.gflops(), 3));
        }
      } else {
        roof.put("unavailable", r.source());
      }
    }

    if (json) {
      System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    } else {
      printText(out);
    }
    return 0;
  }

  // ---- reporting ----

  private void printText(ObjectNode o) {
    System.out.printf(Locale.ROOT, "model        %s, %,d parameters (%.1f MB fp32), %d threads, %s%n", o.get("model").asText(),
        o.get("parameters").asLong(), o.get("fp32_weight_bytes").asLong() / 1e6, o.get("threads").asInt(), o.get("cpu").asText());
    var l = o.get("load");
    System.out.printf(Locale.ROOT, "load         %.2f s (%s), first image embedding after %.2f s (%.2f s since JVM start)%n",
        l.get("load_s").asDouble(), l.get("path").asText(), l.get("first_image_embedding_s").asDouble(),
        l.get("jvm_start_to_first_embedding_s").asDouble());
    double gi = o.get("gflop_per_image").asDouble();
    double roof = o.path("roofline").path("sgemm_gflops").asDouble(0);
    if (o.has("images")) {
      for (var r : o.get("images")) {
        System.out.printf(Locale.ROOT, "images       batch %2d  %8.2f images/s  %7.1f GFLOP/s%s%n", r.get("batch").asInt(),
            r.get("images_per_s").asDouble(), r.get("gflops").asDouble(),
            roof > 0 ? String.format(Locale.ROOT, "  %4.0f%% of sgemm roofline", 100 * r.get("gflops").asDouble() / roof) : "");
      }
    }
    if (o.has("texts")) {
      for (var r : o.get("texts")) {
        System.out.printf(Locale.ROOT, "texts        batch %2d  %8.1f texts/s (%d tokens)%n", r.get("batch").asInt(),
            r.get("texts_per_s").asDouble(), r.get("tokens").asInt());
      }
    }
    if (o.has("latency_ms")) {
      for (String k : List.of("text_query", "image")) {
        var p = o.get("latency_ms").get(k);
        System.out.printf(Locale.ROOT, "latency      %-10s p50 %8.2f ms  p90 %8.2f ms  p99 %8.2f ms  (%d runs)%n", k,
            p.get("p50").asDouble(), p.get("p90").asDouble(), p.get("p99").asDouble(), p.get("runs").asInt());
      }
    }
    var m = o.get("memory");
    System.out.printf(Locale.ROOT, "memory       peak RSS %.0f MB; budget 1.5×fp32 weights + batch-8 activations = %.0f MB (%.2f×)%n",
        m.get("peak_rss_bytes").asLong() / 1e6, m.get("budget_bytes").asLong() / 1e6, m.get("peak_over_budget").asDouble());
    if (o.has("roofline")) {
      var r = o.get("roofline");
      if (r.has("unavailable")) {
        System.out.println("roofline     unavailable (" + r.get("unavailable").asText() + ")");
      } else {
        System.out.printf(Locale.ROOT, "roofline     sgemm %.1f GFLOP/s (%s); model %.2f GFLOP/image; best images share %.0f%%%n",
            r.get("sgemm_gflops").asDouble(), r.get("source").asText(), gi, 100 * r.path("best_image_share").asDouble());
      }
    }
  }

  private void progress(String fmt, Object... args) {
    System.err.printf(Locale.ROOT, fmt, args);
  }

  // ---- measurement ----

  interface Body {
    void run();
  }

  static double[] time(Body body, int warmup, int runs) {
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

  static double median(double[] s) {
    return quantile(s, 0.5);
  }

  /** Nearest-rank-with-interpolation quantile (numpy's default "linear" method). */
  static double quantile(double[] s, double q) {
    double[] c = s.clone();
    Arrays.sort(c);
    double pos = q * (c.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, c.length - 1);
    return c[lo] + (c[hi] - c[lo]) * (pos - lo);
  }

  private static ObjectNode percentiles(ObjectMapper m, double[] s) {
    ObjectNode o = m.createObjectNode();
    o.put("p50", round(quantile(s, 0.5) * 1e3, 3));
    o.put("p90", round(quantile(s, 0.9) * 1e3, 3));
    o.put("p99", round(quantile(s, 0.99) * 1e3, 3));
    o.put("runs", s.length);
    return o;
  }

  /** Activation floats the vision tower holds at once for {@code batch} images (see ClipVisionModel). */
  static long visionActivationBytes(ClipConfig c, int batch) {
    ClipConfig.Vision v = c.vision();
    long rows = (long) batch * v.numPositions();
    long h = v.hiddenSize();
    long patchLen = (long) v.numChannels() * v.patchSize() * v.patchSize();
    // im2col patches, patch output, x, pre-LN output, layer scratch (normed, qkv, attn, mlp)
    long perRow = patchLen + h + h + h + h + 3 * h + h + v.intermediateSize();
    return 4 * rows * perRow;
  }

  static long procStatusKb(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key + ":")) {
          return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private static String cpuName() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  private static float[][] randomImages(int n, int len) {
    SplittableRandom r = new SplittableRandom(7);
    float[][] out = new float[n][len];
    for (float[] img : out) {
      for (int i = 0; i < len; i++) {
        img[i] = (float) r.nextGaussian(); // CLIP-normalized pixels are roughly standard normal
      }
    }
    return out;
  }

  /** BOS, random in-vocabulary word ids, EOS: {@code tokens} ids each. */
  private static int[][] randomQueries(ClipConfig c, int n, int tokens) {
    if (tokens < 2 || tokens > c.text().maxPositionEmbeddings()) {
      throw new BgeVlException("--text-tokens must be in [2, " + c.text().maxPositionEmbeddings() + "], got " + tokens);
    }
    SplittableRandom r = new SplittableRandom(11);
    int[][] out = new int[n][tokens];
    int bos = c.text().bosTokenId();
    int eos = c.text().eosTokenId();
    int hi = Math.min(c.text().vocabSize(), 49406);
    int lo = Math.min(256, hi - 1);
    for (int[] q : out) {
      q[0] = bos;
      for (int i = 1; i < tokens - 1; i++) {
        q[i] = lo + r.nextInt(hi - lo); // word-piece ids, below the special tokens
      }
      q[tokens - 1] = eos;
    }
    return out;
  }

  private static void fillUp(float[][] batch, float[][] pool) {
    for (int i = 0; i < batch.length; i++) {
      batch[i] = pool[i % pool.length];
    }
  }

  private static int maxOf(int[] a) {
    return Arrays.stream(a).max().orElse(1);
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  // ---- synthetic checkpoint ----

  /** Writes config.json and an F32 model.safetensors with the synthetic weights ClipModel.create would use. */
  static void writeSynthetic(ClipConfig c, Path dir) throws IOException {
    Files.createDirectories(dir);
    SafeTensorsWriter writer = new SafeTensorsWriter();
    SyntheticWeights synth = new SyntheticWeights(42);
    TensorSource recording = (name, shape) -> {
      float[] v = synth.floats(name, shape);
      writer.put(name, v, shape);
      return v;
    };
    ClipModel.create(c, recording); // visits every tensor the loader reads, with its shape
    writer.write(dir.resolve("model.safetensors"));
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    root.putArray("architectures").add("CLIPModel");
    root.put("model_type", "clip");
    root.put("projection_dim", c.projectionDim());
    root.put("torch_dtype", "float32");
    ObjectNode t = root.putObject("text_config");
    t.put("vocab_size", c.text().vocabSize());
    t.put("hidden_size", c.text().hiddenSize());
    t.put("intermediate_size", c.text().intermediateSize());
    t.put("num_hidden_layers", c.text().numHiddenLayers());
    t.put("num_attention_heads", c.text().numAttentionHeads());
    t.put("max_position_embeddings", c.text().maxPositionEmbeddings());
    t.put("hidden_act", "quick_gelu");
    t.put("layer_norm_eps", c.text().layerNormEps());
    t.put("pad_token_id", c.text().padTokenId());
    t.put("bos_token_id", c.text().bosTokenId());
    t.put("eos_token_id", c.text().eosTokenId());
    ObjectNode v = root.putObject("vision_config");
    v.put("hidden_size", c.vision().hiddenSize());
    v.put("intermediate_size", c.vision().intermediateSize());
    v.put("num_hidden_layers", c.vision().numHiddenLayers());
    v.put("num_attention_heads", c.vision().numAttentionHeads());
    v.put("num_channels", c.vision().numChannels());
    v.put("image_size", c.vision().imageSize());
    v.put("patch_size", c.vision().patchSize());
    v.put("hidden_act", "quick_gelu");
    v.put("layer_norm_eps", c.vision().layerNormEps());
    Files.writeString(dir.resolve("config.json"), m.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }
}
