package dev.bgevl.tokenize;

import java.text.Normalizer;
import java.util.List;

/**
 * One step of a Hugging Face {@code tokenizers} normalizer, as in {@code tokenizer.json}'s
 * {@code normalizer} (a {@code Sequence} becomes a list of steps). Each step has a fast path for
 * text it leaves unchanged, since captions are mostly ASCII.
 */
sealed interface TextNormalizer {
  String apply(String s);

  /** Applies steps in order. */
  static String applyAll(List<TextNormalizer> steps, String s) {
    for (TextNormalizer step : steps) s = step.apply(s);
    return s;
  }

  /**
   * Unicode normalization form. NFC and NFD use the Unicode 9.0 data of the reference ({@link Nfc});
   * NFKC and NFKD use Java's (newer) tables, which differ only for characters assigned after 9.0.
   */
  record Form(Normalizer.Form form) implements TextNormalizer {
    @Override
    public String apply(String s) {
      return switch (form) {
        case NFC -> Nfc.nfc(s);
        case NFD -> Nfc.nfd(s);
        default -> Normalizer.isNormalized(s, form) ? s : Normalizer.normalize(s, form);
      };
    }
  }

  /**
   * {@code Replace} with the regex {@code \s+}: every run of whitespace becomes {@code content}.
   * Whitespace is Oniguruma's {@code \s} (the regex engine of {@code tokenizers}): U+0009–U+000D,
   * U+0085 and the Zs/Zl/Zp categories, see {@link Chars#isSpace}.
   */
  record WhitespaceRuns(String content) implements TextNormalizer {
    @Override
    public String apply(String s) {
      int n = s.length();
      int i = 0;
      // fast path: nothing to replace when every whitespace char is a lone ' ' and content is " "
      for (; i < n; i++) {
        char c = s.charAt(i);
        if (Chars.isSpace(c) && (c != ' ' || !content.equals(" ") || (i + 1 < n && Chars.isSpace(s.charAt(i + 1))))) break;
      }
      if (i == n) return s;
      StringBuilder out = new StringBuilder(n);
      out.append(s, 0, i);
      while (i < n) {
        char c = s.charAt(i);
        if (Chars.isSpace(c)) {
          while (i < n && Chars.isSpace(s.charAt(i))) i++;
          out.append(content);
        } else {
          out.append(c);
          i++;
        }
      }
      return out.toString();
    }
  }

  /** {@code Replace} with a literal string pattern: every non-overlapping occurrence, left to right. */
  record Literal(String pattern, String content) implements TextNormalizer {
    @Override
    public String apply(String s) {
      return pattern.isEmpty() ? s : s.replace(pattern, content);
    }
  }

  /** {@code Prepend}: adds a prefix to non-empty text. */
  record Prepend(String prefix) implements TextNormalizer {
    @Override
    public String apply(String s) {
      return s.isEmpty() ? s : prefix + s;
    }
  }

  /**
   * {@code Lowercase}: Rust's {@code char::to_lowercase} applied to each character on its own, as
   * {@code tokenizers} does. Not context-sensitive: a word-final capital sigma becomes σ, not ς.
   * The only unconditional multi-character lowercase in Unicode is U+0130 İ → "i̇" (i + U+0307).
   */
  record Lowercase() implements TextNormalizer {
    @Override
    public String apply(String s) {
      int n = s.length();
      int i = 0;
      for (; i < n; i++) {
        char c = s.charAt(i);
        if (c < 0x80 ? (c >= 'A' && c <= 'Z') : (c == 0x130 || Character.isSurrogate(c) || Character.toLowerCase(c) != c)) break;
      }
      if (i == n) return s;
      StringBuilder out = new StringBuilder(n + 4);
      out.append(s, 0, i);
      while (i < n) {
        int cp = s.codePointAt(i);
        i += Character.charCount(cp);
        if (cp == 0x130) {
          out.append('i').append('\u0307');
        } else {
          out.appendCodePoint(Character.toLowerCase(cp));
        }
      }
      return out.toString();
    }
  }
}
