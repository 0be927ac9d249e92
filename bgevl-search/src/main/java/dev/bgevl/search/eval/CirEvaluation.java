package dev.bgevl.search.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Runs a benchmark end to end: checks that every image exists, embeds the corpus (images) and the
 * queries (composed) through the cache, searches exactly, and computes the reference's metrics.
 */
public final class CirEvaluation {
  /** Which benchmark, deciding the metrics and the submission format. */
  public enum Benchmark { CIRCO, FASHIONIQ, CIRR }

  public static final int[] CIRCO_K = {5, 10, 25, 50};
  public static final int[] FASHIONIQ_K = {1, 5, 10, 20, 50, 100};
  public static final int[] CIRR_K = {1, 5, 10, 50};
  public static final int[] CIRR_SUBSET_K = {1, 2, 3};

  /**
   * Options.
   *
   * @param excludeReference leave the query's reference image out of the ranking (always on for CIRR,
   *     whose protocol removes it; MegaPairs' CIRCO and FashionIQ scripts keep it, so off by default)
   * @param topK results kept per query in the output (at least the largest metric cutoff)
   * @param batch inputs embedded together (and cached together)
   */
  public record Options(boolean excludeReference, int topK, int batch) {}

  /** The ranking of one query (corpus ids best first, with scores) and, for CIRR, its subset ranking. */
  public record Ranked(CirTask.Query query, List<String> ids, float[] scores, List<String> subset) {}

  private final Encoder encoder;
  private final EmbeddingCache cache;
  private final PrintStream log;

  public CirEvaluation(Encoder encoder, EmbeddingCache cache, PrintStream log) {
    this.encoder = encoder;
    this.cache = cache;
    this.log = log;
  }

  /** Fails with one line if any image of the task is missing: how many, and the first few. */
  public static void checkImages(String dataset, List<CirTask> tasks) {
    LinkedHashSet<Path> all = new LinkedHashSet<>();
    for (CirTask t : tasks) {
      t.corpus().forEach(c -> all.add(c.path()));
      t.queries().forEach(q -> all.add(q.image()));
    }
    List<Path> missing = all.parallelStream().filter(p -> !Files.isRegularFile(p)).toList();
    if (!missing.isEmpty()) {
      throw new BgeVlException(dataset + ": " + missing.size() + " of " + all.size() + " images missing (first: "
          + String.join(", ", missing.stream().limit(3).map(Path::toString).toList()) + ")");
    }
  }

  /** Embeds and ranks every query of a task. */
  public List<Ranked> rank(String dataset, CirTask task, Options o) {
    int dim = encoder.dim();
    List<EmbeddingCache.Item> corpusItems = task.corpus().stream()
        .map(c -> new EmbeddingCache.Item(c.id(), c.path(), null)).toList();
    float[] corpus = cache.embed(dataset + " " + task.name() + " corpus", encoder.modelKey(), "image", corpusItems, dim,
        o.batch(), (from, to) -> encoder.images(task.corpus().subList(from, to).stream().map(CirTask.Image::path).toList()));
    List<EmbeddingCache.Item> queryItems = task.queries().stream()
        .map(q -> new EmbeddingCache.Item(q.id(), q.image(), q.text())).toList();
    float[] queries = cache.embed(dataset + " " + task.name() + " queries", encoder.modelKey(), "composed75", queryItems,
        dim, o.batch(), (from, to) -> {
          List<CirTask.Query> qs = task.queries().subList(from, to);
          return encoder.composed(qs.stream().map(CirTask.Query::image).toList(), qs.stream().map(CirTask.Query::text).toList());
        });
    return rank(task, corpus, queries, dim, o);
  }

  /** Ranks precomputed embeddings ([corpus × dim], [queries × dim], L2-normalized rows). */
  public static List<Ranked> rank(CirTask task, float[] corpus, float[] queries, int dim, Options o) {
    ExactSearch search = new ExactSearch(corpus, task.corpus().size(), dim);
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < task.corpus().size(); i++) {
      if (index.putIfAbsent(task.corpus().get(i).id(), i) != null) {
        throw new BgeVlException(task.name() + ": corpus id " + task.corpus().get(i).id() + " appears twice");
      }
    }
    Ranked[] out = new Ranked[task.queries().size()];
    IntStream.range(0, out.length).parallel().forEach(qi -> {
      CirTask.Query q = task.queries().get(qi);
      int ref = q.referenceId() == null ? -1 : index.getOrDefault(q.referenceId(), -1);
      int[] top = search.topK(queries, qi * dim, o.topK(), o.excludeReference() ? ref : -1);
      List<String> ids = new ArrayList<>(top.length);
      float[] scores = new float[top.length];
      for (int j = 0; j < top.length; j++) {
        ids.add(task.corpus().get(top[j]).id());
        scores[j] = search.score(queries, qi * dim, top[j]);
      }
      List<String> subset = List.of();
      if (!q.members().isEmpty()) {
        int[] m = q.members().stream().filter(id -> !id.equals(q.referenceId()))
            .mapToInt(id -> {
              Integer i = index.get(id);
              if (i == null) {
                throw new BgeVlException(task.name() + ": query " + q.id() + ": set member " + id + " is not in the corpus");
              }
              return i;
            }).toArray();
        subset = IntStream.of(search.rank(queries, qi * dim, m)).mapToObj(i -> task.corpus().get(i).id()).toList();
      }
      out[qi] = new Ranked(q, ids, scores, subset);
    });
    return List.of(out);
  }

  /** The metrics of one task's rankings (empty when the split's labels are private). */
  public static Map<String, Double> metrics(Benchmark b, List<Ranked> rs) {
    Map<String, Double> m = new LinkedHashMap<>();
    if (rs.isEmpty() || rs.stream().anyMatch(r -> r.query().groundTruth().isEmpty())) {
      return m;
    }
    switch (b) {
      case CIRCO -> {
        for (int k : CIRCO_K) {
          m.put("mAP@" + k, Metrics.mean(rs.stream().mapToDouble(r -> Metrics.averagePrecisionAtK(r.ids(), r.query().groundTruth(), k)).toArray()));
        }
        // the official script's Recall@k counts only the target the caption was written for
        for (int k : CIRCO_K) {
          m.put("Recall@" + k, Metrics.mean(rs.stream().mapToDouble(r -> Metrics.recallAtK(r.ids(), List.of(r.query().target()), k)).toArray()));
        }
      }
      case FASHIONIQ -> {
        for (int k : FASHIONIQ_K) {
          m.put("Recall@" + k, Metrics.mean(rs.stream().mapToDouble(r -> Metrics.recallAtK(r.ids(), r.query().groundTruth(), k)).toArray()));
        }
        for (int k : FASHIONIQ_K) {
          m.put("MRR@" + k, Metrics.mean(rs.stream().mapToDouble(r -> Metrics.reciprocalRankAtK(r.ids(), r.query().groundTruth(), k)).toArray()));
        }
      }
      case CIRR -> {
        for (int k : CIRR_K) {
          m.put("Recall@" + k, Metrics.mean(rs.stream().mapToDouble(r -> Metrics.cirrRecallAtK(r.ids(), r.query().referenceId(), r.query().target(), k)).toArray()));
        }
        for (int k : CIRR_SUBSET_K) {
          m.put("Recall_subset@" + k, Metrics.mean(rs.stream().mapToDouble(r -> Metrics.cirrRecallAtK(r.subset(), r.query().referenceId(), r.query().target(), k)).toArray()));
        }
      }
    }
    return m;
  }

  /** FashionIQ's overall numbers: the plain mean of the categories' Recall@10 and Recall@50, as the reference prints. */
  public static Map<String, Double> fashionIqAverage(Map<String, Map<String, Double>> perCategory) {
    Map<String, Double> avg = new LinkedHashMap<>();
    for (String key : List.of("Recall@10", "Recall@50")) {
      avg.put(key, perCategory.values().stream().mapToDouble(m -> m.get(key)).sum() / perCategory.size());
    }
    return avg;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Writes the results file: protocol, metrics, and every query's ranking. */
  public static void writeResults(Path out, ObjectNode header, Map<String, Map<String, Double>> metrics,
      Map<String, List<Ranked>> rankings) {
    ObjectNode root = header.deepCopy();
    ObjectNode mn = root.putObject("metrics");
    metrics.forEach((task, m) -> {
      ObjectNode t = mn.putObject(task);
      m.forEach(t::put);
    });
    ObjectNode per = root.putObject("rankings");
    rankings.forEach((task, rs) -> {
      ArrayNode a = per.putArray(task);
      for (Ranked r : rs) {
        ObjectNode q = a.addObject();
        q.put("id", r.query().id());
        q.put("reference", r.query().referenceId());
        q.put("text", r.query().text());
        ArrayNode gt = q.putArray("ground_truth");
        r.query().groundTruth().forEach(gt::add);
        if (r.query().target() != null) {
          q.put("target", r.query().target());
        }
        ArrayNode ids = q.putArray("ranking");
        r.ids().forEach(ids::add);
        ArrayNode sc = q.putArray("scores");
        for (float s : r.scores()) {
          sc.add(s);
        }
        if (!r.subset().isEmpty()) {
          ArrayNode sub = q.putArray("subset_ranking");
          r.subset().forEach(sub::add);
        }
      }
    });
    write(out, root);
  }

  /**
   * The evaluation servers' files. CIRCO (miccunifi/CIRCO README, "Submission Format"; the format of
   * MegaPairs {@code eval/results/mmret_*_circo.json}): query id → top-50 image ids (numbers). CIRR
   * (Cuberick-Orion/CIRR {@code Test-split_server.md}): {@code version}, {@code metric}, pair id → top 50
   * ({@code recall}) or top 3 of the subset ({@code recall_subset}), reference removed.
   */
  public static List<Path> writeSubmission(Benchmark b, Path out, List<Ranked> rs) {
    List<Path> written = new ArrayList<>();
    if (b == Benchmark.CIRCO) {
      ObjectNode root = JSON.createObjectNode();
      for (Ranked r : rs) {
        ArrayNode a = root.putArray(r.query().id());
        r.ids().stream().limit(50).forEach(id -> {
          try {
            a.add(Long.parseLong(id));
          } catch (NumberFormatException e) {
            a.add(id);
          }
        });
      }
      write(out, root);
      written.add(out);
    } else if (b == Benchmark.CIRR) {
      ObjectNode recall = JSON.createObjectNode().put("version", "rc2").put("metric", "recall");
      ObjectNode subset = JSON.createObjectNode().put("version", "rc2").put("metric", "recall_subset");
      for (Ranked r : rs) {
        ArrayNode a = recall.putArray(r.query().id());
        r.ids().stream().filter(id -> !id.equals(r.query().referenceId())).limit(50).forEach(a::add);
        ArrayNode s = subset.putArray(r.query().id());
        r.subset().stream().limit(3).forEach(s::add);
      }
      write(out, recall);
      Path sub = out.resolveSibling("subset_" + out.getFileName());
      write(sub, subset);
      written.add(out);
      written.add(sub);
    }
    return written;
  }

  private static void write(Path out, ObjectNode root) {
    try {
      Path abs = out.toAbsolutePath();
      if (abs.getParent() != null) {
        Files.createDirectories(abs.getParent());
      }
      Path tmp = abs.resolveSibling(abs.getFileName() + ".partial");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
      Files.move(tmp, abs, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new BgeVlException(out + ": cannot write (" + e.getMessage() + ")");
    }
  }

  /** The summary table (percent, two decimals like the reference's prints). */
  public static String table(Map<String, Map<String, Double>> metrics) {
    List<String> cols = new ArrayList<>();
    metrics.values().forEach(m -> m.keySet().forEach(k -> {
      if (!cols.contains(k)) {
        cols.add(k);
      }
    }));
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-10s", "task"));
    cols.forEach(c -> sb.append(String.format(Locale.ROOT, " %15s", c)));
    sb.append('\n');
    metrics.forEach((task, m) -> {
      sb.append(String.format(Locale.ROOT, "%-10s", task));
      cols.forEach(c -> sb.append(m.containsKey(c) ? String.format(Locale.ROOT, " %15.2f", 100 * m.get(c))
          : String.format(Locale.ROOT, " %15s", "-")));
      sb.append('\n');
    });
    return sb.toString();
  }
}
