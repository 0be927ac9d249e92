package dev.bgevl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  static String model() {
    return Fixtures.model("clip-tiny").toString();
  }

  static float[] expected(int index) {
    return Fixtures.floats(Fixtures.expected("clip-tiny").get("items").get(index).get("embedding"));
  }

  @Test
  void jsonlInOrderWithIdsOrLineNumbers() throws Exception {
    String img = Fixtures.image("images/cir_query.png").toString();
    Path in = tmp.resolve("in.jsonl");
    Files.writeString(in, String.join("\n",
        JSON.writeValueAsString(java.util.Map.of("text", "a photo of a cat")),
        "",
        "{\"id\": \"q1\", \"image\": " + JSON.writeValueAsString(img) + ", \"text\": \"Make the background dark, as if the camera has taken the photo at night\"}",
        "{\"id\": 7, \"image\": " + JSON.writeValueAsString(img) + "}") + "\n");
    Path out = tmp.resolve("out.jsonl");
    CliRunner.Result r = CliRunner.run("embed", "--model", model(), "--input", in.toString(), "--output", out.toString(), "--batch-size", "2");
    assertEquals(0, r.exit(), r.err());
    List<String> lines = Files.readAllLines(out);
    assertEquals(3, lines.size());
    JsonNode a = JSON.readTree(lines.get(0));
    JsonNode b = JSON.readTree(lines.get(1));
    JsonNode c = JSON.readTree(lines.get(2));
    assertEquals(0, a.get("id").asInt());
    assertEquals("q1", b.get("id").asText());
    assertEquals(7, c.get("id").asInt());
    assertTrue(Fixtures.maxAbsDiff(Fixtures.floats(a.get("embedding")), expected(33)) <= 1e-5);
    assertTrue(Fixtures.maxAbsDiff(Fixtures.floats(b.get("embedding")), expected(56)) <= 1e-5);
    assertTrue(Fixtures.maxAbsDiff(Fixtures.floats(c.get("embedding")), expected(2)) <= 1e-5);
    assertFalse(Files.exists(tmp.resolve("out.jsonl.partial")));
  }

  @Test
  void shortcutsPrintOneLine() throws Exception {
    CliRunner.Result r = CliRunner.run("embed", "--model", model(), "--text", "a photo of a cat");
    assertEquals(0, r.exit(), r.err());
    String[] lines = r.out().strip().split("\n");
    assertEquals(1, lines.length);
    assertTrue(Fixtures.maxAbsDiff(Fixtures.floats(JSON.readTree(lines[0]).get("embedding")), expected(33)) <= 1e-5);
  }

  @Test
  void longTextWarnsOrFails() {
    String text = "cat ".repeat(100);
    CliRunner.Result warn = CliRunner.run("embed", "--model", model(), "--text", text);
    assertEquals(0, warn.exit());
    assertTrue(warn.err().contains("truncated"), warn.err());
    CliRunner.Result fail = CliRunner.run("embed", "--model", model(), "--text", text, "--no-truncate");
    assertEquals(1, fail.exit());
    assertOneLineError(fail, "longer than the model's 77 token positions");
  }

  @Test
  void badInputsGiveOneLineNamingTheLine() throws Exception {
    Path in = tmp.resolve("bad.jsonl");
    Files.writeString(in, "{\"text\": \"ok\"}\n{\"text\": \n");
    assertOneLineError(CliRunner.run("embed", "--model", model(), "--input", in.toString()), "bad.jsonl:2: invalid JSON");
    Files.writeString(in, "{\"id\": 1}\n");
    assertOneLineError(CliRunner.run("embed", "--model", model(), "--input", in.toString()), "bad.jsonl:1: needs \"image\", \"text\" or both");
    Files.writeString(in, "{\"text\": 5}\n");
    assertOneLineError(CliRunner.run("embed", "--model", model(), "--input", in.toString()), "bad.jsonl:1: \"text\" must be a string");
    Files.writeString(in, "{\"image\": \"missing.png\"}\n");
    assertOneLineError(CliRunner.run("embed", "--model", model(), "--input", in.toString()), "bad.jsonl:1: image missing.png: file not found");
    Path corrupt = tmp.resolve("corrupt.png");
    Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    Files.writeString(in, "{\"text\": \"fine\"}\n{\"image\": " + JSON.writeValueAsString(corrupt.toString()) + "}\n");
    assertOneLineError(CliRunner.run("embed", "--model", model(), "--input", in.toString()), "bad.jsonl:2: ");
    assertOneLineError(CliRunner.run("embed", "--model", tmp.resolve("nope").toString(), "--text", "x"), "model folder not found");
    assertOneLineError(CliRunner.run("embed", "--model", model(), "--input", tmp.resolve("none.jsonl").toString()), "none.jsonl: file not found");
  }

  @Test
  void infoDescribesTheModel() throws Exception {
    CliRunner.Result r = CliRunner.run("info", "--model", model(), "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode o = JSON.readTree(r.out());
    assertEquals(40, o.get("embedding_dim").asInt());
    assertEquals("F32", o.get("stored_dtype").asText());
    assertEquals(64, o.get("vision").get("hidden_size").asInt());
    assertEquals(17, o.get("vision").get("tokens").asInt());
    CliRunner.Result bf = CliRunner.run("info", "--model", Fixtures.model("clip-tiny-bf16").toString(), "--json");
    assertEquals("BF16", JSON.readTree(bf.out()).get("stored_dtype").asText());
  }

  static void assertOneLineError(CliRunner.Result r, String fragment) {
    assertEquals(1, r.exit(), "exit status; stderr: " + r.err());
    String err = r.err().strip();
    assertFalse(err.contains("\n"), "one line: " + err);
    assertFalse(err.contains("Exception"), "no stack trace: " + err);
    assertTrue(err.startsWith("error: ") && err.contains(fragment), err);
  }
}
