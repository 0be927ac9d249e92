package dev.bgevl.tokenize;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Canonical normalization (NFC, NFD) over the Unicode 9.0 character data, because that is what
 * Hugging Face {@code tokenizers} uses (its crate {@code unicode-normalization-alignments} 0.1.12):
 * Java's own {@link java.text.Normalizer} knows marks assigned since (U+1ABF, ccc 220, for one) and
 * would reorder and compose them where the reference leaves them alone, giving other token ids.
 *
 * <p>The algorithm is UAX #15: full canonical decomposition (Hangul algorithmically), canonical
 * ordering of each run of non-starters by combining class (stable), then canonical composition
 * (a mark composes with the last starter unless blocked). Data: {@code unicode9-nfc.txt}, made by
 * {@code tools/make_unicode9_nfc.py}.
 */
final class Nfc {
  private static final int S_BASE = 0xAC00, L_BASE = 0x1100, V_BASE = 0x1161, T_BASE = 0x11A7;
  private static final int L_COUNT = 19, V_COUNT = 21, T_COUNT = 28, N_COUNT = V_COUNT * T_COUNT, S_COUNT = L_COUNT * N_COUNT;

  private static final byte[] CCC = new byte[0x110000];          // combining class (unsigned byte)
  private static final Map<Integer, int[]> DECOMPOSITION = new HashMap<>(4096);
  private static final Map<Long, Integer> COMPOSITION = new HashMap<>(2048);
  /** Below this code point nothing has a non-zero class, a decomposition that NFC keeps, or composes as second. */
  static final int FAST_LIMIT = 0x300;

  static {
    try (InputStream in = Nfc.class.getResourceAsStream("unicode9-nfc.txt")) {
      if (in == null) throw new IllegalStateException("resource dev/bgevl/tokenize/unicode9-nfc.txt missing");
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isEmpty() || line.charAt(0) == '#') continue;
        String[] f = line.split(" ");
        switch (f[0]) {
          case "c" -> CCC[Integer.parseInt(f[1], 16)] = (byte) Integer.parseInt(f[2]);
          case "d" -> {
            int[] d = new int[f.length - 2];
            for (int i = 0; i < d.length; i++) d[i] = Integer.parseInt(f[i + 2], 16);
            DECOMPOSITION.put(Integer.parseInt(f[1], 16), d);
          }
          case "p" -> COMPOSITION.put(pair(Integer.parseInt(f[1], 16), Integer.parseInt(f[2], 16)), Integer.parseInt(f[3], 16));
          default -> throw new IllegalStateException("unicode9-nfc.txt: bad line " + line);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Nfc() {}

  private static long pair(int a, int b) {
    return ((long) a << 32) | b;
  }

  static int ccc(int cp) {
    return CCC[cp] & 0xFF;
  }

  static String nfc(String s) {
    if (isBelow(s, FAST_LIMIT)) return s;
    int[] d = decompose(s);
    int n = compose(d, d.length);
    return new String(d, 0, n);
  }

  static String nfd(String s) {
    if (isBelow(s, 0xC0)) return s;   // À and the other Latin-1 letters decompose
    int[] d = decompose(s);
    return new String(d, 0, d.length);
  }

  private static boolean isBelow(String s, int limit) {
    for (int i = 0, n = s.length(); i < n; i++) {
      if (s.charAt(i) >= limit) return false;
    }
    return true;
  }

  /** Full canonical decomposition and canonical ordering. */
  private static int[] decompose(String s) {
    int[] out = new int[s.length() * 2 + 4];
    int n = 0;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (n + 4 > out.length) out = java.util.Arrays.copyOf(out, out.length * 2);
      int si = cp - S_BASE;
      if (si >= 0 && si < S_COUNT) {
        out[n++] = L_BASE + si / N_COUNT;
        out[n++] = V_BASE + (si % N_COUNT) / T_COUNT;
        if (si % T_COUNT != 0) out[n++] = T_BASE + si % T_COUNT;
        continue;
      }
      int[] d = DECOMPOSITION.get(cp);
      if (d == null) {
        out[n++] = cp;
      } else {
        if (n + d.length > out.length) out = java.util.Arrays.copyOf(out, out.length * 2 + d.length);
        for (int c : d) out[n++] = c;
      }
    }
    // canonical ordering: stable insertion sort of each run of non-starters by class
    for (int i = 1; i < n; i++) {
      int c = out[i];
      int cc = ccc(c);
      if (cc == 0) continue;
      int j = i;
      while (j > 0 && ccc(out[j - 1]) > cc) {
        out[j] = out[j - 1];
        j--;
      }
      out[j] = c;
    }
    return java.util.Arrays.copyOf(out, n);
  }

  /** Canonical composition in place; returns the new length. */
  private static int compose(int[] a, int n) {
    if (n == 0) return 0;
    int starterPos = -1;   // index in the output of the last starter that may still compose
    int lastClass = -1;    // class of the last character appended after that starter; -1: none
    int out = 0;
    for (int i = 0; i < n; i++) {
      int c = a[i];
      int cc = ccc(c);
      // blocked when something of class 0 or ≥ cc came between the starter and c
      if (starterPos >= 0 && (lastClass == -1 || lastClass < cc)) {
        int composite = composePair(a[starterPos], c);
        if (composite >= 0) {
          a[starterPos] = composite;
          continue;
        }
      }
      if (cc == 0) {
        starterPos = out;
        lastClass = -1;
      } else {
        lastClass = cc;
      }
      a[out++] = c;
    }
    return out;
  }

  private static int composePair(int a, int b) {
    int li = a - L_BASE;
    if (li >= 0 && li < L_COUNT) {
      int vi = b - V_BASE;
      if (vi >= 0 && vi < V_COUNT) return S_BASE + (li * V_COUNT + vi) * T_COUNT;
      return -1;
    }
    int si = a - S_BASE;
    if (si >= 0 && si < S_COUNT && si % T_COUNT == 0) {
      int ti = b - T_BASE;
      if (ti > 0 && ti < T_COUNT) return a + ti;
      return -1;
    }
    Integer r = COMPOSITION.get(pair(a, b));
    return r == null ? -1 : r;
  }
}
