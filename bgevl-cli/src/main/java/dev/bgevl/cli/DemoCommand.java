package dev.bgevl.cli;

import dev.bgevl.BgeVl;
import dev.bgevl.BgeVlException;
import dev.bgevl.Embedding;
import dev.bgevl.Input;
import dev.bgevl.search.BgeVlEmbedder;
import dev.bgevl.search.Hit;
import dev.bgevl.search.Ingester;
import dev.bgevl.search.Query;
import dev.bgevl.search.VectorIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bgevl demo}: the BGE-VL retrieval demo (MegaPairs' retrieval_demo.ipynb): index the 11 COCO
 * images, run its two text queries and its composed query, and show the published answers beside ours.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {
        "Run the BGE-VL retrieval demo: index the 11 COCO images in demo/corpus, run the reference text and",
        "composed queries, and print the results beside the answers BGE-VL-large publishes.",
        "The default model is downloaded from the Hugging Face hub (see docs/SEARCH.md); offline, pass --model DIR."},
    footer = {"", "Examples:", "  ./bgevl demo", "  ./bgevl demo --model ~/models/BGE-VL-large"})
final class DemoCommand implements Callable<Integer> {
  static final String DEFAULT_MODEL = "BAAI/BGE-VL-base";

  /** A reference query and the ids BGE-VL-large returns for it (MegaPairs retrieval_demo.ipynb). */
  record Reference(String title, String image, String text, List<String> expected) {}

  static final List<Reference> REFERENCES = List.of(
      new Reference("text query", null, "Find a picture of oranges in a blue basket", List.of("000000275230")),
      new Reference("text query", null, "Find a picture of both oranges and bananas", List.of("000000156031")),
      new Reference("composed query", "query/000000530944.jpg",
          "Find a picture that also a motorbike but replace the load to a bag of orange",
          List.of("000000545037", "000000272130", "000000098911")));

  @Option(names = "--model", defaultValue = DEFAULT_MODEL, paramLabel = "MODEL",
      description = "Model folder or Hugging Face repo id (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--demo-dir", paramLabel = "DIR",
      description = "The demo assets (corpus/ and query/); default: ./demo, else the demo/ folder of this checkout.")
  Path demoDir;

  @Option(names = "--index", paramLabel = "DIR", description = "Keep the demo index in DIR (default: a temporary folder, deleted afterwards).")
  Path index;

  @Option(names = "--k", defaultValue = "5", paramLabel = "N", description = "Results shown per query (default: ${DEFAULT-VALUE}).")
  int k;

  @Override
  public Integer call() throws IOException {
    LuceneLogging.quiet();
    Path demo = demoDir != null ? demoDir : locateDemo();
    Path corpus = demo.resolve("corpus");
    if (!Files.isDirectory(corpus)) throw new BgeVlException(corpus + ": demo corpus not found (pass --demo-dir DIR)");
    Path modelDir = ModelLocator.resolve(model);
    boolean temp = index == null;
    Path idxDir = temp ? Files.createTempDirectory("bgevl-demo") : index;
    try (BgeVl m = BgeVl.load(modelDir, BgeVl.Options.defaults())) {
      System.out.printf(Locale.ROOT, "BGE-VL retrieval demo: model %s (dim %d), corpus %s%n", m.modelId(), m.dim(), corpus);
      boolean bgeVl = m.modelId().startsWith("BAAI/BGE-VL");
      if (!bgeVl) {
        System.out.println("note: " + m.modelId() + " is not a BGE-VL checkpoint; with a random-weight test model the results are meaningless"
            + " (this run only shows that the pipeline works end to end)");
      } else if (!m.modelId().equals("BAAI/BGE-VL-large")) {
        System.out.println("note: the reference answers are BGE-VL-large's; " + m.modelId() + " may rank differently");
      }
      try (VectorIndex idx = VectorIndex.openOrCreate(idxDir, modelDir.toAbsolutePath().toString(), m.modelId(), m.dim(),
          VectorIndex.Options.DEFAULT)) {
        Ingester.Summary s = new Ingester(idx, new BgeVlEmbedder(m), new Ingester.Options(8, System.err)).run(List.of(corpus));
        IndexCommand.printSummary(s, idx.size());
        int agree = 0;
        int n = 0;
        for (Reference r : REFERENCES) {
          n++;
          Input in = r.image() == null ? Input.text(r.text()) : Input.composed(Input.image(demo.resolve(r.image())), r.text());
          Embedding e = m.embed(in);
          List<Hit> hits = idx.searcher().search(Query.builder(e.vector()).k(Math.max(k, r.expected().size())).build());
          System.out.println();
          System.out.printf(Locale.ROOT, "Query %d (%s): %s%n", n, r.title(), in.describe());
          System.out.println("  reference (BGE-VL-large): " + String.join(", ", r.expected()));
          int rank = 1;
          for (Hit h : hits) {
            String name = Path.of(h.id()).getFileName().toString();
            String stem = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
            int refRank = r.expected().indexOf(stem);
            System.out.printf(Locale.ROOT, "  %2d  %.4f  %s%s%n", rank++, h.score(), name,
                refRank >= 0 ? "   <- reference #" + (refRank + 1) : "");
          }
          List<String> top = hits.stream().limit(r.expected().size())
              .map(h -> Path.of(h.id()).getFileName().toString().replaceFirst("\\.[^.]*$", "")).toList();
          boolean same = top.equals(r.expected());
          if (same) agree++;
          System.out.println("  top-" + r.expected().size() + (same ? " matches the reference" : " differs from the reference: " + String.join(", ", top)));
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%d of %d queries match the reference answers%s%n", agree, REFERENCES.size(),
            bgeVl ? "" : " (expected to differ: not a BGE-VL checkpoint)");
      }
    } finally {
      if (temp) deleteTree(idxDir);
    }
    return 0;
  }

  /** ./demo, else the demo/ folder of the checkout this jar or class folder belongs to. */
  static Path locateDemo() {
    Path here = Path.of("demo");
    if (Files.isDirectory(here.resolve("corpus"))) return here;
    try {
      Path code = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path p = code.toAbsolutePath(); p != null; p = p.getParent()) {
        if (Files.isDirectory(p.resolve("demo/corpus"))) return p.resolve("demo");
      }
    } catch (Exception e) {
      // fall through to the message
    }
    throw new BgeVlException("demo assets not found in ./demo or next to the bgevl jar: pass --demo-dir DIR");
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
