package dev.bgevl.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The heap-based merge loop against a naive reference (repeatedly merge the best pair, leftmost on ties). */
class BpeModelTest {
  @Test
  void heapMergeEqualsNaiveMergeOnRandomVocabularies() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int trial = 0; trial < 20; trial++) {
      // alphabet a..e, merges made by joining random existing tokens
      Map<String, Integer> vocab = new HashMap<>();
      List<String> tokens = new ArrayList<>();
      for (char c = 'a'; c <= 'e'; c++) {
        vocab.put(String.valueOf(c), tokens.size());
        tokens.add(String.valueOf(c));
      }
      LinkedHashSet<String> seenPairs = new LinkedHashSet<>();
      List<String[]> merges = new ArrayList<>();
      while (merges.size() < 60) {
        String a = tokens.get(rnd.nextInt(tokens.size()));
        String b = tokens.get(rnd.nextInt(tokens.size()));
        if (a.length() + b.length() > 6 || !seenPairs.add(a + " " + b)) continue;
        merges.add(new String[] {a, b});
        if (!vocab.containsKey(a + b)) {
          vocab.put(a + b, tokens.size());
          tokens.add(a + b);
        }
      }
      BpeModel bpe = new BpeModel("test", vocab, merges, null, null, null, false, false);
      Map<String, Integer> rank = new HashMap<>();
      for (int r = 0; r < merges.size(); r++) rank.put(merges.get(r)[0] + " " + merges.get(r)[1], r);
      for (int w = 0; w < 300; w++) {
        StringBuilder word = new StringBuilder();
        for (int i = 0, n = 1 + rnd.nextInt(w % 10 == 0 ? 200 : 12); i < n; i++) word.append((char) ('a' + rnd.nextInt(5)));
        int[] expected = naive(word.toString(), rank, vocab);
        assertArrayEquals(expected, bpe.tokenize(word.toString()), "trial " + trial + " word " + word);
      }
    }
  }

  private static int[] naive(String word, Map<String, Integer> rank, Map<String, Integer> vocab) {
    List<String> parts = new ArrayList<>();
    for (char c : word.toCharArray()) parts.add(String.valueOf(c));
    while (true) {
      int best = -1;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < parts.size(); i++) {
        Integer r = rank.get(parts.get(i) + " " + parts.get(i + 1));
        if (r != null && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      parts.set(best, parts.get(best) + parts.remove(best + 1));
    }
    return parts.stream().mapToInt(vocab::get).toArray();
  }

  @Test
  void endOfWordSuffixAndUnknowns() {
    Map<String, Integer> vocab = Map.of("a", 0, "b", 1, "b</w>", 2, "ab</w>", 3, "<unk>", 4);
    List<String[]> merges = List.<String[]>of(new String[] {"a", "b</w>"});
    BpeModel bpe = new BpeModel("test", vocab, merges, "<unk>", "", "</w>", false, false);
    assertArrayEquals(new int[] {3}, bpe.tokenize("ab"));
    assertArrayEquals(new int[] {0, 1, 2}, bpe.tokenize("abb"));
    assertArrayEquals(new int[] {4, 4, 3}, bpe.tokenize("xyab"));
    BpeModel fused = new BpeModel("test", vocab, merges, "<unk>", "", "</w>", true, false);
    assertArrayEquals(new int[] {4, 3}, fused.tokenize("xyab"));
    assertEquals(5, bpe.vocabSize());
    assertEquals("ab</w>", bpe.token(3));
  }
}
