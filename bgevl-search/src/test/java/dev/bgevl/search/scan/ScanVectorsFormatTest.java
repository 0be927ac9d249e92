package dev.bgevl.search.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.IntPoint;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The format inside a plain Lucene index: several flushed segments, deletions, a filter, a merge,
 * index sorting, SPI reopening, CheckIndex and a corrupted codes file. Results are compared with
 * brute force over the live documents: the returned scores are the exact float32 similarities
 * (1e-6: the same float dot product Lucene computes), and the ranking finds the true top 10.
 */
class ScanVectorsFormatTest {
  static final int DIM = 96;

  static IndexWriterConfig config(Sort sort) {
    KnnVectorsFormat f = new ScanVectorsFormat();
    IndexWriterConfig c = new IndexWriterConfig().setCodec(new Lucene104Codec() {
      @Override
      public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
        return f;
      }
    });
    c.setMaxBufferedDocs(700); // several segments
    c.setUseCompoundFile(false); // the codes file stays visible (the corruption test flips one of its bytes)
    c.setMergePolicy(org.apache.lucene.index.NoMergePolicy.INSTANCE);
    if (sort != null) c.setIndexSort(sort);
    return c;
  }

  /** Clustered unit vectors: 20 centres, points around them (real embeddings are clustered). */
  static float[][] data(int n, long seed) {
    Random r = new Random(seed);
    float[][] centres = new float[20][];
    for (int i = 0; i < centres.length; i++) centres[i] = FieldCodesTest.gaussian(r, DIM, 1, null);
    float[][] v = new float[n][];
    for (int i = 0; i < n; i++) v[i] = FieldCodesTest.unit(FieldCodesTest.gaussian(r, DIM, 0.6f, centres[r.nextInt(20)]));
    return v;
  }

  static void add(IndexWriter w, float[][] v) throws IOException {
    for (int i = 0; i < v.length; i++) {
      Document d = new Document();
      d.add(new StringField("id", "v" + i, Field.Store.YES));
      d.add(new IntPoint("n", i));
      d.add(new NumericDocValuesField("order", (i * 7919L) % v.length));
      d.add(new KnnFloatVectorField("vec", v[i], VectorSimilarityFunction.DOT_PRODUCT));
      w.addDocument(d);
    }
  }

  /** Checks the top-10 of random queries against brute force over the live (and filter-matching) ids. */
  static void check(Directory dir, float[][] v, Set<Integer> deleted, boolean evenOnly, double minRecall) throws IOException {
    try (DirectoryReader reader = DirectoryReader.open(dir)) {
      IndexSearcher s = new IndexSearcher(reader);
      Random r = new Random(99);
      int found = 0;
      int queries = 30;
      for (int t = 0; t < queries; t++) {
        float[] q = FieldCodesTest.unit(FieldCodesTest.gaussian(r, DIM, 1, t % 2 == 0 ? v[r.nextInt(v.length)] : null));
        org.apache.lucene.search.Query filter = evenOnly ? evenFilter(v.length) : null;
        ScoreDoc[] hits = s.search(new KnnFloatVectorQuery("vec", q, 10, filter), 10).scoreDocs;
        List<Integer> truth = new ArrayList<>();
        for (int i = 0; i < v.length; i++) if (!deleted.contains(i) && (!evenOnly || i % 2 == 0)) truth.add(i);
        truth.sort(Comparator.comparingDouble(i -> -FieldCodesTest.dot(v[i], q)));
        Set<Integer> top = new HashSet<>(truth.subList(0, 10));
        assertEquals(10, hits.length);
        for (ScoreDoc h : hits) {
          int id = Integer.parseInt(reader.storedFields().document(h.doc).get("id").substring(1));
          assertTrue(!deleted.contains(id), "deleted doc " + id + " returned");
          assertTrue(!evenOnly || id % 2 == 0, "filtered-out doc " + id + " returned");
          float cos = (float) FieldCodesTest.dot(v[id], q);
          assertEquals(Math.max(0, (1 + cos) / 2), h.score, 1e-6f, "exact DOT_PRODUCT score");
          if (top.contains(id)) found++;
        }
      }
      double recall = found / (queries * 10.0);
      assertTrue(recall >= minRecall, "recall@10 " + recall);
    }
  }

  static org.apache.lucene.index.MergePolicy noCompound() {
    org.apache.lucene.index.TieredMergePolicy p = new org.apache.lucene.index.TieredMergePolicy();
    p.setNoCFSRatio(0);
    return p;
  }

  static org.apache.lucene.search.Query evenFilter(int n) {
    int[] even = new int[(n + 1) / 2];
    for (int i = 0; i < even.length; i++) even[i] = 2 * i;
    return IntPoint.newSetQuery("n", even);
  }

  @Test
  void segmentsDeletionsFiltersAndMergesFindTheTrueNeighbours(@TempDir Path tmp) throws IOException {
    float[][] v = data(4000, 1);
    Set<Integer> deleted = new HashSet<>();
    try (Directory dir = FSDirectory.open(tmp)) {
      try (IndexWriter w = new IndexWriter(dir, config(null))) {
        add(w, v);
        Random r = new Random(5);
        for (int i = 0; i < 300; i++) {
          int id = r.nextInt(v.length);
          deleted.add(id);
          w.deleteDocuments(new Term("id", "v" + id));
        }
        w.commit();
        assertTrue(DirectoryReader.open(dir).leaves().size() >= 5, "several segments");
      }
      // 4000 vectors in segments of 700: the one-bit pass keeps 16 x k per segment = 23% of it
      check(dir, v, deleted, false, 0.99);
      check(dir, v, deleted, true, 0.99);
      try (IndexWriter w = new IndexWriter(dir, config(null).setMergePolicy(noCompound()))) {
        w.forceMerge(1); // the codes of the merged segment come from the merged vectors
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        assertEquals(1, reader.leaves().size());
        assertEquals(v.length - deleted.size(), reader.numDocs());
      }
      check(dir, v, deleted, false, 0.98);
      check(dir, v, deleted, true, 0.98);
      CheckIndex.Status status;
      try (CheckIndex ci = new CheckIndex(dir)) {
        ci.setLevel(CheckIndex.Level.MIN_LEVEL_FOR_SLOW_CHECKS);
        status = ci.checkIndex();
      }
      assertTrue(status.clean, "CheckIndex");
    }
  }

  /** With index sorting the flush reorders the vectors: the codes must follow them. */
  @Test
  void indexSortingKeepsCodesAndVectorsTogether(@TempDir Path tmp) throws IOException {
    float[][] v = data(1500, 2);
    try (Directory dir = FSDirectory.open(tmp)) {
      try (IndexWriter w = new IndexWriter(dir, config(new Sort(new SortField("order", SortField.Type.LONG))))) {
        add(w, v);
        w.commit();
      }
      check(dir, v, Set.of(), false, 0.99);
    }
  }

  /** A flipped byte in the codes file: opening the segment fails on the checksum. */
  @Test
  void aCorruptedCodesFileIsDetected(@TempDir Path tmp) throws IOException {
    float[][] v = data(200, 3);
    try (Directory dir = FSDirectory.open(tmp)) {
      try (IndexWriter w = new IndexWriter(dir, config(null))) {
        add(w, v);
        w.commit();
      }
    }
    Path codes;
    try (var files = Files.list(tmp)) {
      codes = files.filter(p -> p.toString().endsWith("." + ScanVectorsFormat.EXTENSION)).findFirst().orElseThrow();
    }
    byte[] b = Files.readAllBytes(codes);
    b[b.length / 2] ^= 0x40;
    Files.write(codes, b);
    try (Directory dir = FSDirectory.open(tmp)) {
      assertThrows(CorruptIndexException.class, () -> DirectoryReader.open(dir).close());
    }
  }

  @Test
  void onlyFloatDotProductFieldsAreAccepted(@TempDir Path tmp) throws IOException {
    try (Directory dir = FSDirectory.open(tmp); IndexWriter w = new IndexWriter(dir, config(null))) {
      Document d = new Document();
      d.add(new KnnFloatVectorField("vec", new float[] {1, 0}, VectorSimilarityFunction.EUCLIDEAN));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
        w.addDocument(d);
        w.commit();
      });
      assertEquals("BgeVlScanCodes ranks by dot product; field 'vec' uses EUCLIDEAN", e.getMessage());
    }
  }
}
