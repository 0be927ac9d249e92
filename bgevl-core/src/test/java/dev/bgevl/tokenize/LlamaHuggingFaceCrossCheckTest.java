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
