package dev.bgevl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.bgevl.BgeVl;
import dev.bgevl.Input;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Image URLs are fetched only under an allowed prefix, without following redirects. */
class ImageUrlTest {
  @Test
  void allowlistedUrlsAreFetchedOthersRefused() throws Exception {
    byte[] jpg = TinyModel.bytes("corpus/000000098911.jpg");
    HttpServer images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    images.createContext("/ok/cat.jpg", ex -> {
      ex.sendResponseHeaders(200, jpg.length);
      ex.getResponseBody().write(jpg);
      ex.close();
    });
    images.createContext("/ok/redirect", ex -> {
      ex.getResponseHeaders().add("Location", "http://169.254.169.254/");
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    images.createContext("/secret/cat.jpg", ex -> {
      ex.sendResponseHeaders(200, jpg.length);
      ex.getResponseBody().write(jpg);
      ex.close();
    });
    images.start();
    String base = "http://127.0.0.1:" + images.getAddress().getPort();
    BgeVl model = TinyModel.get();
    try (BgeVlServer s = BgeVlServer.start(Embedder.of(model), new InMemorySearchBackend(model.dim()),
        ServerConfig.builder().port(0).allowUrlPrefixes(List.of(base + "/ok/")).build())) {
      Http http = new Http(s.url());
      Http.Response r = http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image", base + "/ok/cat.jpg", "text", "a cat"))));
      assertEquals(200, r.status(), r.text());
      float[] want = model.embed(Input.composed(Input.image(jpg, "cat"), "a cat")).vector();
      assertArrayEquals(want, EmbeddingsApiTest.floats(r.json().at("/data/0/embedding")));
      Http.Response outside = http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image", base + "/secret/cat.jpg"))));
      assertEquals(403, outside.status(), outside.text());
      assertTrue(outside.error().contains("not under an allowed prefix"), outside.error());
      // dot segments cannot climb out of the prefix
      Http.Response climb = http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image", base + "/ok/../secret/cat.jpg"))));
      assertEquals(403, climb.status(), climb.text());
      Http.Response userinfo = http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image",
          "http://127.0.0.1:" + images.getAddress().getPort() + "@169.254.169.254/ok/cat.jpg"))));
      assertEquals(403, userinfo.status(), userinfo.text());
      Http.Response redirect = http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image", base + "/ok/redirect"))));
      assertEquals(400, redirect.status(), redirect.text());
      assertTrue(redirect.error().contains("redirects are not followed"), redirect.error());
      Http.Response missing = http.postJson("/v1/embeddings", Map.of("input", List.of(Map.of("image", base + "/ok/none.jpg"))));
      assertEquals(400, missing.status(), missing.text());
      assertTrue(missing.error().contains("HTTP 404"), missing.error());
    } finally {
      images.stop(0);
    }
  }
}
