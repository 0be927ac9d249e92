package dev.bgevl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bgevl eval} end to end with the tiny model on the synthetic datasets in
 * {@code bgevl-search/src/test/resources/eval}. Expected metrics are recomputed here, independently of
 * {@code dev.bgevl.search.eval.Metrics}, from the rankings the command wrote.
 */
class EvalCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static Path data(String name) {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path c = p.resolve("bgevl-search/src/test/resources/eval/" + name);
      if (Files.isDirectory(c)) {
        return c;
      }
    }
    throw new IllegalStateException("eval test data not found");
  }

  static String model() {
    return Fixtures.model("clip-tiny").toString();
  }

  static List<String> strings(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(x -> out.add(x.asText()));
    return out;
  }

  @Test
  void circoValMetricsMatchTheirDefinitionOnTheWrittenRankings(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("circo.json");
    CliRunner.Result r = CliRunner.run("eval", "circo", "--model", model(), "--data", data("circo").toString(),
        "--output", out.toString(), "--cache-dir", tmp.resolve("cache").toString(), "--batch-size", "4");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("mAP@5"), r.out());
    JsonNode res = JSON.readTree(out.toFile());
    JsonNode qs = res.get("rankings").get("circo");
    assertEquals(3, qs.size());
    for (int k : new int[] {5, 10, 25, 50}) {
      double sum = 0;
      for (JsonNode q : qs) {
        List<String> ranked = strings(q.get("ranking"));
        assertEquals(6, ranked.size(), "all 6 corpus images, reference kept as MegaPairs does");
        Set<String> gt = new HashSet<>(strings(q.get("ground_truth")));
        double ap = 0;
        int hits = 0;
        for (int i = 0; i < Math.min(k, ranked.size()); i++) {
          if (gt.contains(ranked.get(i))) {
            ap += (double) ++hits / (i + 1);
          }
        }
        sum += ap / Math.min(gt.size(), k);
      }
      assertEquals(sum / qs.size(), res.get("metrics").get("circo").get("mAP@" + k).asDouble(), 1e-12, "mAP@" + k);
    }
    // scores are sorted, best first
    JsonNode sc = qs.get(0).get("scores");
    for (int i = 1; i < sc.size(); i++) {
      assertTrue(sc.get(i - 1).asDouble() >= sc.get(i).asDouble());
    }
    // the submission: query id → top-50 numeric image ids, same order as the ranking
    JsonNode sub = JSON.readTree(tmp.resolve("circo-val-submission.json").toFile());
    assertEquals(3, sub.size());
    assertTrue(sub.get("0").get(0).isNumber());
    assertEquals(strings(qs.get(0).get("ranking")), strings(sub.get("0")));

    // a re-run re-scores from the cache: same rankings, no embedding progress
    Path out2 = tmp.resolve("circo2.json");
    CliRunner.Result again = CliRunner.run("eval", "circo", "--model", model(), "--data", data("circo").toString(),
        "--output", out2.toString(), "--cache-dir", tmp.resolve("cache").toString());
    assertEquals(0, again.exit(), again.err());
    assertTrue(again.err().contains("from cache"), again.err());
    assertEquals(res.get("rankings"), JSON.readTree(out2.toFile()).get("rankings"));
  }

  @Test
  void circoTestWritesOnlyTheSubmission(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("t.json");
    CliRunner.Result r = CliRunner.run("eval", "circo", "--model", model(), "--data", data("circo").toString(), "--split", "test",
        "--output", out.toString(), "--submission", tmp.resolve("sub.json").toString(), "--no-cache");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("labels are private"), r.out());
    JsonNode sub = JSON.readTree(tmp.resolve("sub.json").toFile());
    assertEquals(Set.of("0", "1"), new HashSet<>(List.copyOf(iter(sub.fieldNames()))));
    assertEquals(6, sub.get("1").size());
    assertTrue(JSON.readTree(out.toFile()).get("metrics").get("circo").isEmpty());
  }

  @Test
  void fashionIqPerCategoryAverageAndAForcedTieRanking(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("fiq.json");
    CliRunner.Result r = CliRunner.run("eval", "fashioniq", "--model", model(), "--data", data("fashioniq").toString(),
        "--output", out.toString(), "--no-cache");
    assertEquals(0, r.exit(), r.err());
    JsonNode res = JSON.readTree(out.toFile());
    JsonNode metrics = res.get("metrics");
    double avg10 = 0;
    double avg50 = 0;
    for (String c : List.of("dress", "shirt", "toptee")) {
      for (int k : new int[] {1, 5, 10, 20, 50, 100}) {
        double sum = 0;
        for (JsonNode q : res.get("rankings").get(c)) {
          List<String> ranked = strings(q.get("ranking"));
          sum += ranked.subList(0, Math.min(k, ranked.size())).contains(q.get("target").asText()) ? 1 : 0;
        }
        assertEquals(sum / res.get("rankings").get(c).size(), metrics.get(c).get("Recall@" + k).asDouble(), 1e-12, c + " R@" + k);
      }
      avg10 += metrics.get(c).get("Recall@10").asDouble() / 3;
      avg50 += metrics.get(c).get("Recall@50").asDouble() / 3;
    }
    assertEquals(avg10, metrics.get("average").get("Recall@10").asDouble(), 1e-12);
    assertEquals(avg50, metrics.get("average").get("Recall@50").asDouble(), 1e-12);
    // toptee: three byte-identical corpus images tie exactly, so the ranking is forced to corpus order
    // and the target (the second) is at rank 2: R@1 = 0, R@5 = 1, MRR@5 = 1/2
    JsonNode tq = res.get("rankings").get("toptee").get(0);
    assertEquals(List.of("B000TOPTE1", "B000TOPTE2", "B000TOPTE3"), strings(tq.get("ranking")));
    assertEquals(tq.get("scores").get(0).asDouble(), tq.get("scores").get(2).asDouble(), 0);
    assertEquals(0.0, metrics.get("toptee").get("Recall@1").asDouble(), 0);
    assertEquals(1.0, metrics.get("toptee").get("Recall@5").asDouble(), 0);
    assertEquals(0.5, metrics.get("toptee").get("MRR@5").asDouble(), 0);
  }

  @Test
  void cirrValRemovesTheReferenceAndScoresTheSubset(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("cirr.json");
    CliRunner.Result r = CliRunner.run("eval", "cirr", "--model", model(), "--data", data("cirr").toString(),
        "--output", out.toString(), "--no-cache");
    assertEquals(0, r.exit(), r.err());
    JsonNode res = JSON.readTree(out.toFile());
    JsonNode qs = res.get("rankings").get("cirr");
    for (JsonNode q : qs) {
      List<String> ranked = strings(q.get("ranking"));
      assertEquals(5, ranked.size());
      assertFalse(ranked.contains(q.get("reference").asText()));
      // the subset ranking is the full ranking filtered to the set's members (reference removed)
      List<String> members = List.of("dev-0-0-img0", "dev-1-0-img0", "dev-2-0-img0", "dev-3-0-img0", "dev-4-0-img0", "dev-5-0-img0");
      List<String> expected = ranked.stream().filter(id -> strings(q.get("subset_ranking")).contains(id)).toList();
      assertEquals(expected, strings(q.get("subset_ranking")));
      assertEquals(3, q.get("subset_ranking").size());
      assertTrue(members.containsAll(strings(q.get("subset_ranking"))));
    }
    for (int k : new int[] {1, 5, 10, 50}) {
      double sum = 0;
      for (JsonNode q : qs) {
        List<String> ranked = strings(q.get("ranking"));
        sum += ranked.subList(0, Math.min(k, ranked.size())).contains(q.get("target").asText()) ? 1 : 0;
      }
      assertEquals(sum / qs.size(), res.get("metrics").get("cirr").get("Recall@" + k).asDouble(), 1e-12);
    }
    for (int k : new int[] {1, 2, 3}) {
      double sum = 0;
      for (JsonNode q : qs) {
        List<String> sub = strings(q.get("subset_ranking"));
        sum += sub.subList(0, Math.min(k, sub.size())).contains(q.get("target").asText()) ? 1 : 0;
      }
      assertEquals(sum / qs.size(), res.get("metrics").get("cirr").get("Recall_subset@" + k).asDouble(), 1e-12);
    }
    assertEquals(1.0, res.get("metrics").get("cirr").get("Recall@5").asDouble(), 0, "5 candidates: the target is always in the top 5");
    assertEquals(1.0, res.get("metrics").get("cirr").get("Recall_subset@3").asDouble(), 0, "3 subset candidates");
  }

  @Test
  void cirrTestWritesBothServerFiles(@TempDir Path tmp) throws IOException {
    CliRunner.Result r = CliRunner.run("eval", "cirr", "--model", model(), "--data", data("cirr").toString(), "--split", "test",
        "--output", tmp.resolve("c.json").toString(), "--submission", tmp.resolve("cirr.json").toString(), "--no-cache");
    assertEquals(0, r.exit(), r.err());
    JsonNode recall = JSON.readTree(tmp.resolve("cirr.json").toFile());
    JsonNode subset = JSON.readTree(tmp.resolve("subset_cirr.json").toFile());
    assertEquals("rc2", recall.get("version").asText());
    assertEquals("recall", recall.get("metric").asText());
    assertEquals("recall_subset", subset.get("metric").asText());
    assertEquals(3, recall.get("200").size());
    assertFalse(strings(recall.get("200")).contains("test1-0-1-img1"));
    assertEquals(3, subset.get("201").size());
  }

  @Test
  void missingImagesAndBadArgumentsAreOneLine(@TempDir Path tmp) throws IOException {
    Path d = tmp.resolve("circo");
    Files.createDirectories(d.resolve("annotations"));
    Files.copy(data("circo").resolve("annotations/val.json"), d.resolve("annotations/val.json"));
    Files.createDirectories(d.resolve("COCO2017_unlabeled/annotations"));
    Files.copy(data("circo").resolve("COCO2017_unlabeled/annotations/image_info_unlabeled2017.json"),
        d.resolve("COCO2017_unlabeled/annotations/image_info_unlabeled2017.json"));
    CliRunner.Result r = CliRunner.run("eval", "circo", "--model", model(), "--data", d.toString(), "--no-cache");
    assertEquals(1, r.exit());
    String err = r.err().strip();
    assertFalse(err.contains("\n"), err);
    assertTrue(err.startsWith("error: circo: 6 of 6 images missing (first: "), err);
    CliRunner.Result bad = CliRunner.run("eval", "imagenet", "--model", model(), "--data", d.toString());
    assertEquals(1, bad.exit());
    assertTrue(bad.err().strip().equals("error: unknown dataset 'imagenet' (circo, fashioniq, cirr)"), bad.err());
    CliRunner.Result fiqTest = CliRunner.run("eval", "fashioniq", "--model", model(), "--data", data("fashioniq").toString(), "--split", "test");
    assertEquals(1, fiqTest.exit());
    assertTrue(fiqTest.err().contains("only the val split"), fiqTest.err());
  }

  private static <T> List<T> iter(java.util.Iterator<T> it) {
    List<T> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
