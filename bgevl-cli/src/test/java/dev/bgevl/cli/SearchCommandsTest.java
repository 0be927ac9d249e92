package dev.bgevl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bgevl index / search / demo with the random-weight tiny CLIP model over the demo corpus. */
class SearchCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path CORPUS = Path.of("../demo/corpus").toAbsolutePath().normalize();
  @TempDir static Path tmp;
  static Path index;

  static String model() {
    return Fixtures.model("clip-tiny").toString();
  }

  static void assertOneLineError(CliRunner.Result r, String expected) {
    assertEquals(1, r.exit(), r.out() + r.err());
    List<String> lines = r.err().lines().filter(l -> !l.startsWith("WARNING")).toList();
    assertEquals(List.of("error: " + expected), lines);
  }

  @BeforeAll
  static void buildIndex() {
    index = tmp.resolve("demo.idx");
    CliRunner.Result r = CliRunner.run("index", "--model", model(), "--index", index.toString(), "--quiet", CORPUS.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("indexed in "), r.out());
    assertTrue(r.out().contains(": 11 added, 0 updated, 0 unchanged, 0 metadata-only, 0 deleted, 0 failed; the index holds 11 items"), r.out());
  }

  static JsonNode search(String... args) throws Exception {
    String[] all = new String[args.length + 4];
    all[0] = "search";
    all[1] = "--index";
    all[2] = index.toString();
    all[3] = "--json";
    System.arraycopy(args, 0, all, 4, args.length);
    CliRunner.Result r = CliRunner.run(all);
    assertEquals(0, r.exit(), r.err());
    return JSON.readTree(r.out());
  }

  @Test
  void aSecondIndexRunFindsEverythingUnchanged() {
    CliRunner.Result r = CliRunner.run("index", "--index", index.toString(), "--quiet", CORPUS.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains(": 0 added, 0 updated, 11 unchanged, 0 metadata-only, 0 deleted, 0 failed; the index holds 11 items"), r.out());
  }

  @Test
  void imageTextComposedAndWeightedQueries() throws Exception {
    Path img = CORPUS.resolve("000000156031.jpg");
    JsonNode self = search("--image", img.toString(), "--k", "3");
    JsonNode top = self.get("results").get(0);
    assertEquals(img.toString(), top.get("id").asText(), "an indexed image finds itself first");
    assertEquals(img.toString(), top.get("path").asText());
    assertEquals(1.0, top.get("score").asDouble(), 1e-5);
    assertEquals(3, self.get("results").size());

    JsonNode text = search("--text", "Find a picture of oranges in a blue basket", "--k", "11");
    assertEquals(11, text.get("results").size());
    double prev = 2;
    for (JsonNode h : text.get("results")) {
      assertTrue(h.get("score").asDouble() <= prev, "sorted by score");
      prev = h.get("score").asDouble();
    }
    JsonNode exact = search("--text", "Find a picture of oranges in a blue basket", "--k", "11", "--exact");
    for (int i = 0; i < 11; i++) {
      assertEquals(exact.get("results").get(i).get("id").asText(), text.get("results").get(i).get("id").asText());
      assertEquals(exact.get("results").get(i).get("score").asDouble(), text.get("results").get(i).get("score").asDouble(), 1e-5);
    }
    JsonNode min = search("--text", "Find a picture of oranges in a blue basket", "--k", "11", "--min-score", Double.toString(prev + 1e-4));
    assertEquals(10, min.get("results").size(), "--min-score drops the lowest");

    JsonNode composed = search("--image", Path.of("../demo/query/000000530944.jpg").toString(), "--text", "a bag of oranges", "--k", "2");
    assertEquals("image ../demo/query/000000530944.jpg + text \"a bag of oranges\"", composed.get("query").get(0).get("input").asText());

    Path a = CORPUS.resolve("000000032077.jpg");
    Path b = CORPUS.resolve("000000098911.jpg");
    JsonNode two = search("--add-image", "1:" + a, "--add-image", b.toString(), "--k", "2", "--exact");
    Set<String> ids = new HashSet<>();
    for (JsonNode h : two.get("results")) ids.add(h.get("id").asText());
    assertEquals(Set.of(a.toString(), b.toString()), ids, "the sum of two images is nearest to both");
    JsonNode sub = search("--add-image", a.toString(), "--sub-image", "0.5:" + b, "--k", "11", "--exact");
    assertEquals(-0.5, sub.get("query").get(1).get("weight").asDouble(), 0);
    assertEquals(a.toString(), sub.get("results").get(0).get("id").asText());
    String last = sub.get("results").get(10).get("id").asText();
    assertTrue(!last.equals(a.toString()));

    JsonNode filtered = search("--text", "x", "--k", "11", "--filter", "path = \"" + a + "\" OR id = \"" + b + "\"");
    assertEquals(2, filtered.get("results").size());

    CliRunner.Result plain = CliRunner.run("search", "--index", index.toString(), "--image", img.toString(), "--k", "1");
    assertEquals(0, plain.exit(), plain.err());
    assertTrue(plain.out().contains("  1  1.0000  " + img), plain.out());
  }

  @Test
  void theIndexLayoutIsChosenAtCreationAndRecorded() throws Exception {
    assertEquals("flat", JSON.readTree(index.resolve("bgevl-index.json").toFile()).get("graph").asText());
    assertEquals("bit1+int4", JSON.readTree(index.resolve("bgevl-index.json").toFile()).get("quantization").asText());
    Path hnsw = tmp.resolve("hnsw.idx");
    CliRunner.Result r = CliRunner.run("index", "--model", model(), "--index", hnsw.toString(), "--graph", "hnsw", "--quiet", CORPUS.toString());
    assertEquals(0, r.exit(), r.err());
    JsonNode meta = JSON.readTree(hnsw.resolve("bgevl-index.json").toFile());
    assertEquals("hnsw", meta.get("graph").asText());
    assertEquals("none", meta.get("quantization").asText());
    assertEquals(32, meta.get("maxConn").asInt());
    // the same top hits as the default index: 11 items, all re-scored or all visited
    JsonNode flatHits = search("--text", "a dog", "--k", "3");
    String[] all = {"search", "--index", hnsw.toString(), "--json", "--text", "a dog", "--k", "3"};
    JsonNode hnswHits = JSON.readTree(CliRunner.run(all).out());
    assertEquals(3, hnswHits.get("results").size());
    for (int i = 0; i < 3; i++) {
      assertEquals(flatHits.get("results").get(i).get("id").asText(), hnswHits.get("results").get(i).get("id").asText());
      assertEquals(flatHits.get("results").get(i).get("score").asDouble(), hnswHits.get("results").get(i).get("score").asDouble(), 1e-5);
    }
    assertOneLineError(CliRunner.run("index", "--model", model(), "--index", tmp.resolve("bad.idx").toString(), "--quantization", "int3",
        CORPUS.toString()), "quantization must be one of bit1+int4, none, int8, int7, int4, bit2, bit1; got 'int3'");
    assertOneLineError(CliRunner.run("index", "--model", model(), "--index", tmp.resolve("bad.idx").toString(), "--graph", "flat",
        "--quantization", "none", CORPUS.toString()),
        "a flat index needs a quantization (bit1+int4, int8, int7, int4, bit2 or bit1); float32 brute force is the --exact search");
    assertOneLineError(CliRunner.run("index", "--model", model(), "--index", tmp.resolve("bad.idx").toString(), "--graph", "hnsw",
        "--quantization", "bit1+int4", CORPUS.toString()),
        "quantization bit1+int4 is for flat indexes; an HNSW graph takes none, int8, int7, int4, bit2 or bit1");
  }

  @Test
  void badFilterMissingIndexAndModelMismatchAreOneLine() {
    assertOneLineError(CliRunner.run("search", "--index", index.toString(), "--text", "x", "--filter", "color = \"red\" AND"),
        "bad filter at column 18: expected a field name, NOT or '(', found end of expression in: color = \"red\" AND");
    Path none = tmp.resolve("none.idx");
    assertOneLineError(CliRunner.run("search", "--index", none.toString(), "--text", "x"),
        "no index at " + none + " (no such folder): create it with 'bgevl index --index " + none + " PATH...'");
    String f16 = Fixtures.model("clip-tiny-f16").toString();
    assertOneLineError(CliRunner.run("search", "--index", index.toString(), "--model", f16, "--text", "x"),
        "index " + index + " was built with model clip-tiny (dim 40), not clip-tiny-f16 (dim 40): use --model "
            + Fixtures.model("clip-tiny").toAbsolutePath().normalize() + " or a new --index folder");
    assertOneLineError(CliRunner.run("index", "--index", index.toString(), "--model", f16, CORPUS.toString()),
        "index " + index + " was built with model clip-tiny (dim 40), not clip-tiny-f16 (dim 40): use --model "
            + Fixtures.model("clip-tiny").toAbsolutePath().normalize() + " or a new --index folder");
    assertOneLineError(CliRunner.run("search", "--index", index.toString()),
        "give a query: --text, --image (both: composed), or --add-text/--add-image");
  }

  @Test
  void demoRunsEndToEndWithTheTinyModel() {
    CliRunner.Result r = CliRunner.run("demo", "--model", model(), "--demo-dir", "../demo");
    assertEquals(0, r.exit(), r.err());
    String out = r.out();
    assertTrue(out.startsWith("BGE-VL retrieval demo: model clip-tiny (dim 40), corpus ../demo/corpus"), out);
    assertTrue(out.contains("with a random-weight test model the results are meaningless"), out);
    assertTrue(out.contains("11 added"), out);
    assertTrue(out.contains("Query 1 (text query): text \"Find a picture of oranges in a blue basket\"\n  reference (BGE-VL-large): 000000275230"), out);
    assertTrue(out.contains("Query 2 (text query): text \"Find a picture of both oranges and bananas\"\n  reference (BGE-VL-large): 000000156031"), out);
    assertTrue(out.contains("reference (BGE-VL-large): 000000545037, 000000272130, 000000098911"), out);
    assertTrue(out.contains(" of 3 queries match the reference answers (expected to differ: not a BGE-VL checkpoint)"), out);
    assertEquals(3 * 5, out.lines().filter(l -> l.matches("  [ 1-5]{2}  [-0-9.]+  0000\\d+\\.jpg.*")).count(), out);
  }

  @Test
  void demoWithoutTheModelOfflineSaysSoInOneLine() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(), "demo", "--demo-dir", "../demo");
    pb.environment().put("HF_HUB_OFFLINE", "1");
    pb.environment().put("HF_HOME", tmp.resolve("hf").toString());
    pb.environment().remove("HF_HUB_CACHE");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(1, p.exitValue(), out);
    assertEquals(List.of("error: model BAAI/BGE-VL-base is not in the Hugging Face cache (" + tmp.resolve("hf/hub")
        + ") and HF_HUB_OFFLINE is set: download it once online, or pass --model DIR"),
        out.lines().filter(l -> !l.startsWith("WARNING")).toList());
  }
}
