package dev.bgevl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgevl.BgeVl;
import dev.bgevl.BgeVlException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Changes made through the API are durable, and read-only or mismatched indexes are handled. */
class LuceneSearchBackendTest {
  @TempDir
  Path tmp;

  @Test
  void documentsAddedThroughTheApiSurviveARestart() {
    BgeVl model = TinyModel.get();
    Path dir = tmp.resolve("idx");
    try (SearchBackend b = LuceneSearchBackend.open(dir, "clip-tiny", model.modelId(), model.dim(), false);
         BgeVlServer s = BgeVlServer.start(Embedder.of(model), b, ServerConfig.builder().port(0).uploadDir(tmp.resolve("up")).build())) {
      Http http = new Http(s.url());
      assertEquals(201, http.postJson("/v1/documents", Map.of("id", "a", "text", "a cat on a sofa", "metadata", Map.of("year", 2020))).status());
      assertEquals(201, http.postMultipart("/v1/documents", Map.of("id", "b", "image", new Http.FilePart("c.png", TinyModel.bytes("cir_candi_1.png")))).status());
      assertEquals(201, http.postJson("/v1/documents", Map.of("id", "gone", "text", "deleted soon")).status());
      assertEquals(200, http.delete("/v1/documents/gone").status());
      assertEquals(2, b.size());
    }
    try (SearchBackend ro = LuceneSearchBackend.open(dir, "clip-tiny", model.modelId(), model.dim(), true);
         BgeVlServer s = BgeVlServer.start(Embedder.of(model), ro, ServerConfig.builder().port(0).build())) {
      assertFalse(ro.writable());
      assertEquals(2, ro.size());
      Http http = new Http(s.url());
      Http.Response r = http.postJson("/v1/search", Map.of("text", "a cat on a sofa", "k", 5, "filter", "year >= 2020"));
      assertEquals(200, r.status(), r.text());
      assertEquals(1, r.json().get("data").size());
      assertEquals("a", r.json().at("/data/0/id").asText());
      assertEquals(1.0, r.json().at("/data/0/score").asDouble(), 1e-5);
      assertTrue(ro.pathOf("b").isPresent());
      assertEquals(200, http.get("/v1/thumbnail?id=b").status());
      assertEquals(403, http.postJson("/v1/documents", Map.of("text", "x")).status());
      assertEquals(400, http.postJson("/v1/search", Map.of("text", "x", "filter", "year >>> 3")).status());
    }
  }

  @Test
  void aReadOnlyServerFollowsCommitsOfAnotherWriter() throws Exception {
    BgeVl model = TinyModel.get();
    Path dir = tmp.resolve("shared");
    try (SearchBackend writer = LuceneSearchBackend.open(dir, "clip-tiny", model.modelId(), model.dim(), false)) {
      writer.add(new SearchBackend.Doc("first", null, "first", "text", Map.of(), model.embed(dev.bgevl.Input.text("first")).vector()));
      try (SearchBackend ro = LuceneSearchBackend.open(dir, "clip-tiny", model.modelId(), model.dim(), true)) {
        assertEquals(1, ro.size());
        writer.add(new SearchBackend.Doc("second", null, "second", "text", Map.of(), model.embed(dev.bgevl.Input.text("second")).vector()));
        long deadline = System.currentTimeMillis() + 10_000;
        while (ro.size() < 2 && System.currentTimeMillis() < deadline) {
          Thread.sleep(100);
        }
        assertEquals(2, ro.size());
        float[] q = model.embed(dev.bgevl.Input.text("second")).vector();
        assertEquals("second", ro.search(q, 1, null, Float.NEGATIVE_INFINITY).get(0).id());
      }
    }
  }

  @Test
  void anIndexOfAnotherModelIsRefused() {
    BgeVl model = TinyModel.get();
    Path dir = tmp.resolve("other");
    LuceneSearchBackend.open(dir, "other", "someone/other-model", model.dim(), false).close();
    BgeVlException e = assertThrows(BgeVlException.class,
        () -> LuceneSearchBackend.open(dir, "clip-tiny", model.modelId(), model.dim(), false));
    assertTrue(e.getMessage().contains("someone/other-model"), e.getMessage());
  }
}
