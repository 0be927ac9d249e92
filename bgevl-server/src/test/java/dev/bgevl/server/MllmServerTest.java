package dev.bgevl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.EmbeddingModel;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.llava.MllmEmbedder;
import dev.bgevl.llava.MllmModel;
import dev.bgevl.llava.MllmRole;
import dev.bgevl.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server in front of the tiny BGE-VL-MLLM fixture: /v1/embeddings (candidates by default, queries
 * with {@code role}/{@code instruction}), /v1/documents (candidates) and /v1/search (queries, the
 * composed one with the default CIR instruction). Vectors must equal {@link MllmEmbedder}'s (1e-6) and
 * scores their dot products (2e-6).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MllmServerTest {
  MllmModel model;
  MllmEmbedder direct;
  BgeVlServer server;
  InMemorySearchBackend backend;
  Http http;
  final Map<String, float[]> docs = new LinkedHashMap<>();
  final ImageLimits limits = ImageLimits.defaults();

  static byte[] bytes(String rel) {
    return TinyModel.bytes(rel);
  }

  static String b64(String rel) {
    return Base64.getEncoder().encodeToString(bytes(rel));
  }

  MllmEmbedder.ImageInput image(MllmRole role, String instruction, String text, String rel) {
    return new MllmEmbedder.ImageInput(role, instruction, text, bytes(rel), rel, true);
  }

  @BeforeAll
  void start(@TempDir Path tmp) {
    model = (MllmModel) EmbeddingModel.load(Fixtures.model("mllm-tiny"));
    direct = model.embedder();
    backend = new InMemorySearchBackend(model.dim());
    server = BgeVlServer.start(Embedder.of(model), backend, ServerConfig.builder().port(0).uploadDir(tmp.resolve("uploads")).build());
    http = new Http(server.url());
    for (String rel : List.of("cir_candi_1.png", "cir_candi_2.png", "edge/cmyk.jpg")) {
      Http.Response r = http.postJson("/v1/documents", Map.of("id", rel, "image", b64(rel)));
      assertEquals(201, r.status(), r.text());
      docs.put(rel, direct.embed(image(MllmRole.CANDIDATE, null, null, rel), limits).vector());
    }
    Http.Response t = http.postJson("/v1/documents", Map.of("id", "dogs", "text", "A photo of two dogs playing in the snow"));
    assertEquals(201, t.status(), t.text());
    docs.put("dogs", direct.embed(new MllmEmbedder.TextInput(MllmRole.CANDIDATE, null, "A photo of two dogs playing in the snow")).vector());
  }

  @AfterAll
  void stop() {
    server.close();
    backend.close();
    model.close();
  }

  static float[] floats(JsonNode a) {
    float[] f = new float[a.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) a.get(i).asDouble();
    }
    return f;
  }

  void checkSearch(Map<String, Object> body, float[] query, String kind) {
    Http.Response r = http.postJson("/v1/search", body);
    assertEquals(200, r.status(), r.text());
    assertEquals(kind, r.json().get("query_kind").asText());
    assertEquals("mllm-tiny", r.json().get("model").asText());
    JsonNode data = r.json().get("data");
    assertEquals(docs.size(), data.size());
    List<String> order = new ArrayList<>();
    for (JsonNode h : data) {
      float[] d = docs.get(h.get("id").asText());
      assertEquals(SearchApiTest.dot(query, d), h.get("score").asDouble(), 2e-6, h.get("id").asText());
      order.add(h.get("id").asText());
    }
    List<String> want = new ArrayList<>(docs.keySet());
    want.sort((a, b) -> Double.compare(SearchApiTest.dot(query, docs.get(b)), SearchApiTest.dot(query, docs.get(a))));
    assertEquals(want, order);
  }

  @Test
  void searchTextImageAndComposedQueries() {
    checkSearch(Map.of("text", "a dog", "k", 10),
        direct.embed(new MllmEmbedder.TextInput(MllmRole.QUERY, null, "a dog")).vector(), "text");
    checkSearch(Map.of("text", "a dog", "k", 10, "instruction", "Find an image that matches the given text."),
        direct.embed(new MllmEmbedder.TextInput(MllmRole.QUERY, "Find an image that matches the given text.", "a dog")).vector(), "text");
    checkSearch(Map.of("image", b64("cir_query.png"), "k", 10),
        direct.embed(image(MllmRole.QUERY, null, null, "cir_query.png"), limits).vector(), "image");
    String edit = "Make the background dark, as if the camera has taken the photo at night";
    checkSearch(Map.of("image", b64("cir_query.png"), "text", edit, "k", 10),
        direct.embed(image(MllmRole.QUERY, MllmModel.CIR_INSTRUCTION, edit, "cir_query.png"), limits).vector(), "composed");
    // multipart form, with an explicit instruction
    Http.Response m = http.postMultipart("/v1/search", Map.of("image", new Http.FilePart("q.png", bytes("cir_query.png")),
        "text", edit, "instruction", "Edit it: ", "k", "10"));
    assertEquals(200, m.status(), m.text());
    float[] q = direct.embed(image(MllmRole.QUERY, "Edit it: ", edit, "cir_query.png"), limits).vector();
    for (JsonNode h : m.json().get("data")) {
      assertEquals(SearchApiTest.dot(q, docs.get(h.get("id").asText())), h.get("score").asDouble(), 2e-6);
    }
  }

  @Test
  void embeddingsAreCandidatesUnlessMarkedAsQueries() {
    Http.Response r = http.postJson("/v1/embeddings", Map.of("input", List.of(
        "a red bus",
        Map.of("image", b64("cir_candi_1.png")),
        Map.of("text", "a red bus", "role", "query"),
        Map.of("text", "a red bus", "instruction", "Find it: "),
        Map.of("image", b64("cir_query.png"), "text", "at night", "role", "query"))));
    assertEquals(200, r.status(), r.text());
    JsonNode data = r.json().get("data");
    List<float[]> want = List.of(
        direct.embed(new MllmEmbedder.TextInput(MllmRole.CANDIDATE, null, "a red bus")).vector(),
        direct.embed(image(MllmRole.CANDIDATE, null, null, "cir_candi_1.png"), limits).vector(),
        direct.embed(new MllmEmbedder.TextInput(MllmRole.QUERY, null, "a red bus")).vector(),
        direct.embed(new MllmEmbedder.TextInput(MllmRole.QUERY, "Find it: ", "a red bus")).vector(),
        direct.embed(image(MllmRole.QUERY, MllmModel.CIR_INSTRUCTION, "at night", "cir_query.png"), limits).vector());
    assertEquals(want.size(), data.size());
    for (int i = 0; i < want.size(); i++) {
      assertTrue(Fixtures.maxAbsDiff(want.get(i), floats(data.get(i).get("embedding"))) <= 1e-6, "input " + i);
    }
    int tokens = 3 * model.tokenCount("a red bus") + model.tokenCount("at night");
    assertEquals(tokens, r.json().at("/usage/prompt_tokens").asInt());
  }

  @Test
  void badRolesAndInstructionsAreOneLine() {
    Http.Response role = http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("text", "x", "role", "document"))));
    assertEquals(400, role.status());
    assertEquals("input[0].role must be \"query\" or \"candidate\", got \"document\"", role.error());
    Http.Response both = http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("text", "x", "role", "candidate", "instruction", "y"))));
    assertEquals(400, both.status());
    assertEquals("input[0]: an instruction is for queries, but role is \"candidate\"", both.error());
    Http.Response tooLong = http.postJson("/v1/search", Map.of("text", "a ".repeat(40000)));
    assertEquals(400, tooLong.status(), tooLong.text());
    assertTrue(tooLong.error().contains("exceeds the model's"), tooLong.error());
    assertTrue(!tooLong.error().contains("\n"));
  }

  @Test
  void aClipServerRefusesInstructions() {
    try (BgeVlServer clip = BgeVlServer.start(Embedder.of(TinyModel.get()), new InMemorySearchBackend(TinyModel.get().dim()),
        ServerConfig.builder().port(0).build())) {
      Http h = new Http(clip.url());
      Http.Response r = h.postJson("/v1/search", Map.of("text", "x", "instruction", "Find: "));
      assertEquals(400, r.status());
      assertEquals("'instruction': model 'clip-tiny' takes no task instruction (instructions are for BGE-VL-MLLM queries)", r.error());
      assertEquals(200, h.postJson("/v1/search", Map.of("text", "x")).status());
    }
  }
}
