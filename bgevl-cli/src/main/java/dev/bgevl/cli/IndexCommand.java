package dev.bgevl.cli;

import dev.bgevl.BgeVl;
import dev.bgevl.BgeVlException;
import dev.bgevl.EmbeddingModel;
import dev.bgevl.search.BgeVlEmbedder;
import dev.bgevl.search.IndexFormat;
import dev.bgevl.search.Ingester;
import dev.bgevl.search.VectorIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bgevl index}: create or update a persistent index from folders and JSONL corpora. */
@Command(name = "index", mixinStandardHelpOptions = true,
    description = {
        "Create or update a search index from image folders and JSONL corpora.",
        "",
        "PATH: a folder (every image in it, recursively, recognized by content, not extension), an image file,",
        "or a .jsonl file of {\"image\": path relative to the file, \"text\": ..., \"id\": ..., \"metadata\": {...}}",
        "(image + text = a composed document). Runs are incremental (unchanged files are skipped, changed ones",
        "re-embedded, vanished ones deleted) and safe to interrupt: every batch is committed atomically and the",
        "next run resumes. Unreadable inputs are listed in the summary and skipped."},
    footer = {"", "Examples:",
        "  bgevl index --model BAAI/BGE-VL-base --index photos.idx ~/Pictures",
        "  bgevl index --index photos.idx ~/Pictures            (update; the model is read from the index)",
        "  bgevl index --model ./BGE-VL-base --index shop.idx products.jsonl"})
final class IndexCommand implements Callable<Integer> {
  @Option(names = "--model", paramLabel = "MODEL",
      description = "Model folder or Hugging Face repo id (default for an existing index: the model it was built with).")
  String model;

  @Option(names = "--index", required = true, paramLabel = "DIR", description = "Index folder (created when missing).")
  Path index;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Folders, image files or .jsonl corpora to index.")
  List<Path> inputs;

  @Option(names = "--batch-size", defaultValue = "16", paramLabel = "N",
      description = "Items embedded and committed together (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--quantized",
      description = "New index only: same as --quantization int8 (kept for scripts; the default is already quantized).")
  boolean quantized;

  @Option(names = "--quantization", paramLabel = "Q",
      description = "New index only: the codes the search scans before re-scoring its top candidates with the float32 "
          + "vectors: bit1+int4 (flat only: one-bit codes scanned with popcounts, the best 5% re-ranked with four-bit codes), "
          + "int8, int7, int4, bit2, bit1 (Lucene's codes), or none (float32 only; HNSW only). "
          + "Default: bit1+int4 (flat), none (hnsw).")
  String quantization;

  @Option(names = "--graph", paramLabel = "G",
      description = "New index only: flat (every code scored, exact up to the re-scored candidates; the default) or hnsw "
          + "(a Lucene HNSW graph, M=32, beam 200: sub-linear, for millions of items; recall set by --candidates).")
  String graph;

  @Option(names = "--quiet", description = "No progress bar on stderr.")
  boolean quiet;

  @Override
  public Integer call() {
    LuceneLogging.quiet();
    if (batchSize < 1 || batchSize > 1024) throw new BgeVlException("--batch-size must be between 1 and 1024, got " + batchSize);
    String spec = model;
    if (Files.exists(index.resolve(IndexFormat.META_FILE))) {
      if (spec == null) spec = IndexFormat.readMeta(index).model();
    } else if (spec == null) {
      throw new BgeVlException("--model is required to create a new index at " + index);
    }
    Path modelDir = ModelLocator.resolve(spec);
    String recorded = Files.isDirectory(Path.of(spec)) ? modelDir.toAbsolutePath().normalize().toString() : spec;
    try (EmbeddingModel m = EmbeddingModel.load(modelDir, BgeVl.Options.defaults().withMaxBatch(Math.min(batchSize, 32)));
         VectorIndex idx = VectorIndex.openOrCreate(index, recorded, m.modelId(), m.dim(), options())) {
      Ingester.Summary s = new Ingester(idx, new BgeVlEmbedder(m), new Ingester.Options(batchSize, quiet ? null : System.err)).run(inputs);
      printSummary(s, idx.size());
    }
    return 0;
  }

  private VectorIndex.Options options() {
    if (quantized && quantization != null && !"int8".equals(quantization)) {
      throw new BgeVlException("--quantized means --quantization int8; it contradicts --quantization " + quantization);
    }
    VectorIndex.Graph g = graph != null ? VectorIndex.Graph.parse(graph) : VectorIndex.Options.DEFAULT.graph();
    VectorIndex.Options base = g == VectorIndex.Graph.HNSW ? VectorIndex.Options.HNSW_FLOAT32 : VectorIndex.Options.DEFAULT;
    VectorIndex.Quantization q = quantization != null ? VectorIndex.Quantization.parse(quantization)
        : quantized ? VectorIndex.Quantization.INT8 : base.quantization();
    return base.withQuantization(q);
  }

  static void printSummary(Ingester.Summary s, int size) {
    System.out.println(s.describe() + "; the index holds " + size + " items");
    List<Ingester.Failure> f = s.failures();
    for (int i = 0; i < Math.min(20, f.size()); i++) System.out.println("  failed: " + f.get(i));
    if (f.size() > 20) System.out.println("  ... and " + (f.size() - 20) + " more failures");
  }
}
