package dev.bgevl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgevl.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bgevl embed} on a BGE-VL-MLLM folder: text queries (with and without instruction) and candidates. */
class MllmEmbedCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  @Test
  void textItemsMatchTheReferenceWithRoleAndInstructionFields() throws Exception {
    JsonNode items = Fixtures.expected("mllm-tiny").get("items");
    List<String> lines = new ArrayList<>();
    List<JsonNode> chosen = new ArrayList<>();
    for (JsonNode it : items) {
      if (it.get("image").isNull()) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", it.get("name").asText());
        o.put("text", it.get("text").asText());
        o.put("role", it.get("role").asText());
        if (!it.get("instruction").isNull()) {
          o.put("instruction", it.get("instruction").asText());
        }
        lines.add(JSON.writeValueAsString(o));
        chosen.add(it);
      }
    }
    assertEquals(5, chosen.size());
    Path in = tmp.resolve("in.jsonl");
    Files.write(in, lines);
    CliRunner.Result r = CliRunner.run("embed", "--model", Fixtures.model("mllm-tiny").toString(), "--input", in.toString(), "--batch-size", "3");
    assertEquals(0, r.exit(), r.err());
    String[] out = r.out().strip().split("\n");
    assertEquals(5, out.length);
    for (int i = 0; i < out.length; i++) {
      JsonNode o = JSON.readTree(out[i]);
      assertEquals(chosen.get(i).get("name").asText(), o.get("id").asText());
      double d = Fixtures.maxAbsDiff(Fixtures.floats(o.get("embedding")), Fixtures.floats(chosen.get(i).get("embedding")));
      assertTrue(d <= 1e-5, chosen.get(i).get("name") + ": " + d);
    }
  }

  @Test
  void composedQueryAndImageCandidateMatchTheReference() throws Exception {
    JsonNode items = Fixtures.expected("mllm-tiny").get("items");
    JsonNode q = items.get(0); // q_cir_readme: image + text + CIR instruction
    JsonNode c = items.get(7); // c_image_cir_candi_1: image candidate
    ObjectNode a = JSON.createObjectNode();
    a.put("image", Fixtures.image(q.get("image").asText()).toString());
    a.put("text", q.get("text").asText());
    a.put("instruction", q.get("instruction").asText());
    ObjectNode b = JSON.createObjectNode();
    b.put("image", Fixtures.image(c.get("image").asText()).toString());
    b.put("role", "candidate");
    Path in = tmp.resolve("img.jsonl");
    Files.write(in, List.of(JSON.writeValueAsString(a), JSON.writeValueAsString(b)));
    CliRunner.Result r = CliRunner.run("embed", "--model", Fixtures.model("mllm-tiny").toString(), "--input", in.toString());
    assertEquals(0, r.exit(), r.err());
    String[] out = r.out().strip().split("\n");
    assertTrue(Fixtures.maxAbsDiff(Fixtures.floats(JSON.readTree(out[0]).get("embedding")), Fixtures.floats(q.get("embedding"))) <= 1e-5);
    assertTrue(Fixtures.maxAbsDiff(Fixtures.floats(JSON.readTree(out[1]).get("embedding")), Fixtures.floats(c.get("embedding"))) <= 1e-5);
  }

  @Test
  void badRolesAndImagesAreOneLine() throws Exception {
    String model = Fixtures.model("mllm-tiny").toString();
    Path in = tmp.resolve("bad.jsonl");
    Files.writeString(in, "{\"text\": \"x\", \"role\": \"judge\"}\n");
    EmbedCommandTest.assertOneLineError(CliRunner.run("embed", "--model", model, "--input", in.toString()), "bad.jsonl:1: \"role\" must be \"query\" or \"candidate\"");
    Files.writeString(in, "{\"image\": \"missing.png\"}\n");
    EmbedCommandTest.assertOneLineError(CliRunner.run("embed", "--model", model, "--input", in.toString()), "bad.jsonl:1: image missing.png: file not found");
    EmbedCommandTest.assertOneLineError(CliRunner.run("embed", "--model", model, "--text", "x", "--role", "judge"), "--role must be query or candidate");
  }

  /** A text with its own {@code <image>}, and prompts beyond the model's positions: one line, exit 1. */
  @Test
  void badPlaceholdersAndOverlongPromptsAreOneLine() throws Exception {
    String model = Fixtures.model("mllm-tiny").toString();
    String img = Fixtures.image("images/cir_candi_1.png").toString();
    EmbedCommandTest.assertOneLineError(CliRunner.run("embed", "--model", model, "--image", img, "--text", "this <image> too"),
        img + ": the prompt has 2 <image> placeholders but 1 image was given");
    EmbedCommandTest.assertOneLineError(CliRunner.run("embed", "--model", model, "--text", "just <image>"),
        "contains '<image>', the image placeholder token, but no image was given");
    Path in = tmp.resolve("long.jsonl");
    Files.writeString(in, "{\"text\": \"" + "a ".repeat(33000) + "\"}\n");
    EmbedCommandTest.assertOneLineError(CliRunner.run("embed", "--model", model, "--input", in.toString()),
        "exceeds the model's 32768 positions");
    // the same model with 96 positions: an image candidate needs 98
    Path small = tmp.resolve("small");
    Files.createDirectories(small);
    try (var files = Files.list(Fixtures.model("mllm-tiny"))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, small.resolve(f.getFileName()));
      }
    }
    ObjectNode cfg = (ObjectNode) JSON.readTree(small.resolve("config.json").toFile());
    ((ObjectNode) cfg.get("text_config")).put("max_position_embeddings", 96);
    JSON.writeValue(small.resolve("config.json").toFile(), cfg);
    EmbedCommandTest.assertOneLineError(CliRunner.run("embed", "--model", small.toString(), "--image", img),
        img + ": 98 tokens after image expansion (10 text + 88 image) exceed the model's 96 positions");
  }

  /**
   * The second tiny model (other geometry, F16; made by the independent torch/Pillow reference
   * tools/llava_next_ref.py): every pre-resized image and composed item through {@code bgevl embed},
   * one JSONL line each, within 1e-5 of the reference.
   */
  @Test
  void secondTinyModelImageAndComposedItemsMatchTheIndependentReference() throws Exception {
    List<JsonNode> items = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    for (JsonNode it : Fixtures.expected("mllm-tiny2").get("items")) {
      if (!it.get("bge_resize").asBoolean()) {
        continue; // the CLI always applies BGE's 512×512 pre-resize
      }
      ObjectNode o = JSON.createObjectNode();
      o.put("id", it.get("name").asText());
      o.put("image", Fixtures.image(it.get("image").asText()).toString());
      if (!it.get("text").isNull()) {
        o.put("text", it.get("text").asText());
      }
      o.put("role", it.get("role").asText());
      if (!it.get("instruction").isNull()) {
        o.put("instruction", it.get("instruction").asText());
      }
      items.add(it);
      lines.add(JSON.writeValueAsString(o));
    }
    Path in = tmp.resolve("tiny2.jsonl");
    Files.write(in, lines);
    CliRunner.Result r = CliRunner.run("embed", "--model", Fixtures.model("mllm-tiny2").toString(), "--input", in.toString());
    assertEquals(0, r.exit(), r.err());
    String[] out = r.out().strip().split("\n");
    assertEquals(10, items.size());
    assertEquals(items.size(), out.length);
    for (int i = 0; i < out.length; i++) {
      JsonNode line = JSON.readTree(out[i]);
      assertEquals(items.get(i).get("name").asText(), line.get("id").asText());
      double d = Fixtures.maxAbsDiff(Fixtures.floats(line.get("embedding")), Fixtures.floats(items.get(i).get("embedding")));
      assertTrue(d <= 1e-5, items.get(i).get("name").asText() + ": " + d);
    }
  }
}
