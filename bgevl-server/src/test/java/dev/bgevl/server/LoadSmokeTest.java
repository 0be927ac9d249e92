package dev.bgevl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgevl.BgeVl;
import dev.bgevl.Input;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A few seconds of concurrent clients against the tiny model (the full 64-client, 60 s run is
 * {@code tools/server-load.sh}): requests are merged into batches, nothing fails with 5xx, and the
 * embeddings returned under load match the library's one-by-one results within 1e-6 (batching
 * must not change results beyond float reassociation).
 */
class LoadSmokeTest {
  @Test
  void concurrentClientsMergeIntoBatchesWithoutServerErrors() throws Exception {
    BgeVl model = TinyModel.get();
    String image = Base64.getEncoder().encodeToString(TinyModel.bytes("corpus/000000050549.jpg"));
    try (BgeVlServer server = BgeVlServer.start(Embedder.of(model), new InMemorySearchBackend(model.dim()),
        ServerConfig.builder().port(0).batching(new Batcher.Options(32, 2, 1024, 1)).build())) {
      // warm up (JIT, image codecs) so the timed part measures steady state
      Http warm = new Http(server.url());
      assertEquals(200, warm.postJson("/v1/embeddings", Map.of("input", List.of("warm up", Map.of("image", image, "text", "x")))).status());
      long batches0 = server.metrics().batchSize.count();
      double inputs0 = server.metrics().batchSize.sum();
      Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
      ConcurrentLinkedQueue<String[]> samples = new ConcurrentLinkedQueue<>(); // {text, embedding json}
      long end = System.nanoTime() + 3_000_000_000L;
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < 16; c++) {
        int client = c;
        clients.add(Thread.ofVirtual().start(() -> {
          Http http = new Http(server.url());
          for (int i = 0; end - System.nanoTime() > 0; i++) {
            String text = "client " + client + " request " + i;
            Object input = i % 4 == 3 ? List.of(Map.of("image", image, "text", text)) : text;
            Http.Response r = http.postJson("/v1/embeddings", Map.of("input", input));
            statuses.computeIfAbsent(r.status(), k -> new AtomicInteger()).incrementAndGet();
            if (r.status() == 200 && i % 4 != 3 && i % 5 == 0) {
              samples.add(new String[] {text, r.json().at("/data/0/embedding").toString()});
            }
          }
        }));
      }
      for (Thread t : clients) {
        t.join();
      }
      assertTrue(statuses.keySet().stream().allMatch(s -> s == 200 || s == 429), "statuses " + statuses);
      int ok = statuses.getOrDefault(200, new AtomicInteger()).get();
      assertTrue(ok > 16, "requests served: " + statuses);
      Metrics m = server.metrics();
      long batches = m.batchSize.count() - batches0;
      double meanBatch = (m.batchSize.sum() - inputs0) / batches;
      assertTrue(meanBatch > 1, "mean batch " + meanBatch + " over " + batches + " batches");
      assertEquals(0, server.batcher().queueDepth());
      int checked = 0;
      for (String[] s : samples) {
        float[] want = model.embed(Input.text(s[0])).vector();
        float[] got = EmbeddingsApiTest.floats(Http.JSON.readTree(s[1]));
        for (int i = 0; i < want.length; i++) {
          assertEquals(want[i], got[i], 1e-6, s[0] + " [" + i + "]");
        }
        if (++checked == 20) {
          break;
        }
      }
      assertTrue(checked > 0);
      System.out.printf("load smoke: %s, %d batches, mean batch %.2f%n", statuses, batches, meanBatch);
    }
  }
}
