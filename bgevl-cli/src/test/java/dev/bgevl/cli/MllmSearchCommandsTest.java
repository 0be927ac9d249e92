package dev.bgevl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.llava.MllmEmbedder;
import dev.bgevl.llava.MllmModel;
import dev.bgevl.llava.MllmRole;
import dev.bgevl.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bgevl index} / {@code bgevl search} with the tiny BGE-VL-MLLM fixture: scores equal dot
 * products of candidate and query embeddings computed directly through {@link MllmEmbedder} (2e-6:
 * float32 dot products of unit vectors).
 */
class MllmSearchCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;
  static Path index;
  static MllmEmbedder direct;
  static final Map<String, float[]> docs = new HashMap<>();

  static Path img(String rel) {
    return Fixtures.image("images/" + rel);
  }

  static MllmEmbedder.ImageInput image(MllmRole role, String instruction, String text, Path p) throws Exception {
    return new MllmEmbedder.ImageInput(role, instruction, text, Files.readAllBytes(p), p.toString(), true);
  }

  @BeforeAll
  static void buildIndex() throws Exception {
    Path corpus = tmp.resolve("corpus.jsonl");
    Files.writeString(corpus, String.join("\n",
        "{\"id\": \"candi1\", \"image\": \"" + img("cir_candi_1.png") + "\"}",
        "{\"id\": \"candi2\", \"image\": \"" + img("cir_candi_2.png") + "\"}",
        "{\"id\": \"dogs\", \"text\": \"A photo of two dogs playing in the snow\"}",
        "{\"id\": \"street\", \"image\": \"" + img("cir_candi_1.png") + "\", \"text\": \"A man walking on a street at night.\"}") + "\n");
    index = tmp.resolve("mllm.idx");
    CliRunner.Result r = CliRunner.run("index", "--model", Fixtures.model("mllm-tiny").toString(), "--index", index.toString(),
        "--quiet", corpus.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains(": 4 added, 0 updated, 0 unchanged, 0 metadata-only, 0 deleted, 0 failed; the index holds 4 items"), r.out());
    direct = MllmEmbedder.load(Fixtures.model("mllm-tiny"));
    ImageLimits l = ImageLimits.defaults();
    docs.put("candi1", direct.embed(image(MllmRole.CANDIDATE, null, null, img("cir_candi_1.png")), l).vector());
    docs.put("candi2", direct.embed(image(MllmRole.CANDIDATE, null, null, img("cir_candi_2.png")), l).vector());
    docs.put("dogs", direct.embed(new MllmEmbedder.TextInput(MllmRole.CANDIDATE, null, "A photo of two dogs playing in the snow")).vector());
    docs.put("street", direct.embed(image(MllmRole.CANDIDATE, null, "A man walking on a street at night.", img("cir_candi_1.png")), l).vector());
  }

  @AfterAll
  static void close() {
    direct.close();
  }

  static void checkSearch(float[] query, String... args) throws Exception {
    String[] all = new String[args.length + 6];
    System.arraycopy(new String[] {"search", "--index", index.toString(), "--json", "--exact", "--k=10"}, 0, all, 0, 6);
    System.arraycopy(args, 0, all, 6, args.length);
    CliRunner.Result r = CliRunner.run(all);
    assertEquals(0, r.exit(), r.err());
    JsonNode results = JSON.readTree(r.out()).get("results");
    assertEquals(4, results.size(), r.out());
    for (JsonNode h : results) {
      float[] d = docs.get(h.get("id").asText());
      double dot = 0;
      for (int i = 0; i < d.length; i++) {
        dot += (double) d[i] * query[i];
      }
      assertEquals(dot, h.get("score").asDouble(), 2e-6, h.get("id").asText());
    }
  }

  @Test
  void textImageAndComposedQueriesScoreAsDirectEmbeddings() throws Exception {
    ImageLimits l = ImageLimits.defaults();
    checkSearch(direct.embed(new MllmEmbedder.TextInput(MllmRole.QUERY, null, "a dog")).vector(), "--text", "a dog");
    checkSearch(direct.embed(new MllmEmbedder.TextInput(MllmRole.QUERY, "Find it: ", "a dog")).vector(),
        "--text", "a dog", "--instruction", "Find it: ");
    Path q = img("cir_query.png");
    checkSearch(direct.embed(image(MllmRole.QUERY, null, null, q), l).vector(), "--image", q.toString());
    String edit = "Make the background dark";
    checkSearch(direct.embed(image(MllmRole.QUERY, MllmModel.CIR_INSTRUCTION, edit, q), l).vector(),
        "--image", q.toString(), "--text", edit);
  }

  @Test
  void modelMismatchAndClipInstructionAreOneLine() throws Exception {
    String clip = Fixtures.model("clip-tiny").toString();
    SearchCommandsTest.assertOneLineError(CliRunner.run("search", "--index", index.toString(), "--model", clip, "--text", "x"),
        "index " + index + " was built with model mllm-tiny (dim 64), not clip-tiny (dim 40): use --model "
            + Fixtures.model("mllm-tiny").toAbsolutePath().normalize() + " or a new --index folder");
    Path clipIndex = tmp.resolve("clip.idx");
    assertEquals(0, CliRunner.run("index", "--model", clip, "--index", clipIndex.toString(), "--quiet", img("cir_candi_1.png").toString()).exit());
    SearchCommandsTest.assertOneLineError(CliRunner.run("index", "--model", Fixtures.model("mllm-tiny").toString(), "--index",
        clipIndex.toString(), "--quiet", img("cir_candi_2.png").toString()),
        "index " + clipIndex + " was built with model clip-tiny (dim 40), not mllm-tiny (dim 64): use --model "
            + Fixtures.model("clip-tiny").toAbsolutePath().normalize() + " or a new --index folder");
    SearchCommandsTest.assertOneLineError(CliRunner.run("search", "--index", clipIndex.toString(), "--text", "x", "--instruction", "Find: "),
        "--instruction is for BGE-VL-MLLM models; clip-tiny is BGE-VL-CLIP, which embeds queries without one");
  }
}
