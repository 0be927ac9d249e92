package dev.bgevl.search.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Readers for the three benchmarks in the layouts the reference code reads: the official annotation
 * files (CIRCO {@code annotations/}, FashionIQ {@code captions/} + {@code image_splits/}, CIRR
 * {@code captions/} + {@code image_splits/}) and MegaPairs' {@code eval/data/*.jsonl}.
 */
public final class CirDatasets {
  private CirDatasets() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The FashionIQ categories, in the order the reference averages them. */
  public static final List<String> FASHIONIQ_CATEGORIES = List.of("dress", "shirt", "toptee");

  /**
   * CIRCO's query text in MegaPairs {@code eval/data/circo_query.jsonl}: built from the annotation's
   * shared concept and relative caption (identical for all 800 test queries).
   */
  public static String circoQueryText(String sharedConcept, String relativeCaption) {
    return "Find a picture that also " + sharedConcept + ", but " + relativeCaption + ".";
  }

  /** FashionIQ's query text in MegaPairs {@code fashioniq_*_query_val.jsonl}: the two captions joined. */
  public static String fashionIqQueryText(List<String> captions) {
    return String.join(", and ", captions);
  }

  /**
   * CIRCO. Queries: {@code annotations/<split>.json} (official), else {@code circo_query.jsonl}
   * (MegaPairs, test split). Corpus: {@code circo_corpus.jsonl} ({@code content}, {@code image}), else
   * {@code COCO2017_unlabeled/annotations/image_info_unlabeled2017.json}, else every {@code .jpg} in the
   * image folder by name. Images: {@code images} or {@code COCO2017_unlabeled/unlabeled2017}.
   */
  public static CirTask circo(Path data, String split, Path images) {
    Path imgDir = images != null ? images : data.resolve("COCO2017_unlabeled/unlabeled2017");
    List<CirTask.Query> queries = new ArrayList<>();
    Path ann = data.resolve("annotations/" + split + ".json");
    Path mp = data.resolve("circo_query.jsonl");
    Map<String, String> refFile = new LinkedHashMap<>();
    if (Files.isRegularFile(ann)) {
      for (JsonNode a : readJson(ann)) {
        String ref = text(a, "reference_img_id", ann);
        List<String> gts = new ArrayList<>();
        if (a.has("gt_img_ids")) {
          a.get("gt_img_ids").forEach(x -> gts.add(x.asText()));
        }
        String target = a.hasNonNull("target_img_id") ? a.get("target_img_id").asText() : null;
        Path refPath = imgDir.resolve(String.format("%012d.jpg", Long.parseLong(ref)));
        queries.add(new CirTask.Query(text(a, "id", ann), refPath, ref,
            circoQueryText(text(a, "shared_concept", ann), text(a, "relative_caption", ann)), gts, target, List.of()));
      }
    } else if (Files.isRegularFile(mp) && split.equals("test")) {
      for (JsonNode a : readJsonl(mp)) {
        String img = text(a, "q_img", mp);
        queries.add(new CirTask.Query(text(a, "id", mp), imgDir.resolve(img), stripId(img), text(a, "q_text", mp),
            List.of(), null, List.of()));
      }
    } else {
      throw new BgeVlException(data + ": no CIRCO queries (expected annotations/" + split + ".json"
          + (split.equals("test") ? " or circo_query.jsonl" : "") + ")");
    }
    List<CirTask.Image> corpus = new ArrayList<>();
    Path mpCorpus = data.resolve("circo_corpus.jsonl");
    Path info = data.resolve("COCO2017_unlabeled/annotations/image_info_unlabeled2017.json");
    if (Files.isRegularFile(mpCorpus)) {
      for (JsonNode c : readJsonl(mpCorpus)) {
        corpus.add(new CirTask.Image(text(c, "content", mpCorpus), imgDir.resolve(text(c, "image", mpCorpus))));
      }
    } else if (Files.isRegularFile(info)) {
      for (JsonNode c : readJson(info).get("images")) {
        corpus.add(new CirTask.Image(text(c, "id", info), imgDir.resolve(text(c, "file_name", info))));
      }
    } else if (Files.isDirectory(imgDir)) {
      try (Stream<Path> s = Files.list(imgDir)) {
        s.filter(p -> p.getFileName().toString().endsWith(".jpg")).sorted()
            .forEach(p -> corpus.add(new CirTask.Image(stripId(p.getFileName().toString()), p)));
      } catch (IOException e) {
        throw new BgeVlException(imgDir + ": cannot list (" + e.getMessage() + ")");
      }
    } else {
      throw new BgeVlException(data + ": no CIRCO corpus (expected circo_corpus.jsonl, " + data.relativize(info)
          + " or the image folder " + imgDir + ")");
    }
    return new CirTask("circo", corpus, queries);
  }

  /** COCO file name to image id: {@code 000000281438.jpg} → {@code 281438}. */
  static String stripId(String file) {
    String base = Path.of(file).getFileName().toString();
    int dot = base.lastIndexOf('.');
    String stem = dot > 0 ? base.substring(0, dot) : base;
    try {
      return Long.toString(Long.parseLong(stem));
    } catch (NumberFormatException e) {
      return stem;
    }
  }

  /**
   * FashionIQ, one task per category (val only: the test split's targets are private). Queries:
   * {@code fashioniq_<c>_query_val.jsonl} (MegaPairs) else {@code captions/cap.<c>.val.json}; corpus:
   * {@code fashioniq_<c>_corpus.jsonl} else {@code image_splits/split.<c>.val.json}. Image paths in the
   * jsonl files are relative to the image folder (default: the data folder); the official layout uses
   * {@code images/<asin>.png} (or {@code .jpg}).
   */
  public static List<CirTask> fashionIq(Path data, String split, Path images, List<String> categories) {
    if (!split.equals("val")) {
      throw new BgeVlException("FashionIQ: only the val split has public targets (got --split " + split + ")");
    }
    Path imgRoot = images != null ? images : data;
    List<CirTask> tasks = new ArrayList<>();
    for (String c : categories) {
      if (!FASHIONIQ_CATEGORIES.contains(c)) {
        throw new BgeVlException("FashionIQ: unknown category '" + c + "' (dress, shirt, toptee)");
      }
      Path mpq = data.resolve("fashioniq_" + c + "_query_val.jsonl");
      Path mpc = data.resolve("fashioniq_" + c + "_corpus.jsonl");
      Path capf = data.resolve("captions/cap." + c + ".val.json");
      Path splitf = data.resolve("image_splits/split." + c + ".val.json");
      List<CirTask.Query> queries = new ArrayList<>();
      List<CirTask.Image> corpus = new ArrayList<>();
      if (Files.isRegularFile(mpq)) {
        int line = 0;
        for (JsonNode q : readJsonl(mpq)) {
          String img = text(q, "q_img", mpq);
          queries.add(new CirTask.Query(Integer.toString(line++), imgRoot.resolve(img), stripId(img),
              text(q, "q_text", mpq), List.of(text(q, "positive_key", mpq)), text(q, "positive_key", mpq), List.of()));
        }
      } else if (Files.isRegularFile(capf)) {
        int line = 0;
        for (JsonNode q : readJson(capf)) {
          List<String> caps = new ArrayList<>();
          q.get("captions").forEach(x -> caps.add(x.asText()));
          String cand = text(q, "candidate", capf);
          String target = text(q, "target", capf);
          queries.add(new CirTask.Query(Integer.toString(line++), fiqImage(imgRoot, cand), cand,
              fashionIqQueryText(caps), List.of(target), target, List.of()));
        }
      } else {
        throw new BgeVlException(data + ": no FashionIQ " + c + " queries (expected " + mpq.getFileName() + " or captions/"
            + capf.getFileName() + ")");
      }
      if (Files.isRegularFile(mpc)) {
        for (JsonNode x : readJsonl(mpc)) {
          corpus.add(new CirTask.Image(text(x, "content", mpc), imgRoot.resolve(text(x, "image", mpc))));
        }
      } else if (Files.isRegularFile(splitf)) {
        for (JsonNode x : readJson(splitf)) {
          corpus.add(new CirTask.Image(x.asText(), fiqImage(imgRoot, x.asText())));
        }
      } else {
        throw new BgeVlException(data + ": no FashionIQ " + c + " corpus (expected " + mpc.getFileName()
            + " or image_splits/" + splitf.getFileName() + ")");
      }
      tasks.add(new CirTask(c, corpus, queries));
    }
    return tasks;
  }

  private static Path fiqImage(Path root, String asin) {
    Path png = root.resolve("images/" + asin + ".png");
    Path jpg = root.resolve("images/" + asin + ".jpg");
    return !Files.exists(png) && Files.exists(jpg) ? jpg : png;
  }

  /**
   * CIRR: {@code captions/cap.rc2.<split>.json} and {@code image_splits/split.rc2.<split>.json} (test =
   * {@code test1}), directly in the data folder or in {@code cirr/}. The split file maps each image name
   * to a path like {@code ./dev/dev-244-0-img0.png}, resolved against the image folder (default: the
   * first of {@code img_raw/}, the data folder and its parent that holds the first image).
   */
  public static CirTask cirr(Path data, String split, Path images) {
    String s = split.equals("test") ? "test1" : split;
    Path base = Files.isDirectory(data.resolve("captions")) ? data : data.resolve("cirr");
    Path capf = base.resolve("captions/cap.rc2." + s + ".json");
    Path splitf = base.resolve("image_splits/split.rc2." + s + ".json");
    for (Path p : List.of(capf, splitf)) {
      if (!Files.isRegularFile(p)) {
        throw new BgeVlException(p + ": CIRR file not found");
      }
    }
    JsonNode split2path = readJson(splitf);
    Path imgRoot = images;
    if (imgRoot == null) {
      String first = split2path.size() == 0 ? "" : split2path.elements().next().asText();
      imgRoot = base.resolve("img_raw");
      for (Path cand : List.of(base.resolve("img_raw"), base, data, data.toAbsolutePath().getParent())) {
        if (cand != null && Files.exists(cand.resolve(first))) {
          imgRoot = cand;
          break;
        }
      }
    }
    List<CirTask.Image> corpus = new ArrayList<>();
    Map<String, Path> byName = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = split2path.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      Path p = imgRoot.resolve(e.getValue().asText()).normalize();
      corpus.add(new CirTask.Image(e.getKey(), p));
      byName.put(e.getKey(), p);
    }
    List<CirTask.Query> queries = new ArrayList<>();
    for (JsonNode q : readJson(capf)) {
      String ref = text(q, "reference", capf);
      Path refPath = byName.get(ref);
      if (refPath == null) {
        throw new BgeVlException(capf + ": pair " + q.path("pairid").asText() + ": reference " + ref + " is not in "
            + splitf.getFileName());
      }
      List<String> members = new ArrayList<>();
      q.path("img_set").path("members").forEach(m -> members.add(m.asText()));
      String target = q.hasNonNull("target_hard") ? q.get("target_hard").asText() : null;
      queries.add(new CirTask.Query(text(q, "pairid", capf), refPath, ref, text(q, "caption", capf),
          target == null ? List.of() : List.of(target), target, members));
    }
    return new CirTask("cirr", corpus, queries);
  }

  private static String text(JsonNode n, String field, Path file) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull() || v.isContainerNode()) {
      throw new BgeVlException(file + ": an entry lacks \"" + field + "\"");
    }
    return v.asText();
  }

  static JsonNode readJson(Path p) {
    try {
      return JSON.readTree(p.toFile());
    } catch (IOException e) {
      throw new BgeVlException(p + ": cannot read JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
  }

  static List<JsonNode> readJsonl(Path p) {
    List<JsonNode> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        try {
          out.add(JSON.readTree(line));
        } catch (IOException e) {
          throw new BgeVlException(p + ":" + n + ": invalid JSON");
        }
      }
    } catch (IOException e) {
      throw new BgeVlException(p + ": cannot read (" + e.getMessage() + ")");
    }
    return out;
  }
}
