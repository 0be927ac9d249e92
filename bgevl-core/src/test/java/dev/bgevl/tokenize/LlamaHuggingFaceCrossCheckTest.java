package dev.bgevl.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Cross-check of {@link LlamaTokenizer} against Hugging Face {@code tokenizers} (Rust, through DJL's
 * JNI binding, test scope only) on the real llava-v1.6-mistral tokenizer.json: 12,000 seeded strings
 * (the shared stress generator's texts, plus BGE-style prompts with {@code <image>}, {@code [INST]},
 * runs of spaces and the other added tokens), with BOS. 0 mismatches allowed.
 */
class LlamaHuggingFaceCrossCheckTest {
  private static final long SEED = 20261128L;
  private static final int COUNT = 9_000;
  private static final String[] PIECES = {"[INST]", "[/INST]", "<image>", "<pad>", "<s>", "</s>", "<unk>", "<instruct>",
      "<query>", " ", "  ", "   ", "\n", " \n ", "▁", "▁▁", "<image", "image>", "<<image>>", "<im", "age>", "\t", "\r\n"};

  @Test
  void identicalIdsOnGeneratedStrings() throws Exception {
    Path dir = dir();
    LlamaTokenizer ours = LlamaTokenizer.load(dir);
    List<String> texts = new ArrayList<>(new TextGenerator(SEED).generate(COUNT));
    SplittableRandom rnd = new SplittableRandom(SEED);
    List<String> stress = new TextGenerator(SEED + 1).generate(3_000);
    for (int i = 0; i < 3_000; i++) {
      StringBuilder b = new StringBuilder();
      int parts = 1 + rnd.nextInt(8);
      for (int p = 0; p < parts; p++) {
        if (rnd.nextInt(3) == 0) {
          String s = stress.get(rnd.nextInt(stress.size()));
          // cut at a code point boundary: DJL's JNI string transfer mangles a text holding a lone
          // surrogate (modified UTF-8); lone surrogates are tested as U+FFFD in MllmPromptsTest
          int end = s.offsetByCodePoints(0, Math.min(s.codePointCount(0, s.length()), 30));
          b.append(s, 0, end);
        } else {
          b.append(PIECES[rnd.nextInt(PIECES.length)]);
        }
      }
      texts.add(b.toString());
    }
    long[][] reference = new long[texts.size()][];
    try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"),
        Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false", "maxLength", "1000000"))) {
      for (int i = 0; i < texts.size(); i++) reference[i] = hf.encode(texts.get(i), true, false).getIds();
    }
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      int[] ref = Arrays.stream(reference[i]).mapToInt(v -> (int) v).toArray();
      int[] got = ours.encode(texts.get(i));
      if (!Arrays.equals(ref, got) && mismatches.size() < 10) {
        mismatches.add(escape(texts.get(i)) + "\n    hf:   " + Arrays.toString(ref)
            + "\n    ours: " + Arrays.toString(got));
      } else if (!Arrays.equals(ref, got)) {
        mismatches.add("");
      }
    }
    assertEquals(12_000, texts.size());
    assertEquals(0, mismatches.size(), mismatches.size() + " mismatches of " + texts.size() + ", first ones:\n"
        + String.join("\n", mismatches.subList(0, Math.min(10, mismatches.size()))));
  }

  /**
   * Tokens added with {@code add_tokens} are {@code normalized: true}: matched inside the normalized
   * text, their content normalized too ({@code ▁<query>}). BGE's tokenizer may carry such tokens;
   * this checks that path against the Rust library on a copy of the tokenizer with three more.
   */
  @Test
  void normalizedAddedTokensMatchToo(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode root =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(dir().resolve("tokenizer.json").toFile());
    com.fasterxml.jackson.databind.node.ArrayNode added = (com.fasterxml.jackson.databind.node.ArrayNode) root.get("added_tokens");
    String[][] extra = {{"32002", "<instruct>", "true"}, {"32003", "<query>", "true"}, {"32004", "[/INST]", "false"},
        {"32005", "red bus", "true"}};
    for (String[] e : extra) {
      added.addObject().put("id", Integer.parseInt(e[0])).put("content", e[1]).put("single_word", false)
          .put("lstrip", false).put("rstrip", false).put("normalized", Boolean.parseBoolean(e[2])).put("special", false);
    }
    Path copy = tmp.resolve("tok");
    java.nio.file.Files.createDirectories(copy);
    json.writeValue(copy.resolve("tokenizer.json").toFile(), root);
    LlamaTokenizer ours = LlamaTokenizer.load(copy);
    SplittableRandom rnd = new SplittableRandom(SEED + 2);
    String[] pieces = {"<instruct>", "<query>", "[/INST]", "[INST]", "red bus", "red", " bus", "<image>", " ", "  ", "\n",
        "a", "x<query>y", "<instruct", "query>", "▁<query>", "red  bus"};
    List<String> texts = new ArrayList<>(List.of(
        "[INST] \n <instruct> Retrieve an image:  <query>  a red bus \n <image> [/INST]",
        "[INST] \n <instruct>  <query> a red double-decker bus \n [/INST]", "<query>", " <query>", "<instruct><query>"));
    while (texts.size() < 3_000) {
      StringBuilder b = new StringBuilder();
      int n = 1 + rnd.nextInt(10);
      for (int i = 0; i < n; i++) b.append(pieces[rnd.nextInt(pieces.length)]);
      texts.add(b.toString());
    }
    List<String> mismatches = new ArrayList<>();
    try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(copy.resolve("tokenizer.json"),
        Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false", "maxLength", "1000000"))) {
      for (String t : texts) {
        int[] ref = Arrays.stream(hf.encode(t, true, false).getIds()).mapToInt(v -> (int) v).toArray();
        int[] got = ours.encode(t);
        if (!Arrays.equals(ref, got)) mismatches.add(escape(t) + "\n    hf:   " + Arrays.toString(ref) + "\n    ours: " + Arrays.toString(got));
      }
    }
    assertEquals(0, mismatches.size(), mismatches.size() + " mismatches of " + texts.size() + ", first ones:\n"
        + String.join("\n", mismatches.subList(0, Math.min(10, mismatches.size()))));
    // the normalized token took its own "▁": "<query>" after a space is one id
    int[] ids = ours.tokenIds(" <query>");
    assertEquals(32003, ids[ids.length - 1]);
  }

  /** The text as code points, so control characters cannot cut the failure message. */
  private static String escape(String s) {
    StringBuilder b = new StringBuilder("[");
    s.codePoints().limit(80).forEach(cp -> b.append(String.format(" %04X", cp)));
    return b.append(s.codePointCount(0, s.length()) > 80 ? " …]" : " ]").toString();
  }

  private static Path dir() throws Exception {
    URL url = LlamaHuggingFaceCrossCheckTest.class.getResource("/fixtures/mllm-tiny/tokenizer.json");
    if (url == null) throw new IllegalStateException("test resource /fixtures/mllm-tiny/tokenizer.json missing");
    return Path.of(url.toURI()).getParent();
  }
}
