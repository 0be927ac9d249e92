package dev.bgevl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgevl.BgeVl;
import dev.bgevl.BgeVlException;
import dev.bgevl.Embedding;
import dev.bgevl.EmbeddingModel;
import dev.bgevl.Input;
import dev.bgevl.search.Filter;
import dev.bgevl.search.Hit;
import dev.bgevl.search.Query;
import dev.bgevl.search.VectorIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bgevl search}: text, image, composed and weighted queries against an index. */
@Command(name = "search", mixinStandardHelpOptions = true,
    description = {
        "Search an index with a text, an image, or both (a composed query: the image changed as the text says).",
        "",
        "Query arithmetic: --add-text/--sub-text/--add-image/--sub-image add or subtract more concepts, each",
        "with an optional weight (W:VALUE, e.g. --add-text 0.5:red). The query is the renormalized sum of the",
        "weighted normalized embeddings (--image/--text count with weight 1). Scores are cosine similarities.",
        "",
        "BGE-VL-MLLM indexes: every query term is embedded with the model's query prompt (documents were",
        "embedded as candidates); a composed query gets the model's composed-image-retrieval instruction",
        "unless --instruction is given, a text or image alone none.",
        "",
        "Filters: color = \"red\" AND price < 20, kind = \"image\" OR NOT tag IN (\"a\", \"b\"), size > 100000;",
        "fields: id, path, kind, source, size, mtime and the keys of the records' metadata."},
    footer = {"", "Examples:",
        "  bgevl search --index photos.idx --text \"a dog on a beach\"",
        "  bgevl search --index photos.idx --image query.jpg --text \"make it red\" --k 5",
        "  bgevl search --index photos.idx --text \"a car\" --sub-text 0.5:night --filter 'kind = \"image\"' --json"})
final class SearchCommand implements Callable<Integer> {
  private static final Pattern WEIGHTED = Pattern.compile("([+-]?(?:\\d+\\.?\\d*|\\.\\d+)):(.*)", Pattern.DOTALL);

  @Option(names = "--index", required = true, paramLabel = "DIR", description = "Index folder made by 'bgevl index'.")
  Path index;

  @Option(names = "--model", paramLabel = "MODEL", description = "Model folder or repo id (default: the model the index was built with).")
  String model;

  @Option(names = "--image", paramLabel = "PATH", description = "Query image (with --text: a composed query).")
  Path image;

  @Option(names = "--text", paramLabel = "TEXT", description = "Query text (with --image: a composed query).")
  String text;

  @Option(names = "--add-text", paramLabel = "[W:]TEXT", description = "Add a text concept, weight W (default 1).")
  List<String> addText = new ArrayList<>();

  @Option(names = "--sub-text", paramLabel = "[W:]TEXT", description = "Subtract a text concept, weight W (default 1).")
  List<String> subText = new ArrayList<>();

  @Option(names = "--add-image", paramLabel = "[W:]PATH", description = "Add an image concept, weight W (default 1).")
  List<String> addImage = new ArrayList<>();

  @Option(names = "--sub-image", paramLabel = "[W:]PATH", description = "Subtract an image concept, weight W (default 1).")
  List<String> subImage = new ArrayList<>();

  @Option(names = "--k", defaultValue = "10", paramLabel = "N", description = "Number of results (default: ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--filter", paramLabel = "EXPR", description = "Metadata filter expression (see above).")
  String filter;

  @Option(names = "--exact", description = "Brute-force scoring of every item instead of the HNSW graph.")
  boolean exact;

  @Option(names = "--min-score", paramLabel = "S", description = "Drop results with a cosine below S.")
  Float minScore;

  @Option(names = "--candidates", paramLabel = "N",
      description = "HNSW candidates examined (efSearch; default " + Query.DEFAULT_CANDIDATES + "): higher = better recall, slower.")
  Integer candidates;

  @Option(names = "--instruction", paramLabel = "TEXT",
      description = "BGE-VL-MLLM only: the task instruction for every query term (default: the composed-image-retrieval instruction for --image with --text, none otherwise).")
  String instruction;

  @Option(names = "--json", description = "Print one JSON object with the results.")
  boolean json;

  private static final ObjectMapper JSON = new ObjectMapper();

  record Term(Input input, float weight, String label) {}

  @Override
  public Integer call() throws Exception {
    LuceneLogging.quiet();
    // check what needs no model first: k and the filter syntax
    if (k < 1 || k > 10_000) throw new BgeVlException("--k must be between 1 and 10000, got " + k);
    if (filter != null && !filter.isBlank()) Filter.parse(filter);
    List<Term> terms = terms();
    try (VectorIndex idx = VectorIndex.open(index)) {
      String spec = model != null ? model : idx.meta().model();
      try (EmbeddingModel m = EmbeddingModel.load(ModelLocator.resolve(spec), BgeVl.Options.defaults())) {
        idx.checkModel(m.modelId(), m.dim());
        if (instruction != null && m.family() != EmbeddingModel.Family.MLLM) {
          throw new BgeVlException("--instruction is for BGE-VL-MLLM models; " + m.modelId() + " is " + m.family().label()
              + ", which embeds queries without one");
        }
        List<Embedding> embs = m.embedBatch(terms.stream().map(t -> (Input) Input.query(t.input(), instruction)).toList());
        float[][] vecs = new float[terms.size()][];
        float[] weights = new float[terms.size()];
        for (int i = 0; i < vecs.length; i++) {
          vecs[i] = embs.get(i).vector();
          weights[i] = terms.get(i).weight();
        }
        float[] q = vecs.length == 1 ? vecs[0] : Query.combine(vecs, weights);
        Query.Builder b = Query.builder(q).k(k).filter(filter).exact(exact);
        if (minScore != null) b.minScore(minScore);
        if (candidates != null) b.candidates(candidates);
        long t0 = System.nanoTime();
        List<Hit> hits = idx.searcher().search(b.build());
        double ms = (System.nanoTime() - t0) / 1e6;
        print(terms, hits, ms);
      }
    }
    return 0;
  }

  private List<Term> terms() {
    List<Term> t = new ArrayList<>();
    if (image != null || text != null) {
      if (image != null) requireFile(image);
      Input in = image == null ? Input.text(text) : text == null ? Input.image(image) : Input.composed(Input.image(image), text);
      t.add(new Term(in, 1f, in.describe()));
    }
    for (String s : addText) t.add(textTerm(s, 1, "--add-text"));
    for (String s : subText) t.add(textTerm(s, -1, "--sub-text"));
    for (String s : addImage) t.add(imageTerm(s, 1, "--add-image"));
    for (String s : subImage) t.add(imageTerm(s, -1, "--sub-image"));
    if (t.isEmpty()) throw new BgeVlException("give a query: --text, --image (both: composed), or --add-text/--add-image");
    return t;
  }

  private static Term textTerm(String s, int sign, String opt) {
    Matcher m = WEIGHTED.matcher(s);
    float w = m.matches() ? Float.parseFloat(m.group(1)) : 1f;
    String v = m.matches() ? m.group(2) : s;
    if (v.isEmpty()) throw new BgeVlException(opt + " " + s + ": the text is empty");
    Input in = Input.text(v);
    return new Term(in, sign * w, String.format(Locale.ROOT, "%+.2f × %s", sign * w, in.describe()));
  }

  private static Term imageTerm(String s, int sign, String opt) {
    Matcher m = WEIGHTED.matcher(s);
    // a file named like "0.5:x.jpg" wins over the weight syntax
    boolean weighted = m.matches() && !Files.exists(Path.of(s));
    float w = weighted ? Float.parseFloat(m.group(1)) : 1f;
    Path p = Path.of(weighted ? m.group(2) : s);
    requireFile(p);
    return new Term(Input.image(p), sign * w, String.format(Locale.ROOT, "%+.2f × image %s", sign * w, p));
  }

  private static void requireFile(Path p) {
    if (!Files.isRegularFile(p)) throw new BgeVlException(p + ": file not found");
  }

  private void print(List<Term> terms, List<Hit> hits, double ms) throws Exception {
    if (json) {
      ObjectNode root = JSON.createObjectNode();
      ArrayNode q = root.putArray("query");
      for (Term t : terms) q.addObject().put("input", t.input().describe()).put("weight", t.weight());
      root.put("index", index.toString());
      root.put("exact", exact);
      root.put("ms", Math.round(ms * 1000) / 1000.0);
      ArrayNode res = root.putArray("results");
      int rank = 1;
      for (Hit h : hits) {
        ObjectNode o = res.addObject();
        o.put("rank", rank++).put("score", h.score()).put("id", h.id()).put("kind", h.kind());
        if (h.path() != null) o.put("path", h.path());
        if (h.text() != null) o.put("text", h.text());
        o.set("metadata", JSON.readTree(h.metadataJson() == null ? "{}" : h.metadataJson()));
      }
      System.out.println(JSON.writeValueAsString(root));
      return;
    }
    for (Term t : terms) System.out.println("query: " + t.label());
    System.out.printf(Locale.ROOT, "%d results (%s search, %.1f ms)%n", hits.size(), exact ? "exact" : "HNSW", ms);
    int rank = 1;
    for (Hit h : hits) System.out.println(line(rank++, h));
  }

  static String line(int rank, Hit h) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%3d  %.4f  %s", rank, h.score(), h.id()));
    if (h.path() != null && !h.path().equals(h.id())) sb.append("  ").append(h.path());
    if (h.text() != null) {
      String t = h.text().length() > 60 ? h.text().substring(0, 57) + "..." : h.text();
      sb.append("  \"").append(t.replace('\n', ' ')).append('"');
    }
    if (h.metadataJson() != null && !h.metadataJson().equals("{}")) sb.append("  ").append(h.metadataJson());
    return sb.toString();
  }
}
