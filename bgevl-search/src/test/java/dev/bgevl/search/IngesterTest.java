package dev.bgevl.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngesterTest {
  static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0};

  static Path image(Path p, byte[] magic, String body) throws IOException {
    Files.createDirectories(p.getParent());
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[magic.length + b.length];
    System.arraycopy(magic, 0, all, 0, magic.length);
    System.arraycopy(b, 0, all, magic.length, b.length);
    return Files.write(p, all);
  }

  static Ingester.Summary ingest(Path index, HashEmbedder e, Path... inputs) {
    try (VectorIndex idx = VectorIndex.openOrCreate(index, e.modelId(), e.modelId(), e.dim(), VectorIndex.Options.DEFAULT)) {
      return new Ingester(idx, e, new Ingester.Options(2, null)).run(List.of(inputs));
    }
  }

  static Set<String> ids(Path index) {
    try (VectorIndex idx = VectorIndex.open(index)) {
      return idx.searcher().search(Query.builder(Vectors.unit(new java.util.Random(1), idx.meta().dim())).k(1000).exact(true).build())
          .stream().map(Hit::id).collect(Collectors.toSet());
    }
  }

  @Test
  void incrementalRunsEmbedOnlyNewAndChangedFilesAndDeleteVanishedOnes(@TempDir Path tmp) throws IOException {
    Path photos = tmp.resolve("photos");
    Path a = image(photos.resolve("a.png"), PNG, "apple");
    Path b = image(photos.resolve("sub/b.jpg"), JPEG, "banana");
    Path c = image(photos.resolve("c.txt"), JPEG, "cherry, a JPEG despite its name");
    Path d = image(photos.resolve("d.png"), PNG, "date");
    Files.writeString(photos.resolve("notes.png"), "not an image despite its name");
    Path index = tmp.resolve("index");

    HashEmbedder e1 = new HashEmbedder();
    Ingester.Summary s1 = ingest(index, e1, photos);
    assertEquals(4, s1.added(), s1.describe());
    assertEquals(1, s1.notImages());
    assertEquals(Set.of(a.toString(), b.toString(), c.toString(), d.toString()), ids(index));

    HashEmbedder e2 = new HashEmbedder();
    Ingester.Summary s2 = ingest(index, e2, photos);
    assertEquals(4, s2.unchanged(), s2.describe());
    assertEquals(0, e2.calls.size(), "a second run over unchanged files embeds nothing");

    // modify b, add e, delete c, touch d (same bytes, new mtime), leave a alone
    image(b, JPEG, "blueberry");
    Files.setLastModifiedTime(b, FileTime.fromMillis(Files.getLastModifiedTime(b).toMillis() + 5000));
    Path e = image(photos.resolve("sub/deeper/e.png"), PNG, "elderberry");
    Files.delete(c);
    Files.setLastModifiedTime(d, FileTime.fromMillis(Files.getLastModifiedTime(d).toMillis() + 5000));
    HashEmbedder e3 = new HashEmbedder();
    Ingester.Summary s3 = ingest(index, e3, photos);
    assertEquals(1, s3.added(), s3.describe());
    assertEquals(1, s3.updated(), s3.describe());
    assertEquals(1, s3.deleted(), s3.describe());
    assertEquals(1, s3.touched(), s3.describe());
    assertEquals(1, s3.unchanged(), s3.describe());
    assertEquals(Set.of(b, e), e3.calls.stream().map(EmbedInput::image).collect(Collectors.toSet()), "only new and changed files are embedded");
    assertEquals(Set.of(a.toString(), b.toString(), d.toString(), e.toString()), ids(index));

    try (VectorIndex idx = VectorIndex.open(index)) {
      // the changed file's vector is the new content's, the touched file keeps its vector and gets the new mtime
      assertArrayEquals(HashEmbedder.vector(EmbedInput.image(b), 16), idx.vector(b.toString()), 0f);
      assertArrayEquals(HashEmbedder.vector(EmbedInput.image(d), 16), idx.vector(d.toString()), 0f);
      Hit hd = idx.searcher().search(Query.builder(HashEmbedder.vector(EmbedInput.image(d), 16)).k(1).build()).get(0);
      assertEquals(d.toString(), hd.id());
      assertEquals(d.toString(), hd.path());
      assertEquals(Files.getLastModifiedTime(d).toMillis(), hd.mtime());
      assertEquals(Files.size(d), hd.size());
      assertEquals(1f, hd.score(), 1e-5f);
    }
  }

  @Test
  void jsonlCorpusWithMetadataBadLinesAndBadImagesIsIndexedAndFilterable(@TempDir Path tmp) throws IOException {
    Path corpus = tmp.resolve("corpus");
    image(corpus.resolve("img/red.png"), PNG, "red shoe");
    image(corpus.resolve("img/blue.jpg"), JPEG, "blue shoe");
    image(corpus.resolve("img/broken.jpg"), JPEG, "CORRUPT");
    Path jsonl = corpus.resolve("items.jsonl");
    Files.writeString(jsonl, String.join("\n",
        "{\"id\": \"p1\", \"image\": \"img/red.png\", \"metadata\": {\"color\": \"red\", \"price\": 12.5, \"tags\": [\"shoe\", \"sale\"]}}",
        "{\"id\": \"p2\", \"image\": \"img/blue.jpg\", \"text\": \"a blue shoe\", \"metadata\": {\"color\": \"blue\", \"price\": 30}}",
        "{\"text\": \"just a caption\", \"metadata\": {\"color\": \"red\", \"price\": 50, \"instock\": true}}",
        "",
        "{not json",
        "{\"id\": \"p1\", \"text\": \"duplicate\"}",
        "{\"id\": \"p5\", \"image\": \"img/missing.png\"}",
        "{\"id\": \"p6\", \"image\": \"img/broken.jpg\"}",
        "{\"id\": \"p7\"}") + "\n");
    Path index = tmp.resolve("index");
    HashEmbedder emb = new HashEmbedder();
    Ingester.Summary s = ingest(index, emb, jsonl, tmp.resolve("nowhere"));
    assertEquals(3, s.added(), s.describe());
    List<String> problems = s.failures().stream().map(Ingester.Failure::toString).toList();
    assertEquals(6, problems.size(), problems.toString());
    assertEquals(jsonl + ":5: not valid JSON (Unexpected character ('n' (code 110)): was expecting double-quote to start field name)", problems.get(0));
    assertEquals(jsonl + ":6: duplicate id \"p1\" (first at line 1), skipped", problems.get(1));
    assertTrue(problems.get(2).startsWith(jsonl + ":7: image " + corpus.resolve("img/missing.png") + " cannot be read: "), problems.get(2));
    assertEquals(jsonl + ":9: the record has neither \"image\" nor \"text\"", problems.get(3));
    assertEquals(tmp.resolve("nowhere") + ": no such file or folder", problems.get(4));
    Path broken = corpus.resolve("img/broken.jpg");
    assertEquals("image " + broken + ": corrupt data", problems.get(5));

    try (VectorIndex idx = VectorIndex.open(index)) {
      float[] q = HashEmbedder.vector(EmbedInput.composed(corpus.resolve("img/blue.jpg"), "a blue shoe"), 16);
      Hit top = idx.searcher().search(Query.builder(q).k(1).build()).get(0);
      assertEquals("p2", top.id());
      assertEquals("composed", top.kind());
      assertEquals("a blue shoe", top.text());
      assertEquals(corpus.resolve("img/blue.jpg").toString(), top.path());
      assertEquals("{\"color\":\"blue\",\"price\":30}", top.metadataJson());
      assertEquals(Set.of("p1"), filtered(idx, "color = \"red\" AND price < 20"));
      assertEquals(Set.of("p1", jsonl + "#3"), filtered(idx, "color = 'red'"));
      assertEquals(Set.of("p2", jsonl + "#3"), filtered(idx, "price >= 30"));
      assertEquals(Set.of("p2"), filtered(idx, "price > 12.5 AND price < 50"));
      assertEquals(Set.of("p1"), filtered(idx, "tags = \"sale\""));
      assertEquals(Set.of(jsonl + "#3"), filtered(idx, "instock = true"));
      assertEquals(Set.of("p2"), filtered(idx, "NOT color = \"red\""));
      assertEquals(Set.of("p2"), filtered(idx, "color != \"red\""));
      assertEquals(Set.of("p1", "p2"), filtered(idx, "id IN (\"p1\", \"p2\", \"p9\")"));
      assertEquals(Set.of(jsonl + "#3"), filtered(idx, "kind = \"text\""));
      assertEquals(Set.of("p1", "p2"), filtered(idx, "(color = \"red\" OR color = \"blue\") && size > 0"));
      assertEquals(Set.of(), filtered(idx, "color = \"green\""));
    }
  }

  static Set<String> filtered(VectorIndex idx, String expr) {
    Set<String> approx = new HashSet<>();
    Set<String> exact = new HashSet<>();
    float[] q = Vectors.unit(new java.util.Random(7), idx.meta().dim());
    for (Hit h : idx.searcher().search(Query.builder(q).k(100).filter(expr).build())) approx.add(h.id());
    for (Hit h : idx.searcher().search(Query.builder(q).k(100).filter(expr).exact(true).build())) exact.add(h.id());
    assertEquals(exact, approx, "HNSW and exact search agree on " + expr);
    return exact;
  }

  @Test
  void aModelMismatchAndAMissingIndexAreOneClearLine(@TempDir Path tmp) throws IOException {
    Path index = tmp.resolve("index");
    image(tmp.resolve("p/a.png"), PNG, "a");
    ingest(index, new HashEmbedder("model-a", 16, 0), tmp.resolve("p"));
    BgeVlException e = assertThrows(BgeVlException.class, () -> ingest(index, new HashEmbedder("model-b", 16, 0), tmp.resolve("p")));
    assertEquals("index " + index + " was built with model model-a (dim 16), not model-b (dim 16): use --model model-a or a new --index folder", e.getMessage());
    try (VectorIndex idx = VectorIndex.open(index)) {
      BgeVlException d = assertThrows(BgeVlException.class, () -> idx.checkModel("model-a", 32));
      assertEquals("index " + index + " was built with model model-a (dim 16), not model-a (dim 32): use --model model-a or a new --index folder", d.getMessage());
      BgeVlException q = assertThrows(BgeVlException.class, () -> idx.searcher().search(Query.builder(new float[8]).build()));
      assertEquals("query vector has length 0.0: it cannot be normalized", q.getMessage());
      BgeVlException w = assertThrows(BgeVlException.class, () -> idx.searcher().search(Query.builder(Vectors.unit(new java.util.Random(1), 8)).build()));
      assertEquals("query vector has 8 dims but index " + index + " holds 16", w.getMessage());
    }
    Path none = tmp.resolve("none");
    BgeVlException m = assertThrows(BgeVlException.class, () -> VectorIndex.open(none));
    assertEquals("no index at " + none + " (no such folder): create it with 'bgevl index --index " + none + " PATH...'", m.getMessage());
    Files.createDirectories(none);
    BgeVlException m2 = assertThrows(BgeVlException.class, () -> VectorIndex.open(none));
    assertEquals("no index at " + none + " (missing bgevl-index.json): create it with 'bgevl index --index " + none + " PATH...'", m2.getMessage());
  }

  @Test
  void aSecondWriterIsRefusedWithOneLine(@TempDir Path tmp) {
    Path index = tmp.resolve("index");
    try (VectorIndex first = VectorIndex.openOrCreate(index, "m", "m", 4, VectorIndex.Options.DEFAULT)) {
      BgeVlException e = assertThrows(BgeVlException.class, () -> VectorIndex.openOrCreate(index, "m", "m", 4, VectorIndex.Options.DEFAULT));
      assertEquals("index " + index + " is being written by another process (lucene/write.lock is held)", e.getMessage());
      // readers are not blocked by the writer, and a fresh index without a commit reads as empty
      try (VectorIndex reader = VectorIndex.open(index)) {
        assertEquals(0, reader.size());
        assertTrue(reader.searcher().search(Query.builder(new float[] {1, 0, 0, 0}).build()).isEmpty());
        first.upsert(new IndexedDoc("a", null, "t", "text", "s", null, 0, 0, java.util.Map.of(), new float[] {1, 0, 0, 0}));
        first.commit();
        assertEquals(0, reader.size(), "a read-only index stays on its commit until refresh()");
        reader.refresh();
        assertEquals(1, reader.size());
        first.delete("a");
        first.commit();
        reader.refresh();
        assertEquals(0, reader.size());
      }
    }
  }

  @Test
  void quantizedIndexRescoresWithTheFloatVectors(@TempDir Path tmp) {
    java.util.Random r = new java.util.Random(3);
    try (VectorIndex idx = VectorIndex.openOrCreate(tmp.resolve("q"), "m", "m", 64, VectorIndex.Options.HNSW_FLOAT32.withQuantization(VectorIndex.Quantization.INT8))) {
      for (int i = 0; i < 500; i++) idx.upsert(new IndexedDoc("v" + i, null, "t" + i, "text", "s", null, 0, 0, java.util.Map.of(), Vectors.unit(r, 64)));
      idx.commit();
      assertTrue(idx.meta().quantized());
      for (int t = 0; t < 5; t++) {
        float[] q = Vectors.unit(r, 64);
        List<Hit> exact = idx.searcher().search(Query.builder(q).k(5).exact(true).build());
        List<Hit> approx = idx.searcher().search(Query.builder(q).k(5).build());
        assertEquals(exact.stream().map(Hit::id).toList(), approx.stream().map(Hit::id).toList());
        for (int i = 0; i < 5; i++) assertEquals(exact.get(i).score(), approx.get(i).score(), 1e-5f, "re-scored with float32 vectors");
      }
      List<Hit> above = idx.searcher().search(Query.builder(Vectors.unit(r, 64)).k(500).minScore(0.2f).exact(true).build());
      assertTrue(above.stream().allMatch(h -> h.score() >= 0.2f));
    }
    try (VectorIndex again = VectorIndex.openOrCreate(tmp.resolve("q"), "m", "m", 64, VectorIndex.Options.DEFAULT)) {
      assertTrue(again.meta().quantized(), "quantization is fixed at creation");
    }
    assertNull(null);
  }

  @Test
  void embeddingsOf4096DimensionsLikeBgeVlMllmAreIndexed(@TempDir Path tmp) {
    java.util.Random r = new java.util.Random(5);
    float[][] v = new float[20][];
    try (VectorIndex idx = VectorIndex.openOrCreate(tmp.resolve("w"), "m", "mllm", 4096, VectorIndex.Options.DEFAULT)) {
      for (int i = 0; i < v.length; i++) {
        v[i] = Vectors.unit(r, 4096);
        idx.upsert(new IndexedDoc("v" + i, null, null, "text", "s", null, 0, 0, java.util.Map.of(), v[i]));
      }
      idx.commit();
    }
    try (VectorIndex idx = VectorIndex.open(tmp.resolve("w"))) {
      assertEquals("v7", idx.searcher().search(Query.builder(v[7]).k(1).build()).get(0).id());
    }
    BgeVlException e = assertThrows(BgeVlException.class,
        () -> VectorIndex.openOrCreate(tmp.resolve("x"), "m", "huge", 5000, VectorIndex.Options.DEFAULT));
    assertEquals("model huge has dim 5000; the index holds at most 4096", e.getMessage());
  }

  @Test
  void weightedQueryArithmeticSumsNormalizedVectorsAndRenormalizes() {
    float[] a = {2, 0, 0};
    float[] b = {0, 3, 0};
    float[] q = Query.combine(new float[][] {a, b}, new float[] {1f, 0.5f});
    float n = (float) Math.sqrt(1 + 0.25);
    assertArrayEquals(new float[] {1 / n, 0.5f / n, 0}, q, 1e-6f);
    float[] minus = Query.combine(new float[][] {a, b}, new float[] {1f, -1f});
    assertArrayEquals(new float[] {(float) Math.sqrt(0.5), (float) -Math.sqrt(0.5), 0}, minus, 1e-6f);
    BgeVlException e = assertThrows(BgeVlException.class, () -> Query.combine(new float[][] {a, a}, new float[] {1f, -1f}));
    assertEquals("the weighted query terms cancel out (the sum has length 0.0): change the weights", e.getMessage());
  }
}
