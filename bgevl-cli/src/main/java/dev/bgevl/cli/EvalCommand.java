package dev.bgevl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgevl.BgeVl;
import dev.bgevl.BgeVlException;
import dev.bgevl.search.eval.CirDatasets;
import dev.bgevl.search.eval.CirEvaluation;
import dev.bgevl.search.eval.CirEvaluation.Benchmark;
import dev.bgevl.search.eval.CirTask;
import dev.bgevl.search.eval.EmbeddingCache;
import dev.bgevl.search.eval.Encoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bgevl eval}: zero-shot composed image retrieval benchmarks with the reference's metrics. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = {
        "Evaluate composed image retrieval on CIRCO, FashionIQ or CIRR with the reference's metrics.",
        "Queries (reference image + text) are embedded as composed inputs, the corpus as images;",
        "search is exact. Writes metrics and per-query rankings, and the evaluation server's",
        "submission file(s) for CIRCO and CIRR. Embeddings are cached, so a re-run only re-scores.",
        "See docs/EVALUATION.md for the data layouts."},
    footer = {"", "Examples:",
        "  bgevl eval circo --model BAAI/BGE-VL-base --data CIRCO --split val",
        "  bgevl eval fashioniq --model BAAI/BGE-VL-base --data fashion-iq",
        "  bgevl eval cirr --model BAAI/BGE-VL-base --data data/cirr --split test"})
final class EvalCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DATASET", description = "circo, fashioniq or cirr.")
  String dataset;

  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model folder (Hugging Face layout) or hub repo id.")
  String model;

  @Option(names = "--data", required = true, paramLabel = "DIR", description = "The dataset folder (see docs/EVALUATION.md).")
  Path data;

  @Option(names = "--images", paramLabel = "DIR",
      description = "Image folder, when not in the default place (CIRCO: DIR/COCO2017_unlabeled/unlabeled2017; FashionIQ: DIR; CIRR: DIR/img_raw or DIR).")
  Path images;

  @Option(names = "--split", defaultValue = "val", paramLabel = "SPLIT",
      description = "val or test (default: ${DEFAULT-VALUE}). Test labels are private: only the submission file is written.")
  String split;

  @Option(names = "--output", paramLabel = "FILE.json",
      description = "Results file: metrics and per-query rankings (default: eval-DATASET-SPLIT.json).")
  Path output;

  @Option(names = "--submission", paramLabel = "FILE.json",
      description = "Evaluation server file (CIRCO, CIRR; CIRR also writes subset_FILE.json). Default: next to --output, named DATASET-SPLIT-submission.json.")
  Path submission;

  @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
      description = "Inputs embedded (and cached) together (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--top-k", defaultValue = "100", paramLabel = "K",
      description = "Results kept per query in the results file (default: ${DEFAULT-VALUE}, the reference's k; at least 50).")
  int topK;

  @Option(names = "--categories", split = ",", paramLabel = "C", defaultValue = "dress,shirt,toptee",
      description = "FashionIQ categories (default: ${DEFAULT-VALUE}).")
  List<String> categories;

  @Option(names = "--exclude-reference",
      description = "Leave each query's reference image out of CIRCO/FashionIQ rankings (MegaPairs' scripts keep it; CIRR always removes it).")
  boolean excludeReference;

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "Embedding cache (default: $XDG_CACHE_HOME/bgevl/eval or ~/.cache/bgevl/eval).")
  Path cacheDir;

  @Option(names = "--no-cache", description = "Neither read nor write cached embeddings.")
  boolean noCache;

  @Override
  public Integer call() throws Exception {
    Benchmark b = switch (dataset.toLowerCase()) {
      case "circo" -> Benchmark.CIRCO;
      case "fashioniq", "fiq" -> Benchmark.FASHIONIQ;
      case "cirr" -> Benchmark.CIRR;
      default -> throw new BgeVlException("unknown dataset '" + dataset + "' (circo, fashioniq, cirr)");
    };
    if (!split.equals("val") && !split.equals("test")) {
      throw new BgeVlException("--split must be val or test, got " + split);
    }
    if (batchSize < 1 || batchSize > 1024) {
      throw new BgeVlException("--batch-size must be between 1 and 1024, got " + batchSize);
    }
    if (topK < 50) {
      throw new BgeVlException("--top-k must be at least 50 (the largest metric cutoff), got " + topK);
    }
    if (!Files.isDirectory(data)) {
      throw new BgeVlException(data + ": dataset folder not found");
    }
    String name = b.name().toLowerCase();
    List<CirTask> tasks = switch (b) {
      case CIRCO -> List.of(CirDatasets.circo(data, split, images));
      case FASHIONIQ -> CirDatasets.fashionIq(data, split, images, categories);
      case CIRR -> List.of(CirDatasets.cirr(data, split, images));
    };
    CirEvaluation.checkImages(name, tasks);
    Path out = output != null ? output : Path.of("eval-" + name + "-" + split + ".json");
    Path cache = noCache ? null : cacheDir != null ? cacheDir : defaultCache();
    boolean exclude = b == Benchmark.CIRR || excludeReference;
    CirEvaluation.Options opts = new CirEvaluation.Options(exclude, topK, batchSize);
    Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
    Map<String, List<CirEvaluation.Ranked>> rankings = new LinkedHashMap<>();
    ObjectNode header = new ObjectMapper().createObjectNode();
    try (BgeVl bgevl = BgeVl.load(ModelLocator.resolve(model), BgeVl.Options.defaults().withMaxBatch(Math.min(batchSize, 32)))) {
      CirEvaluation ev = new CirEvaluation(Encoder.ofModel(bgevl), new EmbeddingCache(cache, System.err), System.err);
      for (CirTask t : tasks) {
        List<CirEvaluation.Ranked> rs = ev.rank(name, t, opts);
        rankings.put(t.name(), rs);
        metrics.put(t.name(), CirEvaluation.metrics(b, rs));
      }
      header.put("dataset", name).put("split", split).put("model", bgevl.modelId())
          .put("model_folder", bgevl.folder().toAbsolutePath().toString()).put("data", data.toAbsolutePath().toString());
      ObjectNode proto = header.putObject("protocol");
      proto.put("query", "normalize(text_features + image_features), caption truncated to 75 tokens (MegaPairs MMIT_Collator)");
      proto.put("corpus", "normalize(image_features)");
      proto.put("search", "exact inner product; ties: lower corpus index first");
      proto.put("reference_image_excluded", exclude);
      ObjectNode sizes = header.putObject("sizes");
      tasks.forEach(t -> sizes.putObject(t.name()).put("queries", t.queries().size()).put("corpus", t.corpus().size()));
    }
    if (b == Benchmark.FASHIONIQ && metrics.values().stream().noneMatch(Map::isEmpty)) {
      metrics.put("average", CirEvaluation.fashionIqAverage(new LinkedHashMap<>(metrics)));
    }
    CirEvaluation.writeResults(out, header, metrics, rankings);
    System.err.println("results: " + out);
    if (b != Benchmark.FASHIONIQ) {
      Path sub = submission != null ? submission
          : out.toAbsolutePath().resolveSibling(name + "-" + split + "-submission.json");
      for (Path p : CirEvaluation.writeSubmission(b, sub, rankings.get(name))) {
        System.err.println("submission: " + p);
      }
    }
    if (metrics.values().stream().allMatch(Map::isEmpty)) {
      System.out.println(name + " " + split + ": labels are private; upload the submission file to the evaluation server");
    } else {
      System.out.print(CirEvaluation.table(metrics));
    }
    return 0;
  }

  private static Path defaultCache() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("bgevl/eval");
  }
}
