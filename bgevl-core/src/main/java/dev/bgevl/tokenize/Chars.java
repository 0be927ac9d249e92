package dev.bgevl.tokenize;

/**
 * The character classes of the regexes in CLIP's {@code tokenizer.json}, with the meaning
 * Oniguruma (the regex engine {@code tokenizers} uses for them) gives them on Unicode text.
 * Java's {@link Character} tables supply the Unicode data; they may be a newer Unicode version
 * than the Rust build's, which only matters for characters assigned in between.
 */
final class Chars {
  private Chars() {}

  /** {@code \s}: U+0009–U+000D, U+0085 and the separators Zs, Zl, Zp (White_Space). */
  static boolean isSpace(int cp) {
    if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
    return cp == 0x85 || Character.isSpaceChar(cp);
  }

  /** {@code \p{L}}: Lu, Ll, Lt, Lm, Lo. */
  static boolean isLetter(int cp) {
    if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
    return Character.isLetter(cp);
  }

  /** {@code \p{N}}: Nd, Nl, No. */
  static boolean isNumber(int cp) {
    if (cp < 0x80) return cp >= '0' && cp <= '9';
    int t = Character.getType(cp);
    return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
  }
}
