package dev.bgevl.tokenize;

import dev.bgevl.BgeVlException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CLIP's text tokenizer, giving the ids of Hugging Face's {@code CLIPTokenizerFast} (the Rust
 * {@code tokenizers} pipeline of the model's {@code tokenizer.json}):
 * <ol>
 *   <li>added tokens that are not normalized are found in the raw text;</li>
 *   <li>the rest is normalized: NFC, each whitespace run → one space, per-character lowercase;</li>
 *   <li>normalized added tokens ({@code <|startoftext|>}, {@code <|endoftext|>} in CLIP) are found
 *       in the normalized text, so {@code "<|EndOfText|>"} typed in a caption is the EOS token;</li>
 *   <li>the rest is split into words by CLIP's regex ({@link ClipPreTokenizer});</li>
 *   <li>each word's UTF-8 bytes become byte-level symbols, the last one with {@code </w>}, and are
 *       merged by BPE ({@link BpeModel}); results are cached per word;</li>
 *   <li>BOS and EOS are added; texts longer than {@link #maxLength()} keep BOS, their first
 *       max−2 tokens and EOS, and are flagged (or refused, with {@link Truncation#ERROR}).</li>
 * </ol>
 * Thread-safe after {@link #load}. Lone UTF-16 surrogates (not valid Unicode, so never seen by the
 * Rust tokenizer) are read as U+FFFD.
 */
public final class ClipTokenizer {
  /** What to do with a text longer than {@link #maxLength()} tokens. */
  public enum Truncation {
    /** Keep BOS, the first max−2 tokens and EOS; set {@link Encoding#truncated()}. */
    TRUNCATE,
    /** Throw a {@link BgeVlException} naming the text, its token count and the limit. */
    ERROR
  }

  private static final int CACHE_CAPACITY = 100_000;
  private static final int MAX_CACHED_WORD = 256;  // chars; longer words are rare and would bloat the cache

  private final BpeModel bpe;
  private final List<TextNormalizer> normalizers;
  private final AddedTokens rawAdded;         // added tokens matched before normalization
  private final AddedTokens normalizedAdded;  // added tokens matched in normalized text
  private final Map<Integer, String> addedContent = new HashMap<>();
  private final Set<Integer> specialIds = new HashSet<>();
  private final int[] prefixIds;
  private final int[] suffixIds;
  private final int padId;
  private final int maxLength;
  private final boolean cleanUpSpaces;
  private final String endOfWordSuffix;
  private final Truncation truncation;
  private final int[] byteIds = new int[256];       // symbol id of a byte inside a word (-1: not in vocab)
  private final int[] lastByteIds = new int[256];   // symbol id of a word's last byte (with </w>)
  private final boolean byteFastPath;
  private final ConcurrentHashMap<String, int[]> cache;

  private ClipTokenizer(TokenizerFiles.Spec spec, Truncation truncation, ConcurrentHashMap<String, int[]> cache) {
    this.bpe = spec.bpe();
    this.normalizers = List.copyOf(spec.normalizers());
    List<AddedTokens.Token> raw = new ArrayList<>();
    List<String> rawPatterns = new ArrayList<>();
    List<AddedTokens.Token> norm = new ArrayList<>();
    List<String> normPatterns = new ArrayList<>();
    for (AddedTokens.Token t : spec.addedTokens()) {
      addedContent.put(t.id(), t.content());
      if (t.special()) specialIds.add(t.id());
      if (t.normalized()) {
        norm.add(t);
        normPatterns.add(TextNormalizer.applyAll(normalizers, t.content()));
      } else {
        raw.add(t);
        rawPatterns.add(t.content());
      }
    }
    this.rawAdded = new AddedTokens(raw, rawPatterns);
    this.normalizedAdded = new AddedTokens(norm, normPatterns);
    this.prefixIds = spec.prefixIds().clone();
    this.suffixIds = spec.suffixIds().clone();
    this.padId = spec.padId();
    this.maxLength = spec.maxLength();
    if (maxLength < prefixIds.length + suffixIds.length) {
      throw new BgeVlException("tokenizer: model max length " + maxLength + " leaves no room for BOS and EOS");
    }
    this.cleanUpSpaces = spec.cleanUpSpaces();
    this.endOfWordSuffix = spec.endOfWordSuffix() == null ? "" : spec.endOfWordSuffix();
    this.truncation = truncation;
    boolean fast = true;
    for (int b = 0; b < 256; b++) {
      String c = String.valueOf(ByteLevel.charOf(b));
      byteIds[b] = bpe.id(c);
      lastByteIds[b] = bpe.id(c + endOfWordSuffix);
      fast &= byteIds[b] >= 0 && lastByteIds[b] >= 0;
    }
    this.byteFastPath = fast;
    this.cache = cache;
  }

  /** Loads {@code tokenizer.json} (else {@code vocab.json} + {@code merges.txt}) and configs from a model folder. */
  public static ClipTokenizer load(Path modelDir) {
    return load(modelDir, Truncation.TRUNCATE);
  }

  public static ClipTokenizer load(Path modelDir, Truncation truncation) {
    return new ClipTokenizer(TokenizerFiles.load(modelDir), truncation, new ConcurrentHashMap<>());
  }

  /** The same tokenizer (sharing its word cache) with another truncation policy. */
  public ClipTokenizer withTruncation(Truncation t) {
    if (t == truncation) return this;
    return new ClipTokenizer(new TokenizerFiles.Spec(bpe, normalizers, allAddedTokens(), prefixIds, suffixIds, padId,
        maxLength, cleanUpSpaces, endOfWordSuffix), t, cache);
  }

  private List<AddedTokens.Token> allAddedTokens() {
    List<AddedTokens.Token> out = new ArrayList<>();
    out.addAll(rawAdded.tokens());
    out.addAll(normalizedAdded.tokens());
    return out;
  }

  public int padId() { return padId; }
  public int bosId() { return prefixIds.length > 0 ? prefixIds[0] : -1; }
  public int eosId() { return suffixIds.length > 0 ? suffixIds[suffixIds.length - 1] : -1; }
  public int maxLength() { return maxLength; }
  public int vocabSize() { return bpe.vocabSize(); }
  public Truncation truncation() { return truncation; }

  /** The token string of an id (byte-level characters, {@code </w>} on word ends), or null. */
  public String token(int id) {
    String added = addedContent.get(id);
    return added != null ? added : bpe.token(id);
  }

  /** BOS + tokens + EOS, truncated (or refused) at {@link #maxLength()} per this tokenizer's policy. */
  public Encoding encode(String text) {
    return encode(text, truncation);
  }

  public Encoding encode(String text, Truncation policy) {
    IntList content = new IntList(Math.max(8, text.length() / 3));
    tokenizeInto(text, content);
    int room = maxLength - prefixIds.length - suffixIds.length;
    boolean truncated = content.size > room;
    if (truncated && policy == Truncation.ERROR) {
      throw new BgeVlException("text '" + TokenizerFiles.abbreviate(text) + "' has "
          + (content.size + prefixIds.length + suffixIds.length) + " tokens (with BOS and EOS), more than the model's limit of "
          + maxLength);
    }
    int kept = truncated ? room : content.size;
    int[] ids = new int[prefixIds.length + kept + suffixIds.length];
    System.arraycopy(prefixIds, 0, ids, 0, prefixIds.length);
    System.arraycopy(content.data, 0, ids, prefixIds.length, kept);
    System.arraycopy(suffixIds, 0, ids, prefixIds.length + kept, suffixIds.length);
    String[] tokens = new String[ids.length];
    for (int i = 0; i < ids.length; i++) tokens[i] = token(ids[i]);
    return new Encoding(ids, tokens, truncated);
  }

  /** The ids of a text without BOS/EOS and without any length limit. */
  public int[] tokenIds(String text) {
    IntList content = new IntList(Math.max(8, text.length() / 3));
    tokenizeInto(text, content);
    return Arrays.copyOf(content.data, content.size);
  }

  /** Encodes texts and pads them to the longest with {@link #padId()}, with an attention mask. */
  public EncodedBatch encodeBatch(List<String> texts) {
    return encodeBatch(texts, truncation);
  }

  public EncodedBatch encodeBatch(List<String> texts, Truncation policy) {
    List<Encoding> encodings = new ArrayList<>(texts.size());
    int seqLen = 0;
    for (String t : texts) {
      Encoding e = encode(t, policy);
      encodings.add(e);
      seqLen = Math.max(seqLen, e.length());
    }
    int batch = texts.size();
    int[] ids = new int[batch * seqLen];
    int[] mask = new int[batch * seqLen];
    int[] lengths = new int[batch];
    Arrays.fill(ids, padId);
    for (int b = 0; b < batch; b++) {
      int[] row = encodings.get(b).ids();
      lengths[b] = row.length;
      System.arraycopy(row, 0, ids, b * seqLen, row.length);
      Arrays.fill(mask, b * seqLen, b * seqLen + row.length, 1);
    }
    return new EncodedBatch(List.copyOf(encodings), batch, seqLen, ids, mask, lengths);
  }

  /**
   * Text of ids as {@code CLIPTokenizerFast.decode} gives it: byte-level decoding (invalid UTF-8 →
   * U+FFFD), {@code </w>} → space, strip, and transformers' clean-up of spaces before punctuation
   * when the config asks for it ({@code clean_up_tokenization_spaces}).
   */
  public String decode(int[] ids, boolean skipSpecial) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    for (int id : ids) {
      if (skipSpecial && specialIds.contains(id)) continue;
      String tok = token(id);
      if (tok == null) throw new BgeVlException("decode: id " + id + " is not in the vocabulary of " + bpe.vocabSize());
      boolean allBytes = true;
      for (int i = 0; i < tok.length() && allBytes; i++) allBytes = ByteLevel.byteOf(tok.charAt(i)) >= 0;
      if (allBytes) {
        for (int i = 0; i < tok.length(); i++) bytes.write(ByteLevel.byteOf(tok.charAt(i)));
      } else {
        bytes.writeBytes(tok.getBytes(StandardCharsets.UTF_8));
      }
    }
    String text = new String(bytes.toByteArray(), StandardCharsets.UTF_8);
    if (!endOfWordSuffix.isEmpty()) text = text.replace(endOfWordSuffix, " ");
    text = pythonStrip(text);
    if (cleanUpSpaces) {
      text = text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
          .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
          .replace(" 've", "'ve").replace(" 're", "'re");
    }
    return text;
  }

  // ---------------------------------------------------------------- pipeline

  private void tokenizeInto(String text, IntList out) {
    text = replaceLoneSurrogates(text);
    if (!rawAdded.mayMatch(text)) {
      normalizedPart(text, out);
      return;
    }
    for (AddedTokens.Span span : rawAdded.split(text)) {
      if (span.id() >= 0) {
        out.add(span.id());
      } else {
        normalizedPart(text.substring(span.start(), span.end()), out);
      }
    }
  }

  private void normalizedPart(String raw, IntList out) {
    String s = TextNormalizer.applyAll(normalizers, raw);
    if (!normalizedAdded.mayMatch(s)) {
      words(s, 0, s.length(), out);
      return;
    }
    for (AddedTokens.Span span : normalizedAdded.split(s)) {
      if (span.id() >= 0) {
        out.add(span.id());
      } else {
        words(s, span.start(), span.end(), out);
      }
    }
  }

  private void words(String s, int from, int to, IntList out) {
    ClipPreTokenizer.split(s, from, to, (start, end) -> {
      String word = s.substring(start, end);
      int[] ids = cache.get(word);
      if (ids == null) {
        ids = bpeWord(word);
        if (word.length() <= MAX_CACHED_WORD && cache.size() < CACHE_CAPACITY) cache.put(word, ids);
      }
      out.addAll(ids);
    });
  }

  private int[] bpeWord(String word) {
    byte[] utf8 = word.getBytes(StandardCharsets.UTF_8);
    if (!byteFastPath) return bpe.tokenize(ByteLevel.encode(utf8, 0, utf8.length));
    int n = utf8.length;
    int[] symbols = new int[n];
    for (int i = 0; i < n - 1; i++) symbols[i] = byteIds[utf8[i] & 0xFF];
    symbols[n - 1] = lastByteIds[utf8[n - 1] & 0xFF];
    return bpe.merge(symbols, n);
  }

  private static String replaceLoneSurrogates(String s) {
    int n = s.length();
    int i = 0;
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          break;
        }
      }
    }
    if (i == n) return s;
    StringBuilder b = new StringBuilder(n);
    for (int k = 0; k < n; k++) {
      char c = s.charAt(k);
      if (Character.isHighSurrogate(c) && k + 1 < n && Character.isLowSurrogate(s.charAt(k + 1))) {
        b.append(c).append(s.charAt(++k));
      } else {
        b.append(Character.isSurrogate(c) ? '\uFFFD' : c);
      }
    }
    return b.toString();
  }

  /** Python's str.strip(): removes leading and trailing characters for which isspace() is true. */
  private static String pythonStrip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isPythonSpace(s.charAt(start))) start++;
    while (end > start && isPythonSpace(s.charAt(end - 1))) end--;
    return s.substring(start, end);
  }

  private static boolean isPythonSpace(char c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || Character.isSpaceChar(c);
  }

  /** A growable int array. */
  private static final class IntList {
    int[] data;
    int size;

    IntList(int capacity) {
      data = new int[capacity];
    }

    void add(int v) {
      if (size == data.length) data = Arrays.copyOf(data, size * 2);
      data[size++] = v;
    }

    void addAll(int[] v) {
      if (size + v.length > data.length) data = Arrays.copyOf(data, Math.max(size * 2, size + v.length));
      System.arraycopy(v, 0, data, size, v.length);
      size += v.length;
    }
  }
}
