package dev.bgevl.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HNSW recall@10 against exact search, the CI-sized version of bgevl-bench's IndexBenchmark
 * (which uses 100k vectors): random unit vectors are the hard case for HNSW (no cluster structure).
 */
class RecallTest {
  static final int N = 10_000;
  static final int DIM = 512;
  static final int QUERIES = 50;

  @Test
  void hnswRecallAtTenIsAtLeast098AndQuantizedRescoringAtLeast095(@TempDir Path tmp) {
    Random r = new Random(42);
    float[][] data = new float[N][];
    for (int i = 0; i < N; i++) data[i] = Vectors.unit(r, DIM);
    float[][] queries = new float[QUERIES][];
    for (int i = 0; i < QUERIES; i++) queries[i] = Vectors.unit(r, DIM);
    for (boolean quantized : new boolean[] {false, true}) {
      long t0 = System.nanoTime();
      try (VectorIndex idx = VectorIndex.openOrCreate(tmp.resolve("q" + quantized), "synthetic", "synthetic", DIM,
          VectorIndex.Options.DEFAULT.withQuantized(quantized))) {
        for (int i = 0; i < N; i++) {
          idx.upsert(new IndexedDoc("v" + i, null, null, "text", "s", null, 0, 0, Map.of(), data[i]));
        }
        idx.commit();
        long t1 = System.nanoTime();
        int found = 0;
        for (float[] q : queries) {
          List<Hit> exact = idx.searcher().search(Query.builder(q).k(10).exact(true).build());
          List<Hit> approx = idx.searcher().search(Query.builder(q).k(10).build());
          assertEquals(10, exact.size());
          // the brute-force scores are the true cosines
          int best = Integer.parseInt(exact.get(0).id().substring(1));
          assertEquals(Vectors.dot(q, data[best]), exact.get(0).score(), 1e-5f);
          Set<String> truth = new HashSet<>();
          for (Hit h : exact) truth.add(h.id());
          for (Hit h : approx) if (truth.contains(h.id())) found++;
        }
        double recall = found / (double) (QUERIES * 10);
        System.out.printf("recall@10 quantized=%s: %.4f (build %.1f s)%n", quantized, recall, (t1 - t0) / 1e9);
        assertTrue(recall >= (quantized ? 0.95 : 0.98), "recall@10 " + recall + " quantized=" + quantized);
      }
    }
  }
}
