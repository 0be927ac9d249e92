package dev.bgevl.tokenize;

/**
 * CLIP's pre-tokenizer: {@code Split} on
 * {@code 's|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+} keeping the matches
 * (behaviour {@code Removed}, {@code invert: true}), written as a scanner instead of a regex.
 *
 * <p>Every character other than whitespace is matched by one alternative, so the dropped gaps are
 * exactly the whitespace. The pieces are a contraction, a run of letters, one number character, or
 * a run of other non-space characters. The {@code ByteLevel} step that follows in
 * {@code tokenizer.json} (with {@code use_regex}) re-splits each piece with GPT-2's regex, which
 * returns such a single-class, space-free piece unchanged, so it is not run again here.
 */
final class ClipPreTokenizer {
  private ClipPreTokenizer() {}

  /** Receives pieces as [start, end) char ranges of the scanned text. */
  interface Sink {
    void piece(int start, int end);
  }

  static void split(String s, int from, int to, Sink sink) {
    int i = from;
    while (i < to) {
      char c = s.charAt(i);
      if (c < 0x80) {
        // ASCII fast path
        if (c == ' ' || (c >= 0x09 && c <= 0x0D)) {
          i++;
          continue;
        }
        if (c == '\'') {
          int len = contraction(s, i, to);
          if (len > 0) {
            sink.piece(i, i + len);
            i += len;
            continue;
          }
        }
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
          int j = i + 1;
          while (j < to) {
            char d = s.charAt(j);
            if (d < 0x80 ? ((d | 0x20) >= 'a' && (d | 0x20) <= 'z') : Chars.isLetter(s.codePointAt(j))) {
              j += Character.charCount(s.codePointAt(j));
            } else {
              break;
            }
          }
          sink.piece(i, j);
          i = j;
          continue;
        }
        if (c >= '0' && c <= '9') {
          sink.piece(i, i + 1);
          i++;
          continue;
        }
        i = other(s, i, to, sink);
        continue;
      }
      int cp = s.codePointAt(i);
      int w = Character.charCount(cp);
      if (Chars.isSpace(cp)) {
        i += w;
      } else if (Chars.isLetter(cp)) {
        int j = i + w;
        while (j < to) {
          int d = s.codePointAt(j);
          if (!Chars.isLetter(d)) break;
          j += Character.charCount(d);
        }
        sink.piece(i, j);
        i = j;
      } else if (Chars.isNumber(cp)) {
        sink.piece(i, i + w);
        i += w;
      } else {
        i = other(s, i, to, sink);
      }
    }
  }

  /** A run of characters that are neither space, letter nor number, starting at i. */
  private static int other(String s, int i, int to, Sink sink) {
    int j = i;
    while (j < to) {
      int d = s.codePointAt(j);
      if (Chars.isSpace(d) || Chars.isLetter(d) || Chars.isNumber(d)) break;
      j += Character.charCount(d);
    }
    sink.piece(i, j);
    return j;
  }

  /** Length of the contraction ('s 't 're 've 'm 'll 'd) at i, or 0. Case-sensitive, like the regex. */
  private static int contraction(String s, int i, int to) {
    if (i + 1 >= to) return 0;
    char a = s.charAt(i + 1);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (i + 2 >= to) return 0;
    char b = s.charAt(i + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
  }
}
