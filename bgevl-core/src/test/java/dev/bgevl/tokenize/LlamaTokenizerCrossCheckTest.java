package dev.bgevl.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.bgevl.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link LlamaTokenizer} against Hugging Face {@code tokenizers} (the Rust library, via DJL) on the
 * real llava-v1.6-mistral tokenizer.json: 10,000 seeded strings mixing ASCII, punctuation, digits,
 * composed and decomposed accents, CJK, emoji (surrogate pairs), control characters, whitespace
 * runs (leading spaces, newlines, tabs), the added tokens and prompt markers, and empty strings.
 * Every id must agree. Lone surrogates are left out here: they are not Unicode, and the JNI
 * boundary turns one into three U+FFFD; {@link #loneSurrogatesBecomeOneReplacementCharacter} pins
 * our rule.
 */
class LlamaTokenizerCrossCheckTest {
  private static final String[] PIECES = {
      "<image>", "<pad>", "<s>", "</s>", "<unk>", "[INST]", "[/INST]", "<instruct>", "<query>",
      " <image> ", "<image><image>", "<ima", "ge>", "▁", "▁▁", "  ", "   ", "\n", "\n\n", " \n ",
      "\t", "\r\n", "hello", "Hello", "world", " the", "The", "tokenization", "12345", "3.14",
      "don't", "it's", "e\u0301", "\u00e9", "café", "naïve", "Ångström", "日本語", "中文字符",
      "한국어", "😀", "👍🏽", "🇫🇷", "\u0000", "\u0007", "\u001b", "\u00a0", "\u200b", "\u3000",
      "Привет", "مرحبا", "שלום", "ﬁ", "Ⅻ", "…", "—", "\"quoted\"", "(a)", "{json: 1}", "a-b_c",
      "http://x.y/z?q=1", "C++", "#tag", "@user", "$100", "100%", "x²", "🙂🙃"};

  static String randomText(SplittableRandom r) {
    int kind = r.nextInt(10);
    if (kind == 0) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    int parts = 1 + r.nextInt(kind < 5 ? 4 : 12);
    for (int p = 0; p < parts; p++) {
      switch (r.nextInt(5)) {
        case 0, 1 -> sb.append(PIECES[r.nextInt(PIECES.length)]);
        case 2 -> {
          int len = 1 + r.nextInt(8);
          for (int i = 0; i < len; i++) {
            sb.append((char) (32 + r.nextInt(95)));
          }
        }
        case 3 -> {
          int len = 1 + r.nextInt(4);
          for (int i = 0; i < len; i++) {
            int cp = switch (r.nextInt(6)) {
              case 0 -> 0x80 + r.nextInt(0x780);
              case 1 -> 0x4e00 + r.nextInt(0x5200);
              case 2 -> 0x1f300 + r.nextInt(0x300);
              case 3 -> r.nextInt(32);
              case 4 -> 0x300 + r.nextInt(0x70);
              default -> 0xac00 + r.nextInt(0x2ba4);
            };
            sb.appendCodePoint(cp);
          }
        }
        default -> sb.append(" ".repeat(r.nextInt(4))).append(r.nextBoolean() ? "\n" : "");
      }
    }
    return sb.toString();
  }

  @Test
  void tenThousandSeededStringsMatchHuggingFace() throws Exception {
    Path dir = Fixtures.model("mllm-tiny");
    LlamaTokenizer ours = LlamaTokenizer.load(dir);
    SplittableRandom r = new SplittableRandom(20261127);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      texts.add(randomText(r));
    }
    texts.add("[INST] \n <instruct> Retrieve the target image:  <query>  Make it dark \n <image> [/INST]");
    int mismatches = 0;
    String first = null;
    try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"),
        Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false",
            "maxLength", "1000000"))) {
      for (String t : texts) {
        long[] ref = hf.encode(t, true, false).getIds();
        int[] got = ours.encode(t).ids();
        long[] g = new long[got.length];
        for (int i = 0; i < g.length; i++) {
          g[i] = got[i];
        }
        if (!java.util.Arrays.equals(ref, g)) {
          mismatches++;
          if (first == null) {
            first = escape(t) + " hf=" + java.util.Arrays.toString(ref) + " ours="
                + java.util.Arrays.toString(g);
          }
        }
      }
    }
    assertEquals(0, mismatches, "mismatches; first: " + first);
  }

  @Test
  void knownIds() {
    LlamaTokenizer t = LlamaTokenizer.load(Fixtures.model("mllm-tiny"));
    assertArrayEquals(new int[] {1, 733, 16289, 28793}, t.encode("[INST]").ids());
    assertArrayEquals(new int[] {1}, t.encode("").ids());
    assertEquals(32000, t.addedTokenId("<image>"));
    assertEquals(32001, t.padId());
  }

  @Test
  void loneSurrogatesBecomeOneReplacementCharacter() {
    LlamaTokenizer t = LlamaTokenizer.load(Fixtures.model("mllm-tiny"));
    assertArrayEquals(t.encode("a\uFFFDb").ids(), t.encode("a\uD800b").ids());
    assertArrayEquals(t.encode("\uFFFD").ids(), t.encode("\uDC00").ids());
  }

  static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    s.codePoints().forEach(c -> sb.append(c < 32 || c > 126 ? String.format("\\u{%x}", c) : (char) c));
    return sb.toString();
  }
}
