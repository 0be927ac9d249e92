package dev.bgevl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.BgeVl;
import dev.bgevl.Embedding;
import dev.bgevl.Input;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server's embeddings are the library's, bit for bit, for every input kind and both encodings. */
class EmbeddingsApiTest {
  static BgeVlServer server;
  static Http http;
  static BgeVl model;

  @BeforeAll
  static void start() {
    model = TinyModel.get();
    server = BgeVlServer.start(Embedder.of(model), new InMemorySearchBackend(model.dim()), ServerConfig.builder().port(0).build());
    http = new Http(server.url());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static float[] floats(JsonNode arr) {
    float[] v = new float[arr.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = arr.get(i).floatValue();
    }
    return v;
  }

  @Test
  void stringListAndObjectsEqualTheLibraryExactly() {
    byte[] png = TinyModel.bytes("cir_query.png");
    byte[] jpg = TinyModel.bytes("corpus/000000032077.jpg");
    String b64 = Base64.getEncoder().encodeToString(png);
    List<Object> input = List.of(
        "a photo of a cat",
        Map.of("text", "two dogs on a beach"),
        Map.of("image", b64),
        Map.of("image", "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpg)),
        Map.of("image", b64, "text", "make it red"));
    Http.Response r = http.postJson("/v1/embeddings", Map.of("input", input, "model", model.modelId()));
    assertEquals(200, r.status(), r.text());
    JsonNode body = r.json();
    assertEquals("list", body.get("object").asText());
    assertEquals(model.modelId(), body.get("model").asText());
    List<Embedding> expected = model.embedBatch(List.of(
        Input.text("a photo of a cat"),
        Input.text("two dogs on a beach"),
        Input.image(png, "png"),
        Input.image(jpg, "jpg"),
        Input.composed(Input.image(png, "png"), "make it red")));
    assertEquals(5, body.get("data").size());
    for (int i = 0; i < 5; i++) {
      JsonNode d = body.get("data").get(i);
      assertEquals("embedding", d.get("object").asText());
      assertEquals(i, d.get("index").asInt());
      // exact: the same code path, and floats print and parse back without loss
      assertArrayEquals(expected.get(i).vector(), floats(d.get("embedding")), "input " + i);
    }
    int tokens = model.tokenize("a photo of a cat").ids().length + model.tokenize("two dogs on a beach").ids().length
        + model.tokenize("make it red").ids().length;
    assertEquals(tokens, body.at("/usage/prompt_tokens").asInt());
    assertEquals(tokens, body.at("/usage/total_tokens").asInt());
  }

  @Test
  void singleStringAndBase64EncodingAreLittleEndianFloat32() {
    Http.Response r = http.postJson("/v1/embeddings", Map.of("input", "hello world", "encoding_format", "base64"));
    assertEquals(200, r.status(), r.text());
    byte[] raw = Base64.getDecoder().decode(r.json().at("/data/0/embedding").asText());
    assertEquals(model.dim() * 4, raw.length);
    float[] got = new float[model.dim()];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
    assertArrayEquals(model.embed(Input.text("hello world")).vector(), got);
  }

  @Test
  void aSingleObjectIsOneInput() {
    byte[] png = TinyModel.bytes("edge/small_5x7.png");
    Http.Response r = http.postJson("/v1/embeddings", Map.of("input", Map.of("image", Base64.getEncoder().encodeToString(png), "text", "red")));
    assertEquals(200, r.status(), r.text());
    assertEquals(1, r.json().get("data").size());
    assertArrayEquals(model.embed(Input.composed(Input.image(png, "p"), "red")).vector(), floats(r.json().at("/data/0/embedding")));
    assertEquals(model.tokenize("red").ids().length, r.json().at("/usage/prompt_tokens").asInt());
  }

  @Test
  void longTextsAreTruncatedAndFlagged() {
    String longText = "word ".repeat(200);
    Http.Response r = http.postJson("/v1/embeddings", Map.of("input", List.of(longText, "short")));
    assertEquals(200, r.status(), r.text());
    assertTrue(r.json().at("/data/0/truncated").asBoolean());
    assertFalse(r.json().at("/data/1").has("truncated"));
  }

  @Test
  void modelsAndHealth() {
    JsonNode m = http.get("/v1/models").json();
    assertEquals(model.modelId(), m.at("/data/0/id").asText());
    assertEquals(model.dim(), m.at("/data/0/dim").asInt());
    JsonNode h = http.get("/health").json();
    assertEquals("ok", h.get("status").asText());
    assertEquals(model.dim(), h.get("dim").asInt());
  }
}
