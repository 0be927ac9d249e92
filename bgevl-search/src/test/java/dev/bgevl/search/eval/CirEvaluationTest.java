package dev.bgevl.search.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgevl.BgeVlException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scoring pipeline on hand-constructed embeddings (rankings forced), the loaders and the cache. */
class CirEvaluationTest {
  static final Path DATA = Path.of("src/test/resources/eval");

  private static CirTask.Image img(String id) {
    return new CirTask.Image(id, Path.of(id + ".png"));
  }

  @Test
  void forcedCircoRankingGivesHandComputedMap() {
    // 2-d embeddings: corpus c0..c3 at angles 0°, 30°, 60°, 90°; query q0 at 0° (ranking c0 c1 c2 c3),
    // query q1 at 90° (ranking c3 c2 c1 c0)
    List<CirTask.Image> corpus = List.of(img("c0"), img("c1"), img("c2"), img("c3"));
    float[] c = new float[8];
    for (int i = 0; i < 4; i++) {
      c[2 * i] = (float) Math.cos(Math.toRadians(30 * i));
      c[2 * i + 1] = (float) Math.sin(Math.toRadians(30 * i));
    }
    List<CirTask.Query> qs = List.of(
        new CirTask.Query("0", Path.of("r.png"), "c0", "t", List.of("c1", "c3"), "c1", List.of()),
        new CirTask.Query("1", Path.of("r.png"), "c9", "t", List.of("c0"), "c0", List.of()));
    float[] q = {1, 0, 0, 1};
    CirTask task = new CirTask("circo", corpus, qs);
    List<CirEvaluation.Ranked> rs = CirEvaluation.rank(task, c, q, 2, new CirEvaluation.Options(false, 50, 8));
    assertEquals(List.of("c0", "c1", "c2", "c3"), rs.get(0).ids());
    assertEquals(List.of("c3", "c2", "c1", "c0"), rs.get(1).ids());
    Map<String, Double> m = CirEvaluation.metrics(CirEvaluation.Benchmark.CIRCO, rs);
    // q0: hits at 2 and 4 → AP@5 = (1/2 + 2/4) / 2 = 0.5 ; q1: hit at 4 → AP@5 = (1/4) / 1
    assertEquals((0.5 + 0.25) / 2, m.get("mAP@5"), 1e-12);
    assertEquals((0.5 + 0.25) / 2, m.get("mAP@50"), 1e-12);
    assertEquals((1.0 + 1.0) / 2, m.get("Recall@5"), 0);
    // excluding the reference (c0 for q0) moves the hits to 1 and 3: (1/1 + 2/3) / 2
    rs = CirEvaluation.rank(task, c, q, 2, new CirEvaluation.Options(true, 50, 8));
    assertEquals(List.of("c1", "c2", "c3"), rs.get(0).ids());
    assertEquals(((1 + 2.0 / 3) / 2 + 0.25) / 2, CirEvaluation.metrics(CirEvaluation.Benchmark.CIRCO, rs).get("mAP@5"), 1e-12);
  }

  @Test
  void loadersReadEachLayout() {
    CirTask circo = CirDatasets.circo(DATA.resolve("circo"), "val", null);
    assertEquals(6, circo.corpus().size());
    assertEquals("Find a picture that also a street, but is shown at night.", circo.queries().get(0).text());
    assertEquals(List.of("22", "33", "44"), circo.queries().get(0).groundTruth());
    assertTrue(Files.isRegularFile(circo.queries().get(0).image()));
    assertTrue(!CirDatasets.circo(DATA.resolve("circo"), "test", null).labeled());
    List<CirTask> fiq = CirDatasets.fashionIq(DATA.resolve("fashioniq"), "val", null, CirDatasets.FASHIONIQ_CATEGORIES);
    assertEquals(List.of(3, 2, 1), fiq.stream().map(t -> t.queries().size()).toList());
    assertEquals("is white, and has a collar", fiq.get(1).queries().get(0).text());
    CirTask cirr = CirDatasets.cirr(DATA.resolve("cirr"), "val", null);
    assertEquals(6, cirr.corpus().size());
    assertTrue(Files.isRegularFile(cirr.corpus().get(0).path()), cirr.corpus().get(0).path().toString());
    CirEvaluation.checkImages("x", List.of(circo, cirr));
    CirEvaluation.checkImages("x", fiq);
  }

  @Test
  void missingImagesAreOneLineWithCountAndExamples(@TempDir Path tmp) {
    CirTask t = new CirTask("t", List.of(new CirTask.Image("a", tmp.resolve("a.jpg")), new CirTask.Image("b", tmp.resolve("b.jpg"))),
        List.of());
    BgeVlException e = assertThrows(BgeVlException.class, () -> CirEvaluation.checkImages("circo", List.of(t)));
    assertEquals("circo: 2 of 2 images missing (first: " + tmp.resolve("a.jpg") + ", " + tmp.resolve("b.jpg") + ")",
        e.getMessage());
  }

  @Test
  void cacheResumesAfterAnInterruptionAndReScoresWithoutEmbedding(@TempDir Path tmp) throws Exception {
    List<EmbeddingCache.Item> items = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Path p = tmp.resolve("i" + i);
      Files.writeString(p, "x" + i);
      items.add(new EmbeddingCache.Item("i" + i, p, null));
    }
    EmbeddingCache cache = new EmbeddingCache(tmp.resolve("cache"), null);
    AtomicInteger computed = new AtomicInteger();
    // first run dies after the first batch of 2
    assertThrows(IllegalStateException.class, () -> cache.embed("t", "m", "image", items, 3, 2, (from, to) -> {
      if (from >= 2) {
        throw new IllegalStateException("interrupted");
      }
      computed.addAndGet(to - from);
      return rows(from, to);
    }));
    float[] all = cache.embed("t", "m", "image", items, 3, 2, (from, to) -> {
      computed.addAndGet(to - from);
      return rows(from, to);
    });
    assertEquals(5, computed.get(), "rows 0-1 came from the cache");
    for (int i = 0; i < 5; i++) {
      assertEquals(i, all[3 * i], 0);
    }
    float[] again = cache.embed("t", "m", "image", items, 3, 2, (from, to) -> {
      throw new AssertionError("nothing left to embed");
    });
    assertEquals(all.length, again.length);
    // another model is another key
    float[] other = cache.embed("t", "m2", "image", items, 3, 2, (from, to) -> rows(from, to));
    assertEquals(15, other.length);
  }

  private static float[][] rows(int from, int to) {
    float[][] r = new float[to - from][];
    for (int i = from; i < to; i++) {
      r[i - from] = new float[] {i, 1, 2};
    }
    return r;
  }
}
