package dev.bgevl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgevl.BgeVlException;
import dev.bgevl.Embedding;
import dev.bgevl.Input;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatcherTest {

  @Test
  void concurrentRequestsMergeAndEachGetsItsOwnResult() throws Exception {
    FakeEmbedder fake = new FakeEmbedder();
    fake.delayMillis = 20;
    try (Batcher b = new Batcher(fake, new Batcher.Options(16, 10, 1000, 1), new Metrics())) {
      List<CompletableFuture<List<Embedding>>> futures = new ArrayList<>();
      for (int i = 0; i < 48; i++) {
        futures.add(b.submit(List.of(Input.text("text " + i), Input.text("other " + i))));
      }
      for (int i = 0; i < 48; i++) {
        List<Embedding> e = futures.get(i).get(10, TimeUnit.SECONDS);
        assertArrayEquals(FakeEmbedder.vectorOf("text " + i), e.get(0).vector());
        assertArrayEquals(FakeEmbedder.vectorOf("other " + i), e.get(1).vector());
      }
    }
    assertTrue(fake.batchSizes.stream().allMatch(n -> n <= 16), "max batch respected: " + fake.batchSizes);
    assertEquals(96, fake.batchSizes.stream().mapToInt(Integer::intValue).sum());
    assertTrue(fake.meanBatch() > 8, "requests merged: " + fake.batchSizes);
  }

  @Test
  void aLoneRequestWaitsAtMostMaxWait() throws Exception {
    FakeEmbedder fake = new FakeEmbedder();
    try (Batcher b = new Batcher(fake, new Batcher.Options(32, 30, 100, 1), new Metrics())) {
      long t0 = System.nanoTime();
      b.submit(List.of(Input.text("alone"))).get(5, TimeUnit.SECONDS);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 25 && ms < 2000, "waited " + ms + " ms for company (max wait 30)");
    }
  }

  @Test
  void aRequestLargerThanMaxBatchRunsAlone() throws Exception {
    FakeEmbedder fake = new FakeEmbedder();
    try (Batcher b = new Batcher(fake, new Batcher.Options(4, 1, 100, 1), new Metrics())) {
      List<Input> ten = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        ten.add(Input.text("t" + i));
      }
      assertEquals(10, b.submit(ten).get(5, TimeUnit.SECONDS).size());
    }
    assertEquals(List.of(10), fake.batchSizes);
  }

  @Test
  void aFailingInputFailsOnlyItsOwnRequest() throws Exception {
    FakeEmbedder fake = new FakeEmbedder();
    fake.gate = new CountDownLatch(1);
    try (Batcher b = new Batcher(fake, new Batcher.Options(16, 50, 100, 1), new Metrics())) {
      CompletableFuture<List<Embedding>> first = b.submit(List.of(Input.text("first")));
      assertTrue(fake.entered.await(5, TimeUnit.SECONDS));
      // these three queue up behind the held call and are merged into one batch
      CompletableFuture<List<Embedding>> good1 = b.submit(List.of(Input.text("good 1")));
      CompletableFuture<List<Embedding>> bad = b.submit(List.of(Input.text("poison")));
      CompletableFuture<List<Embedding>> good2 = b.submit(List.of(Input.text("good 2")));
      fake.gate.countDown();
      assertEquals(1, first.get(5, TimeUnit.SECONDS).size());
      assertArrayEquals(FakeEmbedder.vectorOf("good 1"), good1.get(5, TimeUnit.SECONDS).get(0).vector());
      assertArrayEquals(FakeEmbedder.vectorOf("good 2"), good2.get(5, TimeUnit.SECONDS).get(0).vector());
      ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(5, TimeUnit.SECONDS));
      assertInstanceOf(BgeVlException.class, e.getCause());
    }
    assertEquals(3, fake.batchSizes.get(1), "the three were merged: " + fake.batchSizes);
  }

  @Test
  void aFullQueueAnswers429WithRetryAfter() throws Exception {
    FakeEmbedder fake = new FakeEmbedder();
    fake.gate = new CountDownLatch(1);
    ServerConfig cfg = ServerConfig.builder().port(0).batching(new Batcher.Options(1, 0, 2, 1)).build();
    try (BgeVlServer server = BgeVlServer.start(fake, new InMemorySearchBackend(4), cfg)) {
      HttpClient client = HttpClient.newHttpClient();
      List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
      held.add(client.sendAsync(embedRequest(server, "a"), HttpResponse.BodyHandlers.ofString()));
      assertTrue(fake.entered.await(10, TimeUnit.SECONDS)); // "a" is running, held at the gate
      held.add(client.sendAsync(embedRequest(server, "b"), HttpResponse.BodyHandlers.ofString()));
      held.add(client.sendAsync(embedRequest(server, "c"), HttpResponse.BodyHandlers.ofString()));
      long deadline = System.currentTimeMillis() + 10_000;
      while (server.batcher().queueDepth() < 2 && System.currentTimeMillis() < deadline) {
        Thread.sleep(5);
      }
      Http.Response r = new Http(server.url()).postJson("/v1/embeddings", Map.of("input", "d"));
      assertEquals(429, r.status(), r.text());
      assertTrue(r.error().contains("busy"), r.error());
      assertEquals("rate_limit_error", r.json().at("/error/type").asText());
      assertTrue(Integer.parseInt(r.headers().firstValue("Retry-After").orElseThrow()) >= 1);
      fake.gate.countDown();
      for (var f : held) {
        assertEquals(200, f.get(10, TimeUnit.SECONDS).statusCode());
      }
      assertEquals(1, server.metrics().rejected.get("queue_full"));
      assertEquals(200, new Http(server.url()).postJson("/v1/embeddings", Map.of("input", "d")).status());
    }
  }

  @Test
  void aSlowModelAnswers504AndTheServerRecovers() throws Exception {
    FakeEmbedder fake = new FakeEmbedder();
    fake.delayMillis = 600;
    ServerConfig cfg = ServerConfig.builder().port(0).requestTimeoutMillis(150).build();
    try (BgeVlServer server = BgeVlServer.start(fake, new InMemorySearchBackend(4), cfg)) {
      Http.Response r = new Http(server.url()).postJson("/v1/embeddings", Map.of("input", "slow"));
      assertEquals(504, r.status(), r.text());
      assertTrue(r.error().contains("150 ms"), r.error());
      fake.delayMillis = 0;
      Thread.sleep(700); // the timed-out call finishes in the background
      assertEquals(200, new Http(server.url()).postJson("/v1/embeddings", Map.of("input", "fast")).status());
      assertEquals(1, server.metrics().rejected.get("timeout"));
    }
  }

  static HttpRequest embedRequest(BgeVlServer s, String text) {
    return HttpRequest.newBuilder(URI.create(s.url() + "/v1/embeddings")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"" + text + "\"}")).build();
  }
}
