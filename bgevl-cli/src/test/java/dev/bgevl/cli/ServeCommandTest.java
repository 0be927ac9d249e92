package dev.bgevl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVl;
import dev.bgevl.Input;
import dev.bgevl.server.BgeVlServer;
import dev.bgevl.testing.Fixtures;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ServeCommandTest {
  @org.junit.jupiter.api.io.TempDir
  java.nio.file.Path tmp;

  static String model() {
    return Fixtures.model("clip-tiny").toString();
  }

  @Test
  void helpListsTheKnobs() {
    CliRunner.Result r = CliRunner.run("serve", "--help");
    assertEquals(0, r.exit(), r.err());
    for (String opt : new String[] {"--model", "--index", "--host", "--port", "--api-key", "--cors-origin", "--allow-url-prefix",
        "--max-batch", "--max-wait-ms", "--queue-size", "--request-timeout-ms", "--max-body-bytes", "--max-image-pixels"}) {
      assertTrue(r.out().contains(opt), opt + " in\n" + r.out());
    }
  }

  @Test
  void badSettingsFailWithOneLine() {
    CliRunner.Result r = CliRunner.run("serve", "--model", model(), "--port", "70000");
    assertEquals(1, r.exit());
    assertEquals("error: port must be in [0, 65535], got 70000", r.err().strip());
    r = CliRunner.run("serve", "--model", model(), "--allow-url-prefix", "ftp://files.example/");
    assertEquals(1, r.exit());
    assertTrue(r.err().strip().startsWith("error: --allow-url-prefix ftp://files.example/: needs an http://"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    r = CliRunner.run("serve", "--model", "no-such-model-folder");
    assertEquals(1, r.exit());
    assertEquals("error: no-such-model-folder: model folder not found", r.err().strip());
    r = CliRunner.run("serve", "--model", model(), "--read-only");
    assertEquals("error: --read-only needs --index DIR", r.err().strip());
    r = CliRunner.run("serve");
    assertEquals("error: --model is required", r.err().strip());
    r = CliRunner.run("serve", "--model", model(), "--max-batch", "0");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("max batch"), r.err());
  }

  static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Waits (60 s at most) until the server started by {@code run} answers /health with 200. */
  static void awaitHealth(HttpClient http, String base, CompletableFuture<CliRunner.Result> run) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      assertTrue(System.currentTimeMillis() < deadline && !run.isDone(), "server did not start: " + (run.isDone() ? run.get().err() : ""));
      Thread.sleep(100);
    }
  }

  @Test
  void servesTheLibrarysEmbeddingsBehindAnApiKey() throws Exception {
    int port = freePort();
    String[] args = {"serve", "--model", model(), "--port", Integer.toString(port), "--api-key", "k3y", "--index", tmp.resolve("idx").toString()};
    CompletableFuture<CliRunner.Result> run = CompletableFuture.supplyAsync(() -> CliRunner.run(args));
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + port;
    awaitHealth(http, base, run);
    String health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(health.contains("\"backend\":\"lucene " + tmp.resolve("idx")), health);
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + "/v1/embeddings")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"a photo of a cat\"}"));
    assertEquals(401, http.send(req.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    HttpResponse<String> r = http.send(req.header("Authorization", "Bearer k3y").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonNode emb = new ObjectMapper().readTree(r.body()).at("/data/0/embedding");
    try (BgeVl lib = BgeVl.load(Fixtures.model("clip-tiny"))) {
      float[] want = lib.embed(Input.text("a photo of a cat")).vector();
      assertTrue(Fixtures.maxAbsDiff(want, Fixtures.floats(emb)) <= 1e-6);
    }
    BgeVlServer server = ServeCommand.RUNNING.get();
    server.close();
    CliRunner.Result done = run.get(30, TimeUnit.SECONDS);
    assertEquals(0, done.exit(), done.err());
    assertTrue(done.err().contains("serving clip-tiny (BGE-VL-CLIP, 40-d) on " + base), done.err());
    assertTrue(java.nio.file.Files.exists(tmp.resolve("idx/bgevl-index.json")));
  }

  /**
   * An index built by {@code bgevl index} with the tiny BGE-VL-MLLM model, served without --model: the
   * search score is the dot product of the query and candidate embeddings computed through
   * MllmEmbedder (2e-6).
   */
  @Test
  void servesAnMllmIndex() throws Exception {
    java.nio.file.Path img = Fixtures.image("images/cir_candi_1.png");
    java.nio.file.Path idx = tmp.resolve("mllm.idx");
    CliRunner.Result built = CliRunner.run("index", "--model", Fixtures.model("mllm-tiny").toString(), "--index", idx.toString(), "--quiet", img.toString());
    assertEquals(0, built.exit(), built.err());
    int port = freePort();
    String[] args = {"serve", "--index", idx.toString(), "--port", Integer.toString(port)};
    CompletableFuture<CliRunner.Result> run = CompletableFuture.supplyAsync(() -> CliRunner.run(args));
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + port;
    awaitHealth(http, base, run);
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/search")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"a dog\", \"instruction\": \"Find it: \"}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonNode hit = new ObjectMapper().readTree(r.body()).at("/data/0");
    assertEquals(img.toAbsolutePath().normalize().toString(), hit.get("id").asText());
    try (dev.bgevl.llava.MllmEmbedder m = dev.bgevl.llava.MllmEmbedder.load(Fixtures.model("mllm-tiny"))) {
      float[] q = m.embed(new dev.bgevl.llava.MllmEmbedder.TextInput(dev.bgevl.llava.MllmRole.QUERY, "Find it: ", "a dog")).vector();
      float[] d = m.embed(new dev.bgevl.llava.MllmEmbedder.ImageInput(dev.bgevl.llava.MllmRole.CANDIDATE, null, null,
          java.nio.file.Files.readAllBytes(img), img.toString(), true), dev.bgevl.image.ImageLimits.defaults()).vector();
      double dot = 0;
      for (int i = 0; i < q.length; i++) {
        dot += (double) q[i] * d[i];
      }
      assertEquals(dot, hit.get("score").asDouble(), 2e-6);
    }
    ServeCommand.RUNNING.get().close();
    CliRunner.Result done = run.get(30, TimeUnit.SECONDS);
    assertEquals(0, done.exit(), done.err());
    assertTrue(done.err().contains("serving mllm-tiny (BGE-VL-MLLM, 64-d) on " + base), done.err());
  }
}
