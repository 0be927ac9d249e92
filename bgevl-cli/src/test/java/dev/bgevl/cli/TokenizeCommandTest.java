package dev.bgevl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.tokenize.TokenizerFixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TokenizeCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  private List<JsonNode> lines() throws Exception {
    ObjectMapper m = new ObjectMapper();
    return out.toString().lines().map(l -> {
      try {
        return m.readTree(l);
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + l, e);
      }
    }).toList();
  }

  @Test
  void textPrintsIdsAndTokens() throws Exception {
    int rc = run("tokenize", "--model", TokenizerFixtures.clipTinyDir().toString(), "--text", "a photo of a cat", "--text", "x");
    assertEquals(0, rc, err.toString());
    List<JsonNode> l = lines();
    assertEquals(2, l.size());
    assertEquals("[49406,320,1125,539,320,2368,49407]", l.get(0).get("ids").toString());
    assertEquals("[\"<|startoftext|>\",\"a</w>\",\"photo</w>\",\"of</w>\",\"a</w>\",\"cat</w>\",\"<|endoftext|>\"]",
        l.get(0).get("tokens").toString());
    assertFalse(l.get(0).has("truncated"));
    assertEquals("[49406,343,49407]", l.get(1).get("ids").toString());
    assertEquals("", err.toString());
  }

  @Test
  void jsonlInputWithATruncatedText(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("texts.jsonl");
    Files.writeString(in, "{\"text\": \"café naïve\"}\n\n{\"text\": \"" + "cat ".repeat(100) + "\"}\n");
    int rc = run("tokenize", "--model", TokenizerFixtures.clipTinyDir().toString(), "--input", in.toString());
    assertEquals(0, rc, err.toString());
    List<JsonNode> l = lines();
    assertEquals(2, l.size());
    assertEquals("[49406,15304,1097,35689,563,49407]", l.get(0).get("ids").toString());
    assertEquals(77, l.get(1).get("ids").size());
    assertTrue(l.get(1).get("truncated").asBoolean());
    assertTrue(err.toString().contains("texts.jsonl:3: text truncated to 77 tokens"), err.toString());
  }

  @Test
  void overlongTextRefusedWithNoTruncate() {
    int rc = run("tokenize", "--model", TokenizerFixtures.clipTinyDir().toString(), "--no-truncate", "--text", "cat ".repeat(80));
    assertEquals(Main.EXIT_FAILURE, rc);
    assertEquals(1, err.toString().lines().count(), err.toString());
    assertTrue(err.toString().startsWith("error: text 'cat cat") && err.toString().contains("82 tokens"), err.toString());
  }

  @Test
  void badInputLineIsOneErrorLine(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("bad.jsonl");
    Files.writeString(in, "{\"text\": \"ok\"}\n{\"txt\": 1}\n");
    int rc = run("tokenize", "--model", TokenizerFixtures.clipTinyDir().toString(), "--input", in.toString());
    assertEquals(Main.EXIT_FAILURE, rc);
    assertEquals("error: " + in + ":2: expected {\"text\": \"...\"}", err.toString().strip());
  }

  @Test
  void missingModelIsOneErrorLine(@TempDir Path dir) {
    int rc = run("tokenize", "--model", dir.resolve("none").toString(), "--text", "x");
    assertEquals(Main.EXIT_FAILURE, rc);
    assertEquals(1, err.toString().lines().count());
    assertTrue(err.toString().contains("does not exist"), err.toString());
  }

  @Test
  void needsTextOrInput() {
    int rc = run("tokenize", "--model", TokenizerFixtures.clipTinyDir().toString());
    assertEquals(2, rc);   // usage error
    assertTrue(err.toString().contains("give either --text TEXT"), err.toString());
  }
}
