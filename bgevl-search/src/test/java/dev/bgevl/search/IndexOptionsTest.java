package dev.bgevl.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage/graph options: recorded in bgevl-index.json, honoured on reopen, every combination searchable. */
class IndexOptionsTest {
  static final int DIM = 64;

  static float[][] fill(VectorIndex idx, int n, long seed) {
    Random r = new Random(seed);
    float[][] v = new float[n][];
    for (int i = 0; i < n; i++) {
      v[i] = Vectors.unit(r, DIM);
      idx.upsert(new IndexedDoc("v" + i, null, null, "text", "s", null, 0, 0, Map.of("even", i % 2 == 0), v[i]));
    }
    idx.commit();
    return v;
  }

  /** Every quantized layout re-scores its candidates with the float32 vectors: same ids and cosines as brute force. */
  @Test
  void everyQuantizationAndGraphMatchesExactSearchOnASmallIndex(@TempDir Path tmp) {
    for (VectorIndex.Graph g : VectorIndex.Graph.values()) {
      for (VectorIndex.Quantization q : VectorIndex.Quantization.values()) {
        if (g == VectorIndex.Graph.FLAT && q == VectorIndex.Quantization.NONE) continue;
        if (g == VectorIndex.Graph.HNSW && q == VectorIndex.Quantization.BIT1_INT4) continue;
        Path dir = tmp.resolve(g.id() + "-" + q.id());
        VectorIndex.Options o = new VectorIndex.Options(q, g, 16, 100);
        try (VectorIndex idx = VectorIndex.openOrCreate(dir, "m", "m", DIM, o)) {
          assertEquals(List.of(), idx.searcher().search(Query.builder(Vectors.unit(new Random(1), DIM)).k(5).build()), "empty index");
          fill(idx, 300, 11);
          Random r = new Random(12);
          for (int t = 0; t < 5; t++) {
            float[] qv = Vectors.unit(r, DIM);
            // 300 candidates re-scored = every vector: the result must be exact whatever the codes
            List<Hit> exact = idx.searcher().search(Query.builder(qv).k(5).exact(true).build());
            List<Hit> approx = idx.searcher().search(Query.builder(qv).k(5).candidates(300).build());
            assertEquals(exact.stream().map(Hit::id).toList(), approx.stream().map(Hit::id).toList(), g + " " + q);
            for (int i = 0; i < 5; i++) assertEquals(exact.get(i).score(), approx.get(i).score(), 1e-5f, g + " " + q + ": float32 cosines");
            // and under a filter, only matching items come back, in the exact order
            List<Hit> exactEven = idx.searcher().search(Query.builder(qv).k(5).filter("even = true").exact(true).build());
            List<Hit> even = idx.searcher().search(Query.builder(qv).k(5).filter("even = true").candidates(300).build());
            assertEquals(exactEven.stream().map(Hit::id).toList(), even.stream().map(Hit::id).toList(), g + " " + q + " filtered");
            assertTrue(even.stream().allMatch(h -> Integer.parseInt(h.id().substring(1)) % 2 == 0));
            // a filter that matches nothing: no hits (Lucene's RescoreTopNQuery fails on an empty candidate list)
            assertEquals(List.of(), idx.searcher().search(Query.builder(qv).k(5).filter("even = \"never\"").build()));
          }
        }
        IndexFormat.Meta meta = IndexFormat.readMeta(dir);
        assertEquals(q.id(), meta.quantization());
        assertEquals(g.id(), meta.graph());
        assertEquals(q != VectorIndex.Quantization.NONE, meta.quantized());
        // reopening with other options keeps the recorded ones
        VectorIndex.Options other = new VectorIndex.Options(VectorIndex.Quantization.INT8, VectorIndex.Graph.HNSW, 8, 20);
        try (VectorIndex again = VectorIndex.openOrCreate(dir, "m", "m", DIM, other)) {
          assertEquals(q, again.options().quantization());
          assertEquals(g, again.options().graph());
          if (g == VectorIndex.Graph.HNSW) assertEquals(o, again.options());
        }
      }
    }
  }

  @Test
  void theDefaultIsFlatBit1Int4AndAFlatIndexRecordsNoGraphParameters(@TempDir Path tmp) throws IOException {
    assertEquals(new VectorIndex.Options(VectorIndex.Quantization.BIT1_INT4, VectorIndex.Graph.FLAT, 32, 200), VectorIndex.Options.DEFAULT);
    try (VectorIndex idx = VectorIndex.openOrCreate(tmp, "m", "m", DIM, VectorIndex.Options.DEFAULT)) {
      fill(idx, 10, 1);
    }
    var json = new ObjectMapper().readTree(tmp.resolve(IndexFormat.META_FILE).toFile());
    assertEquals("bit1+int4", json.get("quantization").asText());
    assertEquals("flat", json.get("graph").asText());
    assertEquals(3, json.get("version").asInt());
    // the vectors are stored in our SPI-registered format (Lucene's flat float32 files + our codes file)
    try (VectorIndex idx = VectorIndex.open(tmp)) {
      assertEquals("BgeVlScanCodes", idx.searcher().withSearcher(s -> s.getIndexReader().leaves().get(0).reader().getFieldInfos()
          .fieldInfo(IndexFormat.VECTOR).getAttribute(org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat.PER_FIELD_FORMAT_KEY)));
    }
    assertFalse(json.has("maxConn"));
    assertFalse(json.has("beamWidth"));
  }

  @Test
  void theOptionsAreRecordedInTheIndexIdentityFile(@TempDir Path tmp) throws IOException {
    VectorIndex.Options o = new VectorIndex.Options(VectorIndex.Quantization.INT4, VectorIndex.Graph.HNSW, 48, 300);
    try (VectorIndex idx = VectorIndex.openOrCreate(tmp, "m", "m", DIM, o)) {
      fill(idx, 10, 1);
    }
    var json = new ObjectMapper().readTree(tmp.resolve(IndexFormat.META_FILE).toFile());
    assertEquals(3, json.get("version").asInt());
    assertEquals("int4", json.get("quantization").asText());
    assertEquals("hnsw", json.get("graph").asText());
    assertEquals(48, json.get("maxConn").asInt());
    assertEquals(300, json.get("beamWidth").asInt());
    try (VectorIndex idx = VectorIndex.open(tmp)) {
      assertEquals(o, idx.options());
    }
  }

  /** A version-1 identity file (no graph, M or beam recorded) opens as the HNSW, M=32, beam 200 it was. */
  @Test
  void aVersionOneIndexStillOpens(@TempDir Path tmp) throws IOException {
    float[][] v;
    try (VectorIndex idx = VectorIndex.openOrCreate(tmp, "m", "m", DIM, VectorIndex.Options.HNSW_FLOAT32.withQuantization(VectorIndex.Quantization.INT8))) {
      v = fill(idx, 50, 2);
    }
    ObjectMapper m = new ObjectMapper();
    ObjectNode json = (ObjectNode) m.readTree(tmp.resolve(IndexFormat.META_FILE).toFile());
    json.put("version", 1);
    json.remove(List.of("graph", "maxConn", "beamWidth"));
    Files.write(tmp.resolve(IndexFormat.META_FILE), m.writeValueAsBytes(json));
    try (VectorIndex idx = VectorIndex.open(tmp)) {
      assertEquals(new VectorIndex.Options(VectorIndex.Quantization.INT8, VectorIndex.Graph.HNSW, 32, 200), idx.options());
      assertEquals("v7", idx.searcher().search(Query.builder(v[7]).k(1).build()).get(0).id());
    }
  }

  @Test
  void badOptionsAndBadIdentityFilesAreOneClearLine(@TempDir Path tmp) throws IOException {
    BgeVlException flat = assertThrows(BgeVlException.class,
        () -> VectorIndex.Options.DEFAULT.withQuantization(VectorIndex.Quantization.NONE));
    assertEquals("a flat index needs a quantization (bit1+int4, int8, int7, int4, bit2 or bit1); float32 brute force is the --exact search",
        flat.getMessage());
    assertEquals("quantization bit1+int4 is for flat indexes; an HNSW graph takes none, int8, int7, int4, bit2 or bit1",
        assertThrows(BgeVlException.class, () -> VectorIndex.Options.DEFAULT.withGraph(VectorIndex.Graph.HNSW)).getMessage());
    assertEquals("quantization must be one of bit1+int4, none, int8, int7, int4, bit2, bit1; got 'int3'",
        assertThrows(BgeVlException.class, () -> VectorIndex.Quantization.parse("int3")).getMessage());
    assertEquals("graph must be hnsw or flat, got 'ivf'",
        assertThrows(BgeVlException.class, () -> VectorIndex.Graph.parse("ivf")).getMessage());
    assertEquals("HNSW M (max connections) must be in [2, 512], got 1",
        assertThrows(BgeVlException.class, () -> VectorIndex.Options.DEFAULT.withHnsw(1, 100)).getMessage());

    try (VectorIndex idx = VectorIndex.openOrCreate(tmp, "m", "m", DIM, VectorIndex.Options.DEFAULT)) {
      fill(idx, 3, 3);
    }
    ObjectMapper m = new ObjectMapper();
    ObjectNode json = (ObjectNode) m.readTree(tmp.resolve(IndexFormat.META_FILE).toFile());
    json.put("quantization", "int3");
    Files.write(tmp.resolve(IndexFormat.META_FILE), m.writeValueAsBytes(json));
    BgeVlException bad = assertThrows(BgeVlException.class, () -> VectorIndex.open(tmp));
    assertTrue(bad.getMessage().startsWith("index " + tmp + ": cannot read bgevl-index.json: "), bad.getMessage());
    assertTrue(bad.getMessage().contains("quantization must be one of bit1+int4, none, int8, int7, int4, bit2, bit1; got 'int3'"), bad.getMessage());
    assertFalse(bad.getMessage().contains("\n"));

    json.put("quantization", "none");
    json.put("version", 4);
    json.put("somethingNew", true);
    Files.write(tmp.resolve(IndexFormat.META_FILE), m.writeValueAsBytes(json));
    assertEquals("index " + tmp + " has format version 4 but this bgevl reads up to 3: upgrade bgevl",
        assertThrows(BgeVlException.class, () -> VectorIndex.open(tmp)).getMessage());
  }
}
