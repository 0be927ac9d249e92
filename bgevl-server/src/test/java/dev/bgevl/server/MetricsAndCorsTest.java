package dev.bgevl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MetricsAndCorsTest {
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (-?[0-9.eE+\\-]+|\\+Inf|NaN)");

  @Test
  void metricsAreValidPrometheusTextWithRequestsBatchesAndQueue() {
    FakeEmbedder fake = new FakeEmbedder();
    try (BgeVlServer s = BgeVlServer.start(fake, new InMemorySearchBackend(4), ServerConfig.builder().port(0).build())) {
      Http http = new Http(s.url());
      for (int i = 0; i < 3; i++) {
        assertEquals(200, http.postJson("/v1/embeddings", Map.of("input", List.of("a", "b"))).status());
      }
      assertEquals(400, http.postJson("/v1/embeddings", Map.of("input", 1)).status());
      assertEquals(404, http.get("/nope").status());
      Http.Response r = http.get("/metrics");
      assertEquals(200, r.status());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
      String text = r.text();
      for (String line : text.split("\n")) {
        if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
          continue;
        }
        assertTrue(SAMPLE.matcher(line).matches(), "not a Prometheus sample: " + line);
      }
      assertTrue(text.contains("bgevl_http_requests_total{route=\"/v1/embeddings\",method=\"POST\",status=\"200\"} 3"), text);
      assertTrue(text.contains("bgevl_http_requests_total{route=\"/v1/embeddings\",method=\"POST\",status=\"400\"} 1"), text);
      assertTrue(text.contains("bgevl_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"), text);
      assertTrue(text.contains("# TYPE bgevl_batch_size histogram"));
      assertTrue(text.contains("bgevl_batch_size_sum 6\n"), text);
      assertTrue(text.contains("bgevl_batch_size_bucket{le=\"+Inf\"} 3\n"), text);
      assertTrue(text.contains("bgevl_batch_size_bucket{le=\"2\"} 3\n"), text);
      assertTrue(text.contains("bgevl_batch_size_bucket{le=\"1\"} 0\n"), text);
      assertTrue(text.contains("bgevl_queue_depth 0\n"), text);
      assertTrue(text.contains("bgevl_inputs_total{kind=\"text\"} 6\n"), text);
      assertTrue(text.contains("bgevl_http_request_duration_seconds_count{route=\"/v1/embeddings\"} 4\n"), text);
      Matcher m = Pattern.compile("bgevl_jvm_heap_after_gc_bytes (\\d+)").matcher(text);
      assertTrue(m.find(), text);
    }
  }

  @Test
  void corsIsOffByDefaultAndLimitedToListedOrigins() throws Exception {
    FakeEmbedder fake = new FakeEmbedder();
    HttpClient client = HttpClient.newHttpClient();
    try (BgeVlServer off = BgeVlServer.start(fake, new InMemorySearchBackend(4), ServerConfig.builder().port(0).build());
         BgeVlServer on = BgeVlServer.start(fake, new InMemorySearchBackend(4),
             ServerConfig.builder().port(0).corsOrigins(List.of("https://app.example")).build())) {
      HttpResponse<String> r = client.send(preflight(off, "https://app.example"), HttpResponse.BodyHandlers.ofString());
      assertFalse(r.headers().firstValue("Access-Control-Allow-Origin").isPresent());
      r = client.send(preflight(on, "https://evil.example"), HttpResponse.BodyHandlers.ofString());
      assertFalse(r.headers().firstValue("Access-Control-Allow-Origin").isPresent());
      r = client.send(preflight(on, "https://app.example"), HttpResponse.BodyHandlers.ofString());
      assertEquals(204, r.statusCode());
      assertEquals("https://app.example", r.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
      assertTrue(r.headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("Authorization"));
      Http.Response g = new Http(on.url()).header("Origin", "https://app.example").postJson("/v1/embeddings", Map.of("input", "x"));
      assertEquals(200, g.status());
      assertEquals("https://app.example", g.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
    }
  }

  @Test
  void crossSiteFormPostsAndForeignHostNamesAreRefused() throws Exception {
    try (BgeVlServer s = BgeVlServer.start(new FakeEmbedder(), new InMemorySearchBackend(4), ServerConfig.builder().port(0).build())) {
      // a form on another site posting to the local server (no preflight for multipart): CSRF
      Http.Response r = new Http(s.url()).header("Origin", "https://evil.example")
          .postMultipart("/v1/documents", Map.of("text", "planted"));
      assertEquals(403, r.status(), r.text());
      assertTrue(r.error().contains("cross-origin"), r.error());
      // the page itself (same origin) may post
      Http.Response same = new Http(s.url()).header("Origin", s.url()).postMultipart("/v1/documents", Map.of("text", "mine"));
      assertEquals(201, same.status(), same.text());
      // DNS rebinding: a foreign name resolving to 127.0.0.1
      try (java.net.Socket sock = new java.net.Socket("127.0.0.1", s.port())) {
        sock.getOutputStream().write("GET /health HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n".getBytes());
        String resp = new String(sock.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(resp.startsWith("HTTP/1.1 403"), resp);
        assertTrue(resp.contains("DNS rebinding"), resp);
      }
    }
  }

  @Test
  void thePageIsServedWithAStrictContentSecurityPolicy() {
    try (BgeVlServer s = BgeVlServer.start(new FakeEmbedder(), new InMemorySearchBackend(4), ServerConfig.builder().port(0).build())) {
      Http http = new Http(s.url());
      Http.Response page = http.get("/");
      assertEquals(200, page.status());
      assertTrue(page.text().contains("id=\"search-form\""));
      assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
      Http.Response js = http.get("/app.js");
      assertTrue(js.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));
      assertTrue(js.text().contains("/v1/search"));
      assertEquals(200, http.get("/style.css").status());
    }
  }

  static HttpRequest preflight(BgeVlServer s, String origin) {
    return HttpRequest.newBuilder(URI.create(s.url() + "/v1/embeddings"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", origin).header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization, content-type").build();
  }
}
