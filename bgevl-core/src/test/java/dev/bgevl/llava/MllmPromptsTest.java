package dev.bgevl.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.BgeVlException;
import dev.bgevl.tokenize.LlamaTokenizer;
import org.junit.jupiter.api.Test;

/** Prompt strings and ids (before image expansion) of every fixture item, byte for byte. */
class MllmPromptsTest {
  @Test
  void everyFixturePromptAndIdsMatch() {
    LlamaTokenizer tok = LlamaTokenizer.load(MllmFixtures.tinyDir());
    int n = 0;
    int withImage = 0;
    for (JsonNode item : MllmFixtures.expected().path("items")) {
      String name = item.path("name").asText();
      MllmPrompts.Role role = MllmPrompts.Role.parse(item.path("role").asText());
      String text = item.path("text").isNull() ? null : item.path("text").asText();
      String instruction = item.path("instruction").isNull() ? null : item.path("instruction").asText();
      boolean hasImage = !item.path("image").isNull();
      String prompt = MllmPrompts.prompt(role, text, hasImage, instruction);
      assertEquals(item.path("prompt").asText(), prompt, name);
      int[] ids = tok.encode(prompt);
      assertArrayEquals(MllmFixtures.ints(item.path("input_ids")), ids, name);
      String[] tokens = tok.tokens(ids);
      for (int i = 0; i < tokens.length; i++) assertEquals(item.path("tokens").get(i).asText(), tokens[i], name + " token " + i);
      int images = 0;
      for (int id : ids) if (id == 32000) images++;
      assertEquals(hasImage ? 1 : 0, images, name);
      if (hasImage) withImage++;
      n++;
    }
    assertEquals(28, n);
    assertTrue(withImage > 10);
  }

  @Test
  void knownPieces() {
    LlamaTokenizer tok = LlamaTokenizer.load(MllmFixtures.tinyDir());
    assertArrayEquals(new int[] {1, 733, 16289, 28793}, tok.encode("[INST]"));
    assertEquals(1, tok.bosId());
    assertEquals(2, tok.eosId());
    assertEquals(32001, tok.padId());
    assertEquals(32000, tok.tokenId("<image>"));
    // byte fallback: a character outside the vocabulary becomes its UTF-8 bytes
    int[] ids = tok.tokenIds("\uD83E\uDD8A");   // 🦊 U+1F98A
    assertArrayEquals(new String[] {"▁", "<0xF0>", "<0x9F>", "<0xA6>", "<0x8A>"}, tok.tokens(ids));
    assertArrayEquals(new int[0], tok.tokenIds(""));
    assertArrayEquals(tok.tokenIds("a \uFFFD b"), tok.tokenIds("a \uD800 b"));
    assertArrayEquals(new String[] {"▁▁", "<image>", "▁x"}, tok.tokens(tok.tokenIds(" <image>x")));
    assertArrayEquals(new int[] {1}, tok.encode(""));
  }

  @Test
  void badInputs() {
    assertEquals("role 'doc' is not one of query, candidate",
        assertThrows(BgeVlException.class, () -> MllmPrompts.Role.parse("doc")).getMessage());
    BgeVlException e = assertThrows(BgeVlException.class,
        () -> MllmPrompts.prompt(MllmPrompts.Role.QUERY, null, false, null));
    assertEquals(1, e.getMessage().lines().count());
    BgeVlException missing = assertThrows(BgeVlException.class,
        () -> LlamaTokenizer.load(MllmFixtures.tinyDir().resolve("nope")));
    assertTrue(missing.getMessage().contains("tokenizer.json not found"), missing.getMessage());
  }
}
