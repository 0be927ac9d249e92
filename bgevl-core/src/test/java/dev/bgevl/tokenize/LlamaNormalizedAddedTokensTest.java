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

/** {@link LlamaTokenizer} with {@code normalized: true} added tokens, against Hugging Face {@code tokenizers} (DJL). */
class LlamaNormalizedAddedTokensTest {
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
    SplittableRandom rnd = new SplittableRandom(20261129L);
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
        int[] got = ours.encode(t).ids();
        if (!Arrays.equals(ref, got)) mismatches.add(escape(t) + "\n    hf:   " + Arrays.toString(ref) + "\n    ours: " + Arrays.toString(got));
      }
    }
    assertEquals(0, mismatches.size(), mismatches.size() + " mismatches of " + texts.size() + ", first ones:\n"
        + String.join("\n", mismatches.subList(0, Math.min(10, mismatches.size()))));
    // the normalized token took its own "▁": "<query>" after a space is one id
    int[] ids = ours.encode(" <query>").ids();
    assertEquals(32003, ids[ids.length - 1]);
    assertEquals(32003, ours.addedTokenId("<query>"));
  }

  /** The text as code points, so control characters cannot cut the failure message. */
  private static String escape(String s) {
    StringBuilder b = new StringBuilder("[");
    s.codePoints().limit(80).forEach(cp -> b.append(String.format(" %04X", cp)));
    return b.append(s.codePointCount(0, s.length()) > 80 ? " …]" : " ]").toString();
  }

  private static Path dir() throws Exception {
    URL url = LlamaNormalizedAddedTokensTest.class.getResource("/fixtures/mllm-tiny/tokenizer.json");
    if (url == null) throw new IllegalStateException("test resource /fixtures/mllm-tiny/tokenizer.json missing");
    return Path.of(url.toURI()).getParent();
  }
}
