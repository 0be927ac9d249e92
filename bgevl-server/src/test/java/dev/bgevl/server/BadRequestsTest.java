package dev.bgevl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgevl.BgeVl;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every kind of bad request gets the right 4xx and a one-line message naming the problem, and the server keeps serving. */
class BadRequestsTest {
  static final String KEY = "s3cret-key";
  static BgeVlServer server;
  static Http http;
  static Http anonymous;

  @BeforeAll
  static void start() {
    BgeVl model = TinyModel.get();
    server = BgeVlServer.start(Embedder.of(model), new InMemorySearchBackend(model.dim()), ServerConfig.builder()
        .port(0).apiKey(KEY).maxBodyBytes(256 * 1024).maxImagePixels(100 * 100).maxInputsPerRequest(8).build());
    http = new Http(server.url()).header("Authorization", "Bearer " + KEY);
    anonymous = new Http(server.url());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** After every bad request the server still answers a good one. */
  @AfterEach
  void stillServing() {
    Http.Response r = http.postJson("/v1/embeddings", Map.of("input", "still alive"));
    assertEquals(200, r.status(), r.text());
    assertEquals(200, anonymous.get("/health").status());
  }

  static String assertError(Http.Response r, int status, String... fragments) {
    assertEquals(status, r.status(), r.text());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), "JSON error body");
    String msg = r.error();
    assertTrue(!msg.contains("\n"), "one line: " + msg);
    for (String f : fragments) {
      assertTrue(msg.contains(f), "message '" + msg + "' should contain '" + f + "'");
    }
    return msg;
  }

  @Test
  void missingOrWrongApiKeyIs401() {
    Http.Response r = anonymous.postJson("/v1/embeddings", Map.of("input", "x"));
    assertError(r, 401, "missing API key", "Authorization: Bearer");
    assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(""));
    assertError(new Http(server.url()).header("Authorization", "Bearer nope").postJson("/v1/embeddings", Map.of("input", "x")), 401, "invalid API key");
    assertError(new Http(server.url()).header("Authorization", "Basic " + KEY).postJson("/v1/embeddings", Map.of("input", "x")), 401);
    assertError(anonymous.get("/metrics"), 401);
    assertError(anonymous.get("/v1/thumbnail?id=x"), 401);
    // the page and the health check stay open
    assertEquals(200, anonymous.get("/").status());
    assertEquals(200, anonymous.get("/health").status());
  }

  @Test
  void malformedJsonIs400() {
    assertError(http.postJson("/v1/embeddings", "{\"input\": \"x\""), 400, "not valid JSON");
    assertError(http.postJson("/v1/embeddings", "{\"input\": \"x\"} trailing"), 400, "not valid JSON");
    assertError(http.postJson("/v1/embeddings", ""), 400, "empty");
    assertError(http.postJson("/v1/embeddings", "{\"input\": \"a\", \"input\": \"b\"}"), 400, "Duplicate field");
    assertError(http.postJson("/v1/embeddings", "[1, 2]"), 400, "must be a JSON object");
    assertError(http.post("/v1/embeddings", "text/plain", "input=x".getBytes()), 415, "application/json");
  }

  @Test
  void wrongTypesAre400() {
    assertError(http.postJson("/v1/embeddings", Map.of()), 400, "'input' is required");
    assertError(http.postJson("/v1/embeddings", Map.of("input", 42)), 400, "'input' must be a string, an object or a list");
    assertError(http.postJson("/v1/embeddings", Map.of("input", List.of())), 400, "empty list");
    assertError(http.postJson("/v1/embeddings", Map.of("input", List.of(1, 2, 3))), 400, "input[0]", "token id arrays");
    assertError(http.postJson("/v1/embeddings", Map.of("input", List.of("ok", Map.of("text", 5)))), 400, "input[1].text must be a string");
    assertError(http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of()))), 400, "input[0] needs");
    assertError(http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image", List.of("x"))))), 400, "input[0].image must be a string");
    assertError(http.postJson("/v1/embeddings", Map.of("input", "x", "encoding_format", "hex")), 400, "encoding_format");
    assertError(http.postJson("/v1/embeddings", Map.of("input", "x", "dimensions", 7)), 400, "'dimensions'");
    assertError(http.postJson("/v1/embeddings", Map.of("input", "x", "model", "text-embedding-3-small")), 404, "not served", "GET /v1/models");
    assertError(http.postJson("/v1/search", Map.of("text", "x", "k", "ten")), 400, "'k' must be an integer");
    assertError(http.postJson("/v1/search", Map.of("text", "x", "k", 0)), 400, "'k' must be between 1 and");
    assertError(http.postJson("/v1/search", Map.of("text", "x", "min_score", "high")), 400, "'min_score' must be a number");
    assertError(http.postJson("/v1/search", Map.of("text", "x", "filter", 3)), 400, "'filter' must be a string");
    assertError(http.postJson("/v1/search", Map.of("text", "x", "filter", "year >")), 400, "filter");
    assertError(http.postJson("/v1/documents", Map.of("text", "x", "metadata", Map.of("nested", Map.of("a", 1)))), 400, "metadata.nested");
    assertError(http.postJson("/v1/documents", Map.of("text", "x", "metadata", Map.of("kind", "x"))), 400, "reserved");
  }

  @Test
  void unknownFieldsAre400() {
    assertError(http.postJson("/v1/embeddings", Map.of("inputs", "x")), 400, "unknown field 'inputs'");
    assertError(http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("txt", "x")))), 400, "input[0]", "unknown field 'txt'");
    assertError(http.postJson("/v1/search", Map.of("text", "x", "top_k", 3)), 400, "unknown field 'top_k'");
    assertError(http.postMultipart("/v1/search", Map.of("text", "x", "limit", "3")), 400, "unknown form field 'limit'");
    assertError(http.postJson("/v1/documents", Map.of("txt", "x")), 400, "unknown field 'txt'");
  }

  @Test
  void oversizedBodyIs413() {
    String big = "x".repeat(300 * 1024);
    assertError(http.postJson("/v1/embeddings", Map.of("input", big)), 413, "limit");
    // without Content-Length (chunked): the limit still holds while reading
    HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + "/v1/embeddings"))
        .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(("{\"input\": \"" + big + "\"}").getBytes())))
        .build();
    try {
      HttpResponse<byte[]> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofByteArray());
      assertError(new Http.Response(r.statusCode(), r.body(), r.headers()), 413, "limit");
    } catch (IOException e) {
      // the server may close the connection after refusing; that is a refusal too
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    List<String> nine = Arrays.asList(new String[9]).stream().map(s -> "t").toList();
    assertError(http.postJson("/v1/embeddings", Map.of("input", nine)), 413, "9 items", "limit of 8");
  }

  @Test
  void corruptImagesAre400() {
    byte[] png = noisePng(64, 64); // under the pixel limit, so the decoder (not the limit) refuses it
    byte[] truncated = Arrays.copyOf(png, png.length / 2);
    String msg = assertError(http.postJson("/v1/embeddings", Map.of("input", List.of("fine", Map.of("image", b64(truncated))))), 400, "input[1].image");
    assertTrue(msg.contains("truncated") || msg.contains("corrupt"), msg);
    assertError(http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image", b64("hello, not an image".getBytes()))))), 400, "input[0].image", "unrecognized image format");
    assertError(http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image", "%%%not base64%%%")))), 400, "not valid base64");
    assertError(http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image", "data:image/png,rawdata")))), 400, "data URI");
    assertError(http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image", "")))), 400, "empty");
    assertError(http.postMultipart("/v1/search", Map.of("image", new Http.FilePart("bad.png", truncated))), 400, "bad.png");
  }

  @Test
  void hugeImagesAre413BeforeDecoding() throws IOException {
    BufferedImage img = new BufferedImage(200, 120, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    assertError(http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image", b64(out.toByteArray()))))), 413,
        "input[0].image", "200x120 = 24000 pixels", "limit of 10000");
    assertError(http.postMultipart("/v1/search", Map.of("image", new Http.FilePart("big.png", out.toByteArray()))), 413, "24000 pixels");
  }

  @Test
  void imageUrlsAreRefusedUnlessAllowlisted() {
    assertError(http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image", "http://169.254.169.254/latest/meta-data")))), 400,
        "not fetched", "--allow-url-prefix");
  }

  @Test
  void unknownRoutesAndMethodsAreJson404() {
    assertError(http.get("/v1/nothing"), 404, "no route");
    assertError(http.get("/v1/embeddings"), 404);
    assertError(http.delete("/v1/documents/never-added"), 404, "never-added");
    assertError(http.get("/v1/thumbnail?id=never-added"), 404, "never-added");
    assertError(http.get("/v1/thumbnail"), 400, "'id' is required");
  }

  static byte[] noisePng(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    java.util.Random rnd = new java.util.Random(7);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, rnd.nextInt(1 << 24));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }
}
