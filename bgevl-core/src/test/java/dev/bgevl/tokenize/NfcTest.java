package dev.bgevl.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.text.Normalizer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Unicode 9.0 NFC/NFD: agrees with Java's for characters that Unicode 9 already had; differs after. */
class NfcTest {
  /** Ranges fully assigned by Unicode 9.0 (Latin, combining marks, Greek, Cyrillic, Hebrew, Hangul jamo and syllables, kana). */
  private static final int[][] OLD_RANGES = {{0x41, 0x7A}, {0xC0, 0x24F}, {0x300, 0x34E}, {0x350, 0x36F},
      {0x391, 0x3A1}, {0x3A3, 0x3C9}, {0x400, 0x4FF}, {0x5B0, 0x5C7}, {0x1100, 0x11FF}, {0xAC00, 0xD7A3},
      {0x3041, 0x3096}, {0x3099, 0x309C}, {0x1E00, 0x1EFF}, {0x1F00, 0x1F15}, {0x20D0, 0x20F0}, {0x0CC6, 0x0CC8},
      {0x0CD5, 0x0CD6}, {0x0B47, 0x0B4D}, {0x0B3E, 0x0B3F}, {0x0B56, 0x0B57}};

  @Test
  void agreesWithJavaOnCharactersAssignedByUnicode9() {
    SplittableRandom rnd = new SplittableRandom(3);
    for (int t = 0; t < 20_000; t++) {
      StringBuilder b = new StringBuilder();
      for (int i = 0, n = 1 + rnd.nextInt(8); i < n; i++) {
        int[] r = OLD_RANGES[rnd.nextInt(OLD_RANGES.length)];
        b.appendCodePoint(r[0] + rnd.nextInt(r[1] - r[0] + 1));
      }
      String s = b.toString();
      assertEquals(Normalizer.normalize(s, Normalizer.Form.NFC), Nfc.nfc(s), () -> "NFC of " + hex(s));
      assertEquals(Normalizer.normalize(s, Normalizer.Form.NFD), Nfc.nfd(s), () -> "NFD of " + hex(s));
    }
  }

  @Test
  void marksAssignedAfterUnicode9AreLeftAlone() {
    // U+1ABF (Unicode 14, class 220). Java knows it as a mark, so U+0300 after it still composes with
    // the 'a'; for tokenizers' Unicode 9 data it is an unassigned starter that blocks the composition
    assertEquals("\u00E0\u1ABF", Normalizer.normalize("a\u1ABF\u0300", Normalizer.Form.NFC));
    assertEquals("a\u1ABF\u0300", Nfc.nfc("a\u1ABF\u0300"));
    // and it is not reordered before a mark of class 230
    assertEquals("\u00E0\u1ABF", Nfc.nfc("a\u0300\u1ABF"));
    assertEquals("e\u0301\u1ABF", Nfc.nfd("\u00E9\u1ABF"));
    assertEquals("e\u1ABF\u0301", Normalizer.normalize("\u00E9\u1ABF", Normalizer.Form.NFD));
  }

  @Test
  void hangulAndCompositionBasics() {
    assertEquals("\uAC01", Nfc.nfc("\u1100\u1161\u11A8"));
    assertEquals("\u1100\u1161\u11A8", Nfc.nfd("\uAC01"));
    assertEquals("\u1E09", Nfc.nfc("c\u0327\u0301"));        // ḉ
    assertEquals("\u1E09", Nfc.nfc("c\u0301\u0327"));        // reordered, then composed
    assertEquals("e\u0301", Nfc.nfd("\u00E9"));
    assertEquals("plain ascii", Nfc.nfc("plain ascii"));
  }

  private static String hex(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().forEach(cp -> b.append(String.format("%04X ", cp)));
    return b.toString();
  }
}
