package dev.bgevl.search.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The metric definitions on hand-computed rankings. Exact values: these are small rational sums. */
class MetricsTest {
  @Test
  void circoAveragePrecisionWithSeveralGroundTruths() {
    List<String> ranked = List.of("a", "x", "b", "y", "c");
    Set<String> gt = Set.of("a", "b", "c");
    // hits at 1, 3, 5: (1/1 + 2/3 + 3/5) / min(3, 5)
    assertEquals((1.0 + 2.0 / 3 + 3.0 / 5) / 3, Metrics.averagePrecisionAtK(ranked, gt, 5), 1e-15);
    // k = 2 sees only the hit at 1, and divides by min(3, 2) = 2
    assertEquals(0.5, Metrics.averagePrecisionAtK(ranked, gt, 2), 1e-15);
    // k = 1 with a hit first: 1 / min(3, 1)
    assertEquals(1.0, Metrics.averagePrecisionAtK(ranked, gt, 1), 1e-15);
  }

  @Test
  void circoFewerResultsThanK() {
    // the missing positions add nothing; the denominator stays min(|gt|, k)
    assertEquals(0.5, Metrics.averagePrecisionAtK(List.of("x", "a"), Set.of("a"), 50), 1e-15);
    assertEquals(0.5 / 2, Metrics.averagePrecisionAtK(List.of("x", "a"), Set.of("a", "b"), 50), 1e-15);
    assertEquals(0.0, Metrics.averagePrecisionAtK(List.of(), Set.of("a"), 5), 0);
  }

  @Test
  void circoMoreGroundTruthsThanK() {
    assertEquals(1.0, Metrics.averagePrecisionAtK(List.of("g1", "g2", "x"), List.of("g1", "g2", "g3", "g4"), 2), 1e-15);
  }

  @Test
  void missingGroundTruthAndDuplicatesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> Metrics.averagePrecisionAtK(List.of("a"), List.of(), 5));
    assertThrows(IllegalArgumentException.class, () -> Metrics.recallAtK(List.of("a"), List.of(), 5));
    assertThrows(IllegalArgumentException.class, () -> Metrics.averagePrecisionAtK(List.of("a", "a"), List.of("a"), 5));
    assertThrows(IllegalArgumentException.class, () -> Metrics.recallAtK(List.of("a"), List.of("a"), 0));
  }

  @Test
  void fashionIqRecallAndMrr() {
    List<String> ranked = List.of("x", "a", "y", "b");
    assertEquals(0.0, Metrics.recallAtK(ranked, List.of("a"), 1), 0);
    assertEquals(1.0, Metrics.recallAtK(ranked, List.of("a"), 2), 0);
    assertEquals(0.5, Metrics.recallAtK(ranked, List.of("a", "b"), 3), 0);
    assertEquals(1.0, Metrics.recallAtK(ranked, List.of("a", "b"), 100), 0);
    // numpy intersect1d: a duplicate in the ranking counts once
    assertEquals(0.5, Metrics.recallAtK(List.of("a", "a", "b"), List.of("a", "b"), 2), 0);
    assertEquals(0.0, Metrics.reciprocalRankAtK(ranked, List.of("y"), 2), 0);
    assertEquals(1.0 / 3, Metrics.reciprocalRankAtK(ranked, List.of("y"), 3), 1e-15);
    assertEquals(0.5, Metrics.reciprocalRankAtK(ranked, List.of("b", "a"), 10), 1e-15);
  }

  @Test
  void cirrRecallRemovesTheReference() {
    List<String> ranked = List.of("ref", "x", "t", "m1");
    assertEquals(0.0, Metrics.cirrRecallAtK(ranked, "ref", "t", 1), 0);
    assertEquals(1.0, Metrics.cirrRecallAtK(ranked, "ref", "t", 2), 0); // "ref" does not take a slot
    assertEquals(0.0, Metrics.cirrRecallAtK(List.of("x"), "ref", "t", 50), 0); // fewer results, target absent
  }

  @Test
  void cirrSubsetRecall() {
    List<String> ranked = List.of("ref", "x", "m1", "t", "m2");
    List<String> members = List.of("ref", "t", "m1", "m2", "m3");
    assertEquals(List.of("m1", "t", "m2"), Metrics.subsetRanking(ranked, members, "ref"));
    assertEquals(0.0, Metrics.cirrSubsetRecallAtK(ranked, members, "ref", "t", 1), 0);
    assertEquals(1.0, Metrics.cirrSubsetRecallAtK(ranked, members, "ref", "t", 2), 0);
  }

  @Test
  void exactSearchBreaksTiesByCorpusOrderAndExcludes() {
    // rows: e0, e1, e0 again, (e0+e1)/√2
    float h = (float) Math.sqrt(0.5);
    float[] corpus = {1, 0, 0, 1, 1, 0, h, h};
    ExactSearch s = new ExactSearch(corpus, 4, 2);
    float[] q = {1, 0};
    assertArrayEquals(new int[] {0, 2, 3, 1}, s.topK(q, 0, 10, -1));
    assertArrayEquals(new int[] {0, 2}, s.topK(q, 0, 2, -1));
    assertArrayEquals(new int[] {2, 3}, s.topK(q, 0, 2, 0));
    assertArrayEquals(new int[] {0, 2, 1}, s.rank(q, 0, new int[] {1, 2, 0}));
  }
}
