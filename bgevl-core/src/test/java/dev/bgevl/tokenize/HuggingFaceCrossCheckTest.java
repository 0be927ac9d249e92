package dev.bgevl.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Cross-check against Hugging Face {@code tokenizers} itself (the Rust library, through DJL's JNI
 * binding, test scope only): the same ids, with BOS/EOS and without truncation, on 12,000 seeded
 * random strings. 0 mismatches allowed. Our truncation is then checked against the oracle's full
 * ids (BOS + first 75 + EOS).
 */
class HuggingFaceCrossCheckTest {
  private static final long SEED = 20261127L;
  private static final int COUNT = 12_000;

  @Test
  void identicalIdsOnGeneratedStrings() throws Exception {
    ClipTokenizer ours = ClipTokenizer.load(TokenizerFixtures.clipTinyDir());
    List<String> texts = new TextGenerator(SEED).generate(COUNT);
    assertEquals(COUNT, texts.size());
    long[][] reference = new long[texts.size()][];
    try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(
        TokenizerFixtures.clipTinyDir().resolve("tokenizer.json"),
        Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false", "maxLength", "1000000"))) {
      for (int i = 0; i < texts.size(); i++) reference[i] = hf.encode(texts.get(i), true, false).getIds();
    }
    List<String> mismatches = new ArrayList<>();
    int longOnes = 0;
    int truncatedChecked = 0;
    for (int i = 0; i < texts.size(); i++) {
      String text = texts.get(i);
      int[] ref = Arrays.stream(reference[i]).mapToInt(v -> (int) v).toArray();
      int[] content = ours.tokenIds(text);
      int[] full = new int[content.length + 2];
      full[0] = ours.bosId();
      System.arraycopy(content, 0, full, 1, content.length);
      full[full.length - 1] = ours.eosId();
      if (!Arrays.equals(ref, full)) {
        if (mismatches.size() < 10) mismatches.add(describe(text) + "\n    hf:   " + Arrays.toString(ref) + "\n    ours: " + Arrays.toString(full));
        else mismatches.add("");
        continue;
      }
      if (ref.length > 77) {
        longOnes++;
        Encoding e = ours.encode(text);
        int[] expected = new int[77];
        System.arraycopy(ref, 0, expected, 0, 76);
        expected[76] = ours.eosId();
        assertArrayEquals(expected, e.ids(), "truncated ids of " + describe(text));
        assertTrue(e.truncated());
        truncatedChecked++;
      } else {
        Encoding e = ours.encode(text);
        assertArrayEquals(ref, e.ids());
        assertTrue(!e.truncated());
      }
    }
    assertEquals(0, mismatches.size(), mismatches.size() + " mismatches of " + texts.size() + ", first ones:\n"
        + String.join("\n", mismatches.subList(0, Math.min(10, mismatches.size()))));
    assertTrue(longOnes > 100, "the generator made only " + longOnes + " texts over 77 tokens");
    assertEquals(longOnes, truncatedChecked);
  }

  static String describe(String s) {
    StringBuilder b = new StringBuilder("'" + (s.length() > 60 ? s.substring(0, 60) + "…" : s) + "' [");
    s.codePoints().limit(40).forEach(cp -> b.append(String.format(" %04X", cp)));
    return b.append(s.codePointCount(0, s.length()) > 40 ? " …]" : " ]").toString();
  }
}
