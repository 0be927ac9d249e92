package dev.bgevl.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recall@10 against exact search: the CI-sized version of bgevl-bench's IndexBenchmark (100k vectors,
 * see docs/SEARCH.md): the default flat bit1+int4 index on 20,000 vectors, HNSW on 5,000 and 2,000 to keep
 * CI fast. Random 512-d unit vectors are the hard case for HNSW (no cluster structure: the true
 * neighbours are barely closer than the rest), so its search width is raised.
 */
class RecallTest {
  static final int DIM = 512;
  static final int QUERIES = 50;

  static double recall(Path dir, int n, boolean quantized, int candidates) {
    return recall(dir, n, VectorIndex.Options.HNSW_FLOAT32.withQuantization(quantized ? VectorIndex.Quantization.INT8 : VectorIndex.Quantization.NONE), candidates);
  }

  static double recall(Path dir, int n, VectorIndex.Options options, int candidates) {
    Random r = new Random(42);
    float[][] data = new float[n][];
    for (int i = 0; i < n; i++) data[i] = Vectors.unit(r, DIM);
    float[][] queries = new float[QUERIES][];
    for (int i = 0; i < QUERIES; i++) queries[i] = Vectors.unit(r, DIM);
    try (VectorIndex idx = VectorIndex.openOrCreate(dir, "synthetic", "synthetic", DIM, options)) {
      // two writer threads, as a real ingest with a parallel embedder would
      IntStream.range(0, 2).parallel().forEach(t -> {
        for (int i = t; i < n; i += 2) idx.upsert(new IndexedDoc("v" + i, null, null, "text", "s", null, 0, 0, Map.of(), data[i]));
      });
      idx.commit();
      int found = 0;
      for (float[] q : queries) {
        List<Hit> exact = idx.searcher().search(Query.builder(q).k(10).exact(true).build());
        List<Hit> approx = idx.searcher().search(Query.builder(q).k(10).candidates(candidates).build());
        assertEquals(10, exact.size());
        // the brute-force scores are the true cosines
        int best = Integer.parseInt(exact.get(0).id().substring(1));
        assertEquals(Vectors.dot(q, data[best]), exact.get(0).score(), 1e-5f);
        Set<String> truth = new HashSet<>();
        for (Hit h : exact) truth.add(h.id());
        for (Hit h : approx) if (truth.contains(h.id())) found++;
      }
      return found / (double) (QUERIES * 10);
    }
  }

  /** The default index (flat bit1+int4 codes, float32 re-scoring of the default 100 candidates). */
  @Test
  void defaultIndexRecallAtTenIsAtLeast098WithTheDefaultCandidates(@TempDir Path tmp) {
    double recall = recall(tmp, 20_000, VectorIndex.Options.DEFAULT, Query.DEFAULT_CANDIDATES);
    assertTrue(recall >= 0.98, "recall@10 " + recall);
  }

  @Test
  void float32HnswRecallAtTenIsAtLeast098(@TempDir Path tmp) {
    double recall = recall(tmp, 5_000, false, 400);
    assertTrue(recall >= 0.98, "recall@10 " + recall);
  }

  @Test
  void int8HnswWithFloatRescoringRecallAtTenIsAtLeast098(@TempDir Path tmp) {
    double recall = recall(tmp, 2_000, true, 400);
    assertTrue(recall >= 0.98, "recall@10 " + recall);
  }
}
