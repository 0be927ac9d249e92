package dev.bgevl.tokenize;

import dev.bgevl.BgeVlException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A byte-pair-encoding model: a vocabulary and a ranked merge table, applied to one pre-tokenized
 * word at a time. Independent of how words are made (CLIP's byte-level words with an end-of-word
 * suffix here; SentencePiece-style words with byte fallback can reuse {@link #merge}).
 *
 * <p>Merge order is Hugging Face {@code tokenizers}' {@code Word::merge_all}: repeatedly merge the
 * adjacent pair with the lowest merge rank, the leftmost one on ties, until no adjacent pair has a
 * merge. A later duplicate of a merge line overrides the earlier one's rank, as in its hash map.
 *
 * <p>Immutable and thread-safe.
 */
public final class BpeModel {
  private final String[] idToToken;            // [vocabSize]; null for ids the vocabulary skips
  private final Map<String, Integer> tokenToId;
  private final MergeTable merges;
  private final int unkId;                     // -1: none
  private final String continuingSubwordPrefix; // "" when unset
  private final String endOfWordSuffix;          // "" when unset
  private final boolean fuseUnk;
  private final boolean ignoreMerges;

  /**
   * @param source the file the model comes from, named in errors
   * @param merges pairs of token strings in rank order
   * @param unkToken nullable
   */
  public BpeModel(String source, Map<String, Integer> vocab, List<String[]> merges, String unkToken,
                  String continuingSubwordPrefix, String endOfWordSuffix, boolean fuseUnk, boolean ignoreMerges) {
    this.tokenToId = Map.copyOf(vocab);
    int maxId = -1;
    for (Map.Entry<String, Integer> e : vocab.entrySet()) {
      if (e.getValue() < 0) {
        throw new BgeVlException(source + ": vocabulary token '" + e.getKey() + "' has negative id " + e.getValue());
      }
      maxId = Math.max(maxId, e.getValue());
    }
    this.idToToken = new String[maxId + 1];
    for (Map.Entry<String, Integer> e : vocab.entrySet()) idToToken[e.getValue()] = e.getKey();
    this.continuingSubwordPrefix = continuingSubwordPrefix == null ? "" : continuingSubwordPrefix;
    this.endOfWordSuffix = endOfWordSuffix == null ? "" : endOfWordSuffix;
    this.fuseUnk = fuseUnk;
    this.ignoreMerges = ignoreMerges;
    if (unkToken != null) {
      Integer id = vocab.get(unkToken);
      if (id == null) throw new BgeVlException(source + ": unk_token '" + unkToken + "' is not in the vocabulary");
      this.unkId = id;
    } else {
      this.unkId = -1;
    }
    this.merges = new MergeTable(merges.size());
    int prefixLen = this.continuingSubwordPrefix.length();
    for (int rank = 0; rank < merges.size(); rank++) {
      String[] pair = merges.get(rank);
      Integer a = vocab.get(pair[0]);
      Integer b = vocab.get(pair[1]);
      if (a == null || b == null) {
        throw new BgeVlException(source + ": merge " + (rank + 1) + " '" + pair[0] + " " + pair[1] + "' names token '"
            + (a == null ? pair[0] : pair[1]) + "' that is not in the vocabulary");
      }
      String right = prefixLen > 0 && pair[1].startsWith(this.continuingSubwordPrefix) ? pair[1].substring(prefixLen) : pair[1];
      String mergedToken = pair[0] + right;
      Integer merged = vocab.get(mergedToken);
      if (merged == null) {
        throw new BgeVlException(source + ": merge " + (rank + 1) + " '" + pair[0] + " " + pair[1]
            + "' makes token '" + mergedToken + "' that is not in the vocabulary");
      }
      this.merges.put(a, b, rank, merged);
    }
  }

  /** The vocabulary size: one more than the largest id. */
  public int vocabSize() {
    return idToToken.length;
  }

  /** The token string of an id, or null when the vocabulary has no such id. */
  public String token(int id) {
    return id >= 0 && id < idToToken.length ? idToToken[id] : null;
  }

  /** The id of a token string, or -1. */
  public int id(String token) {
    Integer id = tokenToId.get(token);
    return id == null ? -1 : id;
  }

  public int unkId() {
    return unkId;
  }

  public String endOfWordSuffix() {
    return endOfWordSuffix;
  }

  /** Tokenizes one word (a pre-tokenized piece): characters, prefix/suffix, unknowns, then merges. */
  public int[] tokenize(String word) {
    if (word.isEmpty()) return new int[0];
    if (ignoreMerges) {
      Integer whole = tokenToId.get(word + endOfWordSuffix);
      if (whole != null) return new int[] {whole};
    }
    int[] symbols = new int[word.length()];
    int n = 0;
    boolean lastWasUnk = false;
    for (int i = 0; i < word.length(); ) {
      int cp = word.codePointAt(i);
      int end = i + Character.charCount(cp);
      String s = word.substring(i, end);
      if (i > 0) s = continuingSubwordPrefix + s;
      if (end == word.length()) s = s + endOfWordSuffix;
      Integer id = tokenToId.get(s);
      if (id != null) {
        symbols[n++] = id;
        lastWasUnk = false;
      } else if (unkId >= 0) {
        if (!(fuseUnk && lastWasUnk)) symbols[n++] = unkId;
        lastWasUnk = true;
      }
      i = end;
    }
    return merge(symbols, n);
  }

  /**
   * Applies the merges to a word given as symbol ids {@code symbols[0..n)}; returns the merged ids.
   * Uses a binary heap of candidate pairs keyed by (rank, position) over a linked list of symbols, so
   * a word of n symbols costs O(n log n) even for pathological inputs (a 100k-letter word).
   */
  public int[] merge(int[] symbols, int n) {
    if (n <= 1) return Arrays.copyOf(symbols, n);
    int[] sym = Arrays.copyOf(symbols, n);
    int[] prev = new int[n];
    int[] next = new int[n];
    for (int i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    // heap entries: rank << 32 | position; smallest first, so equal ranks pop leftmost first
    long[] heap = new long[n];
    int size = 0;
    for (int i = 0; i + 1 < n; i++) {
      long m = merges.get(sym[i], sym[i + 1]);
      if (m != MergeTable.NONE) size = heapPush(heap, size, (m & 0xFFFF_FFFF_0000_0000L) | i);
    }
    int alive = n;
    while (size > 0) {
      long top = heap[0];
      size = heapPop(heap, size);
      int pos = (int) top;
      int rank = (int) (top >>> 32);
      if (sym[pos] < 0) continue;            // merged into its left neighbour
      int right = next[pos];
      if (right < 0) continue;
      long m = merges.get(sym[pos], sym[right]);
      if (m == MergeTable.NONE || (int) (m >>> 32) != rank) continue; // stale: the pair changed
      sym[pos] = (int) m;
      sym[right] = -1;
      alive--;
      int after = next[right];
      next[pos] = after;
      if (after >= 0) prev[after] = pos;
      if (size + 2 > heap.length) heap = Arrays.copyOf(heap, heap.length * 2);
      int before = prev[pos];
      if (before >= 0) {
        long mp = merges.get(sym[before], sym[pos]);
        if (mp != MergeTable.NONE) size = heapPush(heap, size, (mp & 0xFFFF_FFFF_0000_0000L) | before);
      }
      if (after >= 0) {
        long mn = merges.get(sym[pos], sym[after]);
        if (mn != MergeTable.NONE) size = heapPush(heap, size, (mn & 0xFFFF_FFFF_0000_0000L) | pos);
      }
    }
    int[] out = new int[alive];
    int k = 0;
    for (int i = 0; i >= 0; i = next[i]) out[k++] = sym[i];
    return out;
  }

  private static int heapPush(long[] heap, int size, long v) {
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (heap[parent] <= v) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = v;
    return size;
  }

  private static int heapPop(long[] heap, int size) {
    long last = heap[--size];
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && heap[child + 1] < heap[child]) child++;
      if (heap[child] >= last) break;
      heap[i] = heap[child];
      i = child;
    }
    if (size > 0) heap[i] = last;
    return size;
  }

  /** Open-addressing map (left id, right id) → rank << 32 | merged id. */
  private static final class MergeTable {
    static final long NONE = -1L;
    private final long[] keys;
    private final long[] values;
    private final int mask;

    MergeTable(int expected) {
      int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
      keys = new long[cap];
      values = new long[cap];
      Arrays.fill(keys, -1L);
      mask = cap - 1;
    }

    private static long key(int a, int b) {
      return ((long) a << 32) | (b & 0xFFFF_FFFFL);
    }

    private int slot(long key) {
      long h = key * 0x9E37_79B9_7F4A_7C15L;
      return (int) (h >>> 40) & mask;
    }

    void put(int a, int b, int rank, int merged) {
      long k = key(a, b);
      int i = slot(k);
      while (keys[i] != -1L && keys[i] != k) i = (i + 1) & mask;
      keys[i] = k;
      values[i] = ((long) rank << 32) | (merged & 0xFFFF_FFFFL);
    }

    long get(int a, int b) {
      long k = key(a, b);
      int i = slot(k);
      while (true) {
        long stored = keys[i];
        if (stored == k) return values[i];
        if (stored == -1L) return NONE;
        i = (i + 1) & mask;
      }
    }
  }
}
