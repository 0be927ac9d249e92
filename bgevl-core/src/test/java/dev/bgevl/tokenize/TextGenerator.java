package dev.bgevl.tokenize;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded random texts that stress a tokenizer: each string mixes fragments of several kinds
 * (scripts, spaces, marks, controls, emoji sequences, special-token literals...), plus fixed
 * edge cases and some very long strings.
 */
final class TextGenerator {
  private static final String[] WORDS = {"a", "photo", "of", "the", "cat", "dog", "Running", "beach", "night",
      "background", "CAMERA", "red", "sofa", "window", "don't", "you'll", "we've", "I'M", "they're", "it's",
      "I'd", "she'S", "O'Neil", "rock'n'roll", "''s", "'ll", "'re", "'ve", "'m", "'d", "'t", "'", "''",
      "naïve", "café", "résumé", "Straße", "İstanbul", "ǅemal", "ﬁne", "Ångström", "K", "Ω", "ΣΊΣΥΦΟΣ",
      "ΟΔΟΣ", "σοφός", "Москва", "ПРИВЕТ", "中文", "日本語のテキスト", "한국어", "مرحبا", "שָׁלוֹם", "हिन्दी",
      "ภาษาไทย", "ⅷ", "½", "²³", "١٢٣", "۴۵", "१२", "https://example.com/path?q=1&x=y#frag", "<b>html</b>",
      "&amp;", "3.14159", "1,000,000", "42nd", "...", "?!", "!!!", "---", "__init__", "#hashtag", "@user",
      "e-mail", "C++", "$100", "€50", "£", "¥", "©", "™", "°C", "\u00ad", "\u200d", "\ufeff", "\ufffd"};
  private static final String[] SPECIAL = {"<|endoftext|>", "<|startoftext|>", "<|EndOfText|>", "<|STARTOFTEXT|>",
      "<|endoftext", "endoftext|>", "<|endoftext|><|startoftext|>", "<<|endoftext|>>", "<| endoftext |>"};
  private static final int[] SPACES = {' ', '\t', '\n', '\r', 0x0B, 0x0C, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002,
      0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
      0x180E, 0x200B, 0x1C, 0x1D, 0x1E, 0x1F, 0xFEFF};
  private static final int[] EMOJI = {0x1F431, 0x1F680, 0x2764, 0x1F468, 0x1F469, 0x1F467, 0x1F466, 0x1F44D,
      0x1F3F3, 0x1F308, 0x1F1FA, 0x1F1F8, 0x1F600, 0x1F937, 0x2642, 0x2640, 0x1F9D1, 0x1F4BB};

  private static final int[] MARKS = java.util.stream.IntStream.range(0x300, 0x110000).filter(cp -> {
    int t = Character.getType(cp);
    return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK;
  }).toArray();

  private final SplittableRandom rnd;

  TextGenerator(long seed) {
    rnd = new SplittableRandom(seed);
  }

  /** Fixed edge cases first, then n random strings, some of them long. */
  List<String> generate(int n) {
    List<String> out = new ArrayList<>(List.of("", " ", "   ", "\t\n\r ", "\u00a0\u3000", "\u0000", "x", "!", "'", "'s",
        "<|endoftext|>", "<|startoftext|>", "<|endoftext|><|endoftext|>", " <|endoftext|> ", "Σ", "ς", "ΣΣ", "İ",
        "\u0301", "e\u0301", "\u1100\u1161\u11a8", "\uD83D\uDC69\u200D\u2764\uFE0F\u200D\uD83D\uDC8B\u200D\uD83D\uDC68",
        "\uD83D\uDC4D\uD83C\uDFFD", "cat ".repeat(76), "cat ".repeat(75)));
    while (out.size() < n) {
      int r = rnd.nextInt(100);
      if (r < 3) {
        out.add(longText(1000 + rnd.nextInt(4000)));
      } else if (r < 6) {
        out.add(whitespaceOnly());
      } else {
        out.add(mixed(1 + rnd.nextInt(12)));
      }
    }
    return out;
  }

  private String whitespaceOnly() {
    StringBuilder b = new StringBuilder();
    int n = rnd.nextInt(6);
    for (int i = 0; i < n; i++) b.appendCodePoint(SPACES[rnd.nextInt(SPACES.length)]);
    return b.toString();
  }

  private String longText(int fragments) {
    StringBuilder b = new StringBuilder();
    if (rnd.nextBoolean()) {
      // one enormous word: exercises BPE on long symbol sequences
      int n = fragments;
      for (int i = 0; i < n; i++) b.append((char) ('a' + rnd.nextInt(26)));
      return b.toString();
    }
    for (int i = 0; i < fragments / 8; i++) b.append(fragment()).append(' ');
    return b.toString();
  }

  private String mixed(int fragments) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < fragments; i++) {
      b.append(fragment());
      if (rnd.nextInt(3) > 0) b.appendCodePoint(rnd.nextInt(4) == 0 ? SPACES[rnd.nextInt(SPACES.length)] : ' ');
    }
    return b.toString();
  }

  private String fragment() {
    StringBuilder b = new StringBuilder();
    switch (rnd.nextInt(22)) {
      case 0, 1, 2 -> b.append(WORDS[rnd.nextInt(WORDS.length)]);
      case 3 -> b.append(asciiWord(true));
      case 4 -> b.append(asciiWord(false));
      case 5 -> { // punctuation runs
        String p = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
        for (int i = 0, n = 1 + rnd.nextInt(6); i < n; i++) b.append(p.charAt(rnd.nextInt(p.length())));
      }
      case 6 -> { // digits
        for (int i = 0, n = 1 + rnd.nextInt(8); i < n; i++) b.append((char) ('0' + rnd.nextInt(10)));
      }
      case 7 -> { // Latin with accents: composed, or base + combining marks (decomposed / unusual stacks)
        for (int i = 0, n = 1 + rnd.nextInt(6); i < n; i++) {
          if (rnd.nextBoolean()) {
            b.appendCodePoint(0xC0 + rnd.nextInt(0x250 - 0xC0));
          } else {
            b.append((char) ((rnd.nextBoolean() ? 'a' : 'A') + rnd.nextInt(26)));
            for (int k = 0, m = rnd.nextInt(3); k < m; k++) b.appendCodePoint(0x300 + rnd.nextInt(0x70));
          }
        }
      }
      case 8 -> { // Greek, often with capital sigma at word ends
        for (int i = 0, n = 1 + rnd.nextInt(7); i < n; i++) b.appendCodePoint(0x391 + rnd.nextInt(0x3C9 - 0x391 + 1));
        if (rnd.nextBoolean()) b.append(rnd.nextBoolean() ? 'Σ' : 'ς');
        if (rnd.nextInt(4) == 0) b.appendCodePoint(0x1F00 + rnd.nextInt(0xFF));   // polytonic
      }
      case 9 -> { // Cyrillic
        for (int i = 0, n = 1 + rnd.nextInt(8); i < n; i++) b.appendCodePoint(0x400 + rnd.nextInt(0x100));
      }
      case 10 -> { // CJK, kana, Hangul syllables and conjoining jamo
        int kind = rnd.nextInt(4);
        for (int i = 0, n = 1 + rnd.nextInt(6); i < n; i++) {
          switch (kind) {
            case 0 -> b.appendCodePoint(0x4E00 + rnd.nextInt(0x5200));
            case 1 -> b.appendCodePoint(0x3041 + rnd.nextInt(0xBE));
            case 2 -> b.appendCodePoint(0xAC00 + rnd.nextInt(11172));
            default -> b.appendCodePoint(0x1100 + rnd.nextInt(0x100));
          }
        }
      }
      case 11 -> { // Arabic (letters, marks, digits) and Hebrew
        for (int i = 0, n = 1 + rnd.nextInt(8); i < n; i++) {
          b.appendCodePoint(rnd.nextInt(3) > 0 ? 0x600 + rnd.nextInt(0x100) : 0x5B0 + rnd.nextInt(0x40));
        }
      }
      case 12 -> { // emoji, ZWJ sequences, skin tones, variation selectors, flags
        for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) {
          b.appendCodePoint(EMOJI[rnd.nextInt(EMOJI.length)]);
          int m = rnd.nextInt(4);
          if (m == 1) b.appendCodePoint(0x1F3FB + rnd.nextInt(5));
          if (m == 2) b.append('\u200D');
          if (m == 3) b.append('\uFE0F');
        }
      }
      case 13 -> { // combining marks alone or stacked
        for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) {
          int[] ranges = {0x300, 0x1AB0, 0x1DC0, 0x20D0, 0xFE20};
          b.appendCodePoint(ranges[rnd.nextInt(ranges.length)] + rnd.nextInt(0x10));
        }
      }
      case 14 -> { // control characters
        for (int i = 0, n = 1 + rnd.nextInt(3); i < n; i++) {
          b.appendCodePoint(rnd.nextBoolean() ? rnd.nextInt(0x20) : 0x7F + rnd.nextInt(0x21));
        }
      }
      case 15 -> { // whitespace runs of every kind
        for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) b.appendCodePoint(SPACES[rnd.nextInt(SPACES.length)]);
      }
      case 16 -> b.append(SPECIAL[rnd.nextInt(SPECIAL.length)]);
      case 17 -> { // other scripts and symbols: Devanagari, Thai, math letters, fullwidth, compatibility forms
        int[] starts = {0x900, 0xE00, 0x1D400, 0xFF01, 0x2150, 0x2460, 0xFB00, 0x1E00, 0x2100, 0x3300};
        int s = starts[rnd.nextInt(starts.length)];
        for (int i = 0, n = 1 + rnd.nextInt(6); i < n; i++) b.appendCodePoint(s + rnd.nextInt(0x80));
      }
      case 18 -> { // any assigned, non-surrogate, non-private code point from the BMP
        for (int i = 0, n = 1 + rnd.nextInt(5); i < n; i++) {
          int cp;
          do {
            cp = rnd.nextInt(0x10000);
          } while (!Character.isDefined(cp) || Character.getType(cp) == Character.SURROGATE
              || Character.getType(cp) == Character.PRIVATE_USE);
          b.appendCodePoint(cp);
        }
      }
      case 19 -> { // a letter followed by marks drawn from every combining mark Java knows (any Unicode version)
        b.appendCodePoint(rnd.nextBoolean() ? 'a' + rnd.nextInt(26) : 0xC0 + rnd.nextInt(0x40));
        for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) b.appendCodePoint(MARKS[rnd.nextInt(MARKS.length)]);
      }
      case 20 -> { // any assigned code point outside the BMP (historic scripts, symbols, CJK extensions)
        for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) {
          int cp;
          do {
            cp = 0x10000 + rnd.nextInt(0x30000);
          } while (!Character.isDefined(cp) || Character.getType(cp) == Character.PRIVATE_USE);
          b.appendCodePoint(cp);
        }
      }
      default -> { // mixed-case ASCII with apostrophes
        String w = asciiWord(false);
        b.append(w).append('\'').append(rnd.nextBoolean() ? "S" : WORDS[rnd.nextInt(WORDS.length)]);
      }
    }
    return b.toString();
  }

  private String asciiWord(boolean lower) {
    StringBuilder b = new StringBuilder();
    for (int i = 0, n = 1 + rnd.nextInt(12); i < n; i++) {
      char c = (char) ('a' + rnd.nextInt(26));
      b.append(!lower && rnd.nextInt(3) == 0 ? Character.toUpperCase(c) : c);
    }
    return b.toString();
  }
}
