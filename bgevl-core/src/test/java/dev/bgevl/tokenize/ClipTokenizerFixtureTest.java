package dev.bgevl.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixture's texts (from transformers' CLIPTokenizerFast) must give exactly its input_ids. */
class ClipTokenizerFixtureTest {
  private static ClipTokenizer tokenizer;
  private static List<JsonNode> textItems;

  @BeforeAll
  static void load() throws Exception {
    tokenizer = ClipTokenizer.load(TokenizerFixtures.clipTinyDir());
    try (InputStream in = ClipTokenizerFixtureTest.class.getResourceAsStream("/fixtures/expected/clip-tiny.json")) {
      JsonNode root = new ObjectMapper().readTree(in);
      textItems = new ArrayList<>();
      for (JsonNode item : root.get("items")) {
        String kind = item.get("kind").asText();
        if (kind.equals("text") || kind.equals("composed")) textItems.add(item);
      }
    }
    assertEquals(28, textItems.size(), "fixture text/composed items");
  }

  private static int[] ints(JsonNode arr) {
    int[] out = new int[arr.size()];
    for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
    return out;
  }

  @Test
  void fixtureIdsMatchExactly() {
    checkAll(tokenizer);
  }

  @Test
  void vocabAndMergesFallbackGivesTheSameIds(@TempDir Path dir) {
    TokenizerFixtures.copyInto(dir, "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json");
    checkAll(ClipTokenizer.load(dir));
  }

  private static void checkAll(ClipTokenizer tok) {
    int checked = 0;
    for (JsonNode item : textItems) {
      String text = item.get("text").asText();
      if (item.has("input_ids")) {
        Encoding e = tok.encode(text);
        assertArrayEquals(ints(item.get("input_ids")), e.ids(), "ids of item " + item.get("index") + ": " + text);
        assertEquals(item.path("truncation").asBoolean(false), e.truncated(), "truncated flag of item " + item.get("index"));
        checked++;
      } else {
        // the over-long texts the reference refuses: n_tokens with BOS/EOS, untruncated
        assertEquals(item.get("n_tokens").asInt(), tok.tokenIds(text).length + 2, "n_tokens of item " + item.get("index"));
        BgeVlException ex = assertThrows(BgeVlException.class, () -> tok.encode(text, ClipTokenizer.Truncation.ERROR));
        assertTrue(ex.getMessage().contains(item.get("n_tokens").asInt() + " tokens") && ex.getMessage().contains("77"),
            ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"));
        checked++;
      }
    }
    assertEquals(textItems.size(), checked);
  }

  @Test
  void truncationKeepsBosFirst75AndEos() {
    String text = "cat ".repeat(100);
    Encoding e = tokenizer.encode(text);
    assertTrue(e.truncated());
    assertEquals(77, e.ids().length);
    assertEquals(49406, e.ids()[0]);
    assertEquals(49407, e.ids()[76]);
    for (int i = 1; i < 76; i++) assertEquals(2368, e.ids()[i]);
    assertEquals("cat</w>", e.tokens()[1]);
    assertEquals("<|endoftext|>", e.tokens()[76]);
    Encoding exact = tokenizer.encode("cat ".repeat(75));
    assertFalse(exact.truncated());
    assertEquals(77, exact.ids().length);
    assertThrows(BgeVlException.class, () -> tokenizer.withTruncation(ClipTokenizer.Truncation.ERROR).encode(text));
    assertEquals(77, tokenizer.withTruncation(ClipTokenizer.Truncation.ERROR).encode("cat ".repeat(75)).ids().length);
  }

  @Test
  void contractAccessors() {
    assertEquals(49406, tokenizer.bosId());
    assertEquals(49407, tokenizer.eosId());
    assertEquals(49407, tokenizer.padId());   // openai checkpoints pad with <|endoftext|>
    assertEquals(77, tokenizer.maxLength());
    assertEquals(49408, tokenizer.vocabSize());
  }

  @Test
  void specialTokenLiteralsAreSpecialTokensEvenInOtherCase() {
    assertArrayEquals(new int[] {49406, 320, 49407, 2368, 49406, 49407},
        tokenizer.encode("a<|endoftext|>cat <|StartOfText|>").ids());
  }

  @Test
  void batchPadsToTheLongestWithPadIdAndMask() {
    EncodedBatch b = tokenizer.encodeBatch(List.of("a photo of a cat", "x", ""));
    assertEquals(3, b.batch());
    assertEquals(7, b.seqLen());
    assertArrayEquals(new int[] {49406, 320, 1125, 539, 320, 2368, 49407}, b.row(0));
    assertArrayEquals(new int[] {49406, 343, 49407, 49407, 49407, 49407, 49407}, b.row(1));
    assertArrayEquals(new int[] {7, 3, 2}, b.lengths());
    assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0}, b.attentionMask());
    assertFalse(b.anyTruncated());
  }

  @Test
  void padIdComesFromTheConfig(@TempDir Path dir) throws Exception {
    TokenizerFixtures.copyInto(dir, "tokenizer.json", "special_tokens_map.json");
    java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"!\", \"model_max_length\": 16}");
    ClipTokenizer t = ClipTokenizer.load(dir);
    assertEquals(0, t.padId());
    assertEquals(16, t.maxLength());
    assertArrayEquals(new int[] {49406, 343, 49407, 0}, t.encodeBatch(List.of("x", "x y")).row(0));
    Encoding e = t.encode("cat ".repeat(20));
    assertEquals(16, e.ids().length);
    assertTrue(e.truncated());
  }

  @Test
  void maxLengthFallsBackToMaxPositionEmbeddings(@TempDir Path dir) throws Exception {
    TokenizerFixtures.copyInto(dir, "tokenizer.json");
    java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 1000000000000000019884624838656}");
    java.nio.file.Files.writeString(dir.resolve("config.json"), "{\"text_config\": {\"max_position_embeddings\": 10}}");
    ClipTokenizer t = ClipTokenizer.load(dir);
    assertEquals(10, t.maxLength());
    assertEquals(49407, t.padId());   // no pad_token anywhere: pad with EOS
  }

  @Test
  void decodeRoundTrips() {
    assertEquals("a photo of a cat", tokenizer.decode(tokenizer.encode("A photo of a   CAT").ids(), true));
    assertEquals("<|startoftext|>a photo of a cat <|endoftext|>",
        tokenizer.decode(tokenizer.encode("a photo of a cat").ids(), false));
    assertEquals("café naïve 日本語 🐱", tokenizer.decode(tokenizer.encode("Café naïve 日本語 🐱").ids(), true));
    // "'t" is its own word for CLIP, and transformers' clean-up only joins " n't": "don 't"
    assertEquals("don 't stop!", tokenizer.decode(tokenizer.encode("don't stop!").ids(), true));
    // a lone byte token is not valid UTF-8 on its own: replacement character, like from_utf8_lossy
    assertEquals("\uFFFD", tokenizer.decode(new int[] {138}, true));
  }

  @Test
  void loneSurrogatesReadAsReplacementCharacter() {
    assertArrayEquals(tokenizer.encode("a \uFFFD b").ids(), tokenizer.encode("a \uD800 b").ids());
  }

  @Test
  void concurrentUseGivesTheSameIds() throws Exception {
    List<String> texts = new TextGenerator(99).generate(800);
    ClipTokenizer fresh = ClipTokenizer.load(TokenizerFixtures.clipTinyDir());
    List<int[]> expected = new ArrayList<>();
    for (String t : texts) expected.add(tokenizer.encode(t).ids());
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
      List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int offset = w * 200;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < texts.size(); i++) {
            int k = (i + offset) % texts.size();
            assertArrayEquals(expected.get(k), fresh.encode(texts.get(k)).ids());
          }
        }));
      }
      for (var f : futures) f.get();
    }
  }

  @Test
  void fallbackWithoutAnyConfigMatchesTokenizerJsonOnGeneratedStrings(@TempDir Path dir) {
    TokenizerFixtures.copyInto(dir, "vocab.json", "merges.txt");
    ClipTokenizer fallback = ClipTokenizer.load(dir);
    assertEquals(49406, fallback.bosId());
    assertEquals(49407, fallback.eosId());
    assertEquals(49407, fallback.padId());
    assertEquals(77, fallback.maxLength());
    for (String t : new TextGenerator(5).generate(3000)) {
      assertArrayEquals(tokenizer.tokenIds(t), fallback.tokenIds(t), () -> HuggingFaceCrossCheckTest.describe(t));
    }
  }
}
