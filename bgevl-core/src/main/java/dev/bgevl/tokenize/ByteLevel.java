package dev.bgevl.tokenize;

/**
 * GPT-2's reversible byte ↔ character mapping: every byte value gets one printable character, so a
 * BPE vocabulary over these characters covers arbitrary UTF-8 without an unknown token. Printable
 * Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves; the 68 others map, in byte order,
 * to U+0100, U+0101, …
 */
final class ByteLevel {
  /** byte value (0..255) → its character. */
  private static final char[] BYTE_TO_CHAR = new char[256];
  /** character (< 0x200) → byte value, or -1. */
  private static final int[] CHAR_TO_BYTE = new int[0x200];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int next = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char c = printable ? (char) b : (char) (0x100 + next++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevel() {}

  static char charOf(int byteValue) {
    return BYTE_TO_CHAR[byteValue & 0xFF];
  }

  /** The byte a mapped character stands for, or -1 when {@code c} is not a byte-level character. */
  static int byteOf(char c) {
    return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
  }

  /** The byte-level string of some UTF-8 bytes: one character per byte. */
  static String encode(byte[] utf8, int from, int to) {
    char[] out = new char[to - from];
    for (int i = from; i < to; i++) out[i - from] = BYTE_TO_CHAR[utf8[i] & 0xFF];
    return new String(out);
  }
}
