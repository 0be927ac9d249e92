package dev.bgevl.tokenize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The added tokens of a tokenizer (special tokens such as {@code <|endoftext|>} and user-added
 * ones) found in text, as {@code tokenizers}' {@code AddedVocabulary} finds them: leftmost-longest
 * matches, not overlapping; a match refused by {@code single_word} is still consumed; {@code lstrip}
 * / {@code rstrip} widen a match over adjacent whitespace. Tokens with {@code normalized: true} are
 * matched in the normalized text (their content normalized the same way), the others in the raw text.
 */
final class AddedTokens {
  /** One entry of {@code added_tokens}. */
  record Token(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
               boolean normalized, boolean special) {}

  /** A matched span [start, end) with its token id; id -1 for the text between matches. */
  record Span(int start, int end, int id) {}

  private static final Pattern WORD_CHAR = Pattern.compile("\\w", Pattern.UNICODE_CHARACTER_CLASS);

  private final Node root = new Node();
  private final Map<Integer, Token> byId = new HashMap<>();
  private final boolean empty;
  private final List<Token> tokens;
  private final String firstChars;   // the distinct first characters of the patterns

  /** @param patterns the string each token is matched as (its content, normalized if it says so) */
  AddedTokens(List<Token> tokens, List<String> patterns) {
    for (int t = 0; t < tokens.size(); t++) {
      String p = patterns.get(t);
      if (p.isEmpty()) continue;
      Node n = root;
      for (int i = 0; i < p.length(); i++) n = n.children.computeIfAbsent(p.charAt(i), k -> new Node());
      n.tokenId = tokens.get(t).id();
      byId.put(tokens.get(t).id(), tokens.get(t));
    }
    empty = root.children.isEmpty();
    this.tokens = List.copyOf(tokens);
    StringBuilder first = new StringBuilder();
    for (Character c : root.children.keySet()) first.append(c.charValue());
    this.firstChars = first.toString();
  }

  List<Token> tokens() {
    return tokens;
  }

  /** False when s cannot contain a match (none of the patterns' first characters occurs). */
  boolean mayMatch(String s) {
    for (int k = 0; k < firstChars.length(); k++) {
      if (s.indexOf(firstChars.charAt(k)) >= 0) return true;
    }
    return false;
  }

  boolean isEmpty() {
    return empty;
  }

  /** Splits s into matched tokens and the text between them (empty gaps omitted). */
  List<Span> split(String s) {
    List<Span> out = new ArrayList<>(3);
    if (empty) {
      if (!s.isEmpty()) out.add(new Span(0, s.length(), -1));
      return out;
    }
    int n = s.length();
    int emitted = 0;   // end of the last emitted span
    int i = 0;
    while (i < n) {
      // leftmost-longest: the longest pattern starting at i, else move on
      Node node = root;
      int matchEnd = -1;
      int matchId = -1;
      for (int j = i; j < n; j++) {
        node = node.children.get(s.charAt(j));
        if (node == null) break;
        if (node.tokenId >= 0) {
          matchEnd = j + 1;
          matchId = node.tokenId;
        }
      }
      if (matchEnd < 0) {
        i++;
        continue;
      }
      Token tok = byId.get(matchId);
      int start = i;
      int stop = matchEnd;
      i = matchEnd;
      if (tok.singleWord()) {
        boolean startOk = start == 0 || !isWordChar(s.codePointBefore(start));
        boolean stopOk = stop == n || !isWordChar(s.codePointAt(stop));
        if (!startOk || !stopOk) continue;
      }
      if (tok.lstrip()) {
        int k = start;
        while (k > 0 && Chars.isSpace(s.codePointBefore(k))) k -= Character.charCount(s.codePointBefore(k));
        start = Math.max(k, emitted);
      }
      if (tok.rstrip()) {
        while (stop < n && Chars.isSpace(s.codePointAt(stop))) stop += Character.charCount(s.codePointAt(stop));
        i = stop;
      }
      if (emitted < start) out.add(new Span(emitted, start, -1));
      out.add(new Span(start, stop, matchId));
      emitted = stop;
    }
    if (emitted < n) out.add(new Span(emitted, n, -1));
    return out;
  }

  private static boolean isWordChar(int cp) {
    return WORD_CHAR.matcher(Character.toString(cp)).matches();
  }

  private static final class Node {
    final Map<Character, Node> children = new HashMap<>(4);
    int tokenId = -1;
  }
}
