package dev.bgevl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.BgeVl;
import dev.bgevl.Embedding;
import dev.bgevl.Input;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * /v1/documents, /v1/search and /v1/thumbnail over the tiny model and the 11 corpus images, for
 * each {@link SearchBackend} (subclasses). Rankings must equal the library's exact ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SearchApiTest {
  Path tmp;
  BgeVlServer server;
  SearchBackend backend;
  Http http;
  BgeVl model;
  final Map<String, float[]> docs = new LinkedHashMap<>();

  /** The backend under test, storing what it needs under {@code dir}. */
  abstract SearchBackend newBackend(Path dir, BgeVl model);

  @BeforeAll
  void start(@TempDir Path tmp) throws IOException {
    this.tmp = tmp;
    model = TinyModel.get();
    backend = newBackend(tmp.resolve("index"), model);
    server = BgeVlServer.start(Embedder.of(model), backend, ServerConfig.builder().port(0).uploadDir(tmp.resolve("uploads")).build());
    http = new Http(server.url());
    List<Path> corpus;
    try (Stream<Path> s = Files.list(TinyModel.image("corpus"))) {
      corpus = s.sorted().toList();
    }
    for (int i = 0; i < corpus.size(); i++) {
      byte[] b = Files.readAllBytes(corpus.get(i));
      String id = corpus.get(i).getFileName().toString();
      Http.Response r = http.postJson("/v1/documents", Map.of("id", id, "image", Base64.getEncoder().encodeToString(b),
          "metadata", Map.of("n", i, "group", i % 2 == 0 ? "even" : "odd", "tags", List.of("coco", "t" + i))));
      assertEquals(201, r.status(), r.text());
      assertEquals("image", r.json().get("kind").asText());
      docs.put(id, model.embed(Input.image(b, id)).vector());
    }
    Http.Response t = http.postMultipart("/v1/documents", Map.of("text", "a red double-decker bus", "id", "caption-1"));
    assertEquals(201, t.status(), t.text());
    assertEquals("text", t.json().get("kind").asText());
    docs.put("caption-1", model.embed(Input.text("a red double-decker bus")).vector());
  }

  @AfterAll
  void stop() {
    server.close();
    backend.close();
  }

  /** The ids in score order, computed with the library: what the server must return. */
  List<String> expectedOrder(float[] q) {
    List<String> ids = new ArrayList<>(docs.keySet());
    ids.sort(Comparator.comparingDouble((String id) -> -dot(q, docs.get(id))).thenComparing(id -> id));
    return ids;
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  static List<String> ids(JsonNode data) {
    List<String> out = new ArrayList<>();
    data.forEach(d -> out.add(d.get("id").asText()));
    return out;
  }

  @Test
  void composedQueryJsonAndMultipartRankLikeTheLibrary() {
    byte[] q = TinyModel.bytes("query/000000530944.jpg");
    Embedding e = model.embed(Input.composed(Input.image(q, "q"), "a dog"));
    List<String> want = expectedOrder(e.vector()).subList(0, 5);
    Http.Response r = http.postJson("/v1/search", Map.of("image", Base64.getEncoder().encodeToString(q), "text", "a dog", "k", 5));
    assertEquals(200, r.status(), r.text());
    assertEquals("composed", r.json().get("query_kind").asText());
    assertEquals(want, ids(r.json().get("data")));
    JsonNode top = r.json().at("/data/0");
    assertEquals(dot(e.vector(), docs.get(want.get(0))), top.get("score").asDouble(), 1e-5);
    for (JsonNode d : r.json().get("data")) {
      boolean image = !d.get("id").asText().equals("caption-1");
      assertEquals(image ? "image" : "text", d.get("kind").asText());
      assertEquals(image, d.has("thumbnail"));
      if (image) {
        assertTrue(d.get("thumbnail").asText().startsWith("/v1/thumbnail?id="));
        assertEquals(List.of("coco"), List.of(d.at("/metadata/tags/0").asText()));
      } else {
        assertEquals("a red double-decker bus", d.get("text").asText());
      }
    }
    Http.Response m = http.postMultipart("/v1/search", Map.of("image", new Http.FilePart("q.jpg", q), "text", "a dog", "k", "5"));
    assertEquals(200, m.status(), m.text());
    assertEquals(want, ids(m.json().get("data")));
  }

  @Test
  void textQueryKFilterAndMinScore() {
    float[] q = model.embed(Input.text("a bus")).vector();
    List<String> all = expectedOrder(q);
    JsonNode r = http.postJson("/v1/search", Map.of("text", "a bus", "k", 3)).json();
    assertEquals(all.subList(0, 3), ids(r.get("data")));
    JsonNode even = http.postJson("/v1/search", Map.of("text", "a bus", "k", 50, "filter", "group = \"even\"")).json();
    List<String> evenIds = ids(even.get("data"));
    assertEquals(6, evenIds.size(), evenIds.toString());
    even.get("data").forEach(d -> assertEquals("even", d.at("/metadata/group").asText()));
    JsonNode tagged = http.postJson("/v1/search", Map.of("text", "a bus", "filter", "tags = \"t3\"")).json();
    assertEquals(1, tagged.get("data").size());
    double cut = dot(q, docs.get(all.get(4)));
    JsonNode min = http.postJson("/v1/search", Map.of("text", "a bus", "k", 50, "min_score", cut - 1e-6)).json();
    assertEquals(all.subList(0, 5), ids(min.get("data")));
  }

  @Test
  void thumbnailsOnlyForIndexedImages() throws IOException {
    String id = docs.keySet().iterator().next();
    Http.Response r = http.get("/v1/thumbnail?id=" + id);
    assertEquals(200, r.status());
    assertEquals("image/jpeg", r.headers().firstValue("Content-Type").orElse(""));
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(r.body()));
    assertNotNull(img);
    assertTrue(Math.max(img.getWidth(), img.getHeight()) <= 256 && Math.max(img.getWidth(), img.getHeight()) >= 200, img.getWidth() + "x" + img.getHeight());
    assertEquals(404, http.get("/v1/thumbnail?id=caption-1").status()); // a text item has no image
    assertEquals(404, http.get("/v1/thumbnail?id=/etc/passwd").status()); // ids, never paths
  }

  @Test
  void deleteRemovesFromResults() {
    Http.Response add = http.postJson("/v1/documents", Map.of("text", "temporary item", "id", "tmp/with slash"));
    assertEquals(201, add.status(), add.text());
    assertTrue(ids(http.postJson("/v1/search", Map.of("text", "temporary item", "k", 1)).json().get("data")).contains("tmp/with slash"));
    Http.Response del = http.delete("/v1/documents/" + java.net.URLEncoder.encode("tmp/with slash", java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
    assertEquals(200, del.status(), del.text());
    assertFalse(ids(http.postJson("/v1/search", Map.of("text", "temporary item", "k", 50)).json().get("data")).contains("tmp/with slash"));
    assertEquals(404, http.delete("/v1/documents/tmp%2Fwith%20slash").status());
    String odd = "c++ 100% /ok?#";
    assertEquals(201, http.postJson("/v1/documents", Map.of("text", "odd id", "id", odd)).status());
    assertEquals(200, http.delete("/v1/documents/" + java.net.URLEncoder.encode(odd, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20")).status());
    assertEquals(0, http.postJson("/v1/search", Map.of("text", "odd id", "k", 50, "filter", "id = \"" + odd + "\"")).json().get("data").size());
  }

  @Test
  void readOnlyIndexRefusesChanges() {
    InMemorySearchBackend inner = new InMemorySearchBackend(model.dim());
    SearchBackend ro = new SearchBackend() {
      public List<Hit> search(float[] v, int k, String f, float m) { return inner.search(v, k, f, m); }
      public void add(Doc d) { throw new AssertionError("must not be called"); }
      public boolean delete(String id) { throw new AssertionError("must not be called"); }
      public java.util.Optional<String> pathOf(String id) { return inner.pathOf(id); }
      public int size() { return 0; }
      public boolean writable() { return false; }
      public int dim() { return inner.dim(); }
      public String describe() { return "read-only"; }
      public void close() {}
    };
    try (BgeVlServer s = BgeVlServer.start(Embedder.of(model), ro, ServerConfig.builder().port(0).build())) {
      Http h = new Http(s.url());
      assertEquals(403, h.postJson("/v1/documents", Map.of("text", "x")).status());
      assertEquals(403, h.delete("/v1/documents/x").status());
      assertEquals(200, h.postJson("/v1/search", Map.of("text", "x")).status());
    }
  }
}
