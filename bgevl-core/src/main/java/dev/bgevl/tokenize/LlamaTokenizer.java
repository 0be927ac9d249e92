package dev.bgevl.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The Llama/Mistral SentencePiece-style BPE tokenizer as Hugging Face {@code tokenizers} runs a
 * {@code LlamaTokenizerFast} {@code tokenizer.json} converted in "legacy" mode:
 *
 * <ol>
 *   <li>added tokens ({@code <s>}, {@code <image>}, {@code <pad>}, ...; not normalized) are cut out
 *       of the raw text first, leftmost-longest;
 *   <li>each remaining non-empty piece is normalized by {@code Prepend("▁")} then
 *       {@code Replace(" ", "▁")} (so text after {@code <image>} gets its own leading {@code ▁});
 *   <li>no pre-tokenizer: the whole piece is one BPE word; characters missing from the vocabulary
 *       become their UTF-8 bytes {@code <0xNN>} (byte fallback); merges apply lowest rank first,
 *       leftmost on ties;
 *   <li>BOS is prepended, no EOS (per {@code tokenizer_config.json}'s add_bos/add_eos).
 * </ol>
 *
 * <p>No truncation: the model checks the length against its positions. Thread-safe after load.
 */
public final class LlamaTokenizer {
  private static final char SPACE_MARK = '\u2581';

  private final Map<String, Integer> vocab;
  private final String[] idToToken;
  private final Map<Long, int[]> merges; // (leftId << 32 | rightId) -> {rank, mergedId}
  private final String[] addedContents; // sorted by nothing; matched leftmost-longest
  private final int[] addedIds;
  // added tokens with normalized: true (made by add_tokens): their normalized content, matched
  // leftmost-longest inside each normalized piece, as tokenizers' AddedVocabulary does
  private String[] normalizedContents = new String[0];
  private int[] normalizedIds = new int[0];
  private final int[] byteIds = new int[256];
  private final int bosId;
  private final int eosId;
  private final int padId;
  private final int unkId;
  private final boolean addBos;
  private final boolean addEos;
  private final boolean prepend;

  private LlamaTokenizer(Map<String, Integer> vocab, String[] idToToken, Map<Long, int[]> merges,
      String[] addedContents, int[] addedIds, int bosId, int eosId, int padId, int unkId,
      boolean addBos, boolean addEos, boolean prepend) {
    this.vocab = vocab;
    this.idToToken = idToToken;
    this.merges = merges;
    this.addedContents = addedContents;
    this.addedIds = addedIds;
    this.bosId = bosId;
    this.eosId = eosId;
    this.padId = padId;
    this.unkId = unkId;
    this.addBos = addBos;
    this.addEos = addEos;
    this.prepend = prepend;
    for (int b = 0; b < 256; b++) {
      Integer id = vocab.get(String.format("<0x%02X>", b));
      byteIds[b] = id == null ? -1 : id;
    }
  }

  /** Loads {@code tokenizer.json} (+ {@code tokenizer_config.json} for add_bos/add_eos, if present). */
  public static LlamaTokenizer load(Path modelDir) {
    Path file = modelDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      throw new BgeVlException(file + ": missing (the MLLM needs its Llama tokenizer.json)");
    }
    ObjectMapper om = new ObjectMapper();
    JsonNode root;
    try {
      root = om.readTree(file.toFile());
    } catch (IOException e) {
      throw new BgeVlException(file + ": cannot read: " + e.getMessage(), e);
    }
    JsonNode model = root.path("model");
    if (!"BPE".equals(model.path("type").asText()) || !model.path("vocab").isObject()) {
      throw new BgeVlException(file + ": model type '" + model.path("type").asText()
          + "' is not a BPE model with a vocab");
    }
    if (!model.path("byte_fallback").asBoolean(false)) {
      throw new BgeVlException(file + ": a Llama tokenizer needs byte_fallback=true");
    }
    Map<String, Integer> vocab = new HashMap<>();
    int maxId = -1;
    for (Iterator<Map.Entry<String, JsonNode>> it = model.get("vocab").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      vocab.put(e.getKey(), e.getValue().asInt());
      maxId = Math.max(maxId, e.getValue().asInt());
    }
    List<String> addedC = new ArrayList<>();
    List<String> normC = new ArrayList<>();
    List<Integer> normI = new ArrayList<>();
    List<Integer> addedI = new ArrayList<>();
    for (JsonNode a : root.path("added_tokens")) {
      String content = a.path("content").asText();
      int id = a.path("id").asInt();
      if (a.path("lstrip").asBoolean() || a.path("rstrip").asBoolean()
          || a.path("single_word").asBoolean()) {
        throw new BgeVlException(file + ": added token '" + content
            + "' uses lstrip/rstrip/single_word, which this tokenizer does not support");
      }
      if (a.path("normalized").asBoolean(!a.path("special").asBoolean(false))) {
        normC.add(content);
        normI.add(id);
        maxId = Math.max(maxId, id);
        continue;
      }
      addedC.add(content);
      addedI.add(id);
      maxId = Math.max(maxId, id);
    }
    String[] idToToken = new String[maxId + 1];
    vocab.forEach((t, id) -> idToToken[id] = t);
    for (int i = 0; i < addedC.size(); i++) {
      idToToken[addedI.get(i)] = addedC.get(i);
    }
    for (int i = 0; i < normC.size(); i++) {
      idToToken[normI.get(i)] = normC.get(i);
    }
    Map<Long, int[]> merges = new HashMap<>();
    int rank = 0;
    for (JsonNode m : model.path("merges")) {
      String a;
      String b;
      if (m.isArray()) {
        a = m.get(0).asText();
        b = m.get(1).asText();
      } else {
        String s = m.asText();
        int sp = s.indexOf(' ', 1);
        if (sp < 0) {
          throw new BgeVlException(file + ": merge " + rank + " '" + s + "' is not 'left right'");
        }
        a = s.substring(0, sp);
        b = s.substring(sp + 1);
      }
      Integer ia = vocab.get(a);
      Integer ib = vocab.get(b);
      Integer im = vocab.get(a + b);
      if (ia == null || ib == null || im == null) {
        throw new BgeVlException(file + ": merge " + rank + " '" + a + " " + b
            + "' names tokens missing from the vocab");
      }
      merges.putIfAbsent(((long) ia << 32) | (ib & 0xffffffffL), new int[] {rank, im});
      rank++;
    }
    boolean prepend = false;
    JsonNode norm = root.path("normalizer");
    List<JsonNode> steps = new ArrayList<>();
    if ("Sequence".equals(norm.path("type").asText())) {
      norm.path("normalizers").forEach(steps::add);
    } else if (!norm.isMissingNode() && !norm.isNull()) {
      steps.add(norm);
    }
    boolean replace = false;
    for (JsonNode s : steps) {
      String type = s.path("type").asText();
      if (type.equals("Prepend") && s.path("prepend").asText().equals("\u2581") && !replace) {
        prepend = true;
      } else if (type.equals("Replace") && s.path("pattern").path("String").asText().equals(" ")
          && s.path("content").asText().equals("\u2581")) {
        replace = true;
      } else {
        throw new BgeVlException(file + ": normalizer step " + s + " is not the Llama legacy form"
            + " (Prepend('▁') + Replace(' ', '▁'))");
      }
    }
    if (!replace || !(root.path("pre_tokenizer").isNull() || root.path("pre_tokenizer").isMissingNode())) {
      throw new BgeVlException(file + ": expected the legacy Llama normalizer and no pre_tokenizer"
          + " (a Metaspace pre-tokenizer form is not supported yet)");
    }
    boolean addBos = true;
    boolean addEos = false;
    Path cfg = modelDir.resolve("tokenizer_config.json");
    if (Files.isRegularFile(cfg)) {
      try {
        JsonNode c = om.readTree(cfg.toFile());
        addBos = c.path("add_bos_token").asBoolean(true);
        addEos = c.path("add_eos_token").asBoolean(false);
      } catch (IOException e) {
        throw new BgeVlException(cfg + ": cannot read: " + e.getMessage(), e);
      }
    }
    int unk = id(vocab, addedC, addedI, model.path("unk_token").asText("<unk>"), file);
    int bos = id(vocab, addedC, addedI, "<s>", file);
    int eos = id(vocab, addedC, addedI, "</s>", file);
    int pad = addedC.contains("<pad>") ? addedI.get(addedC.indexOf("<pad>")) : eos;
    LlamaTokenizer t = new LlamaTokenizer(vocab, idToToken, merges, addedC.toArray(String[]::new),
        addedI.stream().mapToInt(Integer::intValue).toArray(), bos, eos, pad, unk, addBos, addEos,
        prepend);
    t.normalizedContents = new String[normC.size()];
    t.normalizedIds = new int[normC.size()];
    for (int k = 0; k < normC.size(); k++) {
      t.normalizedContents[k] = t.normalize(normC.get(k));
      t.normalizedIds[k] = normI.get(k);
    }
    return t;
  }

  private static int id(Map<String, Integer> vocab, List<String> ac, List<Integer> ai, String tok,
      Path file) {
    int i = ac.indexOf(tok);
    if (i >= 0) {
      return ai.get(i);
    }
    Integer id = vocab.get(tok);
    if (id == null) {
      throw new BgeVlException(file + ": token '" + tok + "' is missing");
    }
    return id;
  }

  public int bosId() {
    return bosId;
  }

  public int eosId() {
    return eosId;
  }

  public int padId() {
    return padId;
  }

  public int vocabSize() {
    return idToToken.length;
  }

  /** The id of an added (special) token such as {@code <image>}, or -1. */
  public int addedTokenId(String content) {
    for (int i = 0; i < addedContents.length; i++) {
      if (addedContents[i].equals(content)) {
        return addedIds[i];
      }
    }
    for (int i = 0; i < normalizedIds.length; i++) {
      if (idToToken[normalizedIds[i]].equals(content)) {
        return normalizedIds[i];
      }
    }
    return -1;
  }

  /** Token ids with BOS (and EOS if configured); {@link Encoding#truncated()} is always false. */
  public Encoding encode(String text) {
    text = replaceLoneSurrogates(text);
    List<Integer> ids = new ArrayList<>();
    if (addBos) {
      ids.add(bosId);
    }
    int pos = 0;
    while (pos <= text.length()) {
      int best = -1;
      int bestAt = text.length();
      // leftmost, then longest added-token occurrence
      for (int i = 0; i < addedContents.length; i++) {
        String a = addedContents[i];
        if (a.isEmpty()) {
          continue;
        }
        int at = text.indexOf(a, pos);
        if (at >= 0 && (at < bestAt || (at == bestAt && best >= 0
            && a.length() > addedContents[best].length()))) {
          best = i;
          bestAt = at;
        }
      }
      encodePiece(text.substring(pos, bestAt), ids);
      if (best < 0) {
        break;
      }
      ids.add(addedIds[best]);
      pos = bestAt + addedContents[best].length();
    }
    if (addEos) {
      ids.add(eosId);
    }
    int[] out = ids.stream().mapToInt(Integer::intValue).toArray();
    String[] toks = new String[out.length];
    for (int i = 0; i < out.length; i++) {
      toks[i] = out[i] < idToToken.length ? idToToken[out[i]] : null;
    }
    return new Encoding(out, toks, false);
  }

  /** Unpaired UTF-16 surrogates (not Unicode text) become U+FFFD, one per surrogate. */
  static String replaceLoneSurrogates(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1));
      if (pair) {
        if (sb != null) {
          sb.append(c).append(s.charAt(i + 1));
        }
        i++;
      } else if (Character.isSurrogate(c)) {
        if (sb == null) {
          sb = new StringBuilder(s.length()).append(s, 0, i);
        }
        sb.append('\uFFFD');
      } else if (sb != null) {
        sb.append(c);
      }
    }
    return sb == null ? s : sb.toString();
  }

  private String normalize(String piece) {
    return piece.isEmpty() ? piece : (prepend ? SPACE_MARK + piece : piece).replace(' ', SPACE_MARK);
  }

  private void encodePiece(String piece, List<Integer> out) {
    if (piece.isEmpty()) {
      return;
    }
    String norm = normalize(piece);
    if (normalizedContents.length == 0) {
      bpeWord(norm, out);
      return;
    }
    int pos = 0;
    while (pos <= norm.length()) {
      int best = -1;
      int bestAt = norm.length();
      for (int i = 0; i < normalizedContents.length; i++) {
        String a = normalizedContents[i];
        if (a.isEmpty()) {
          continue;
        }
        int at = norm.indexOf(a, pos);
        if (at >= 0 && (at < bestAt || (at == bestAt && best >= 0
            && a.length() > normalizedContents[best].length()))) {
          best = i;
          bestAt = at;
        }
      }
      if (bestAt > pos) {
        bpeWord(norm.substring(pos, bestAt), out);
      }
      if (best < 0) {
        break;
      }
      out.add(normalizedIds[best]);
      pos = bestAt + normalizedContents[best].length();
    }
  }

  /** One already-normalized BPE word: characters (byte fallback), then the ranked merges. */
  private void bpeWord(String norm, List<Integer> out) {
    // symbols: a doubly linked list over the word's characters (or their fallback bytes)
    int n = norm.length();
    int[] sym = new int[n * 4 + 4];
    int count = 0;
    for (int i = 0; i < n; ) {
      int cp = norm.codePointAt(i);
      int len = Character.charCount(cp);
      Integer id = vocab.get(norm.substring(i, i + len));
      if (id != null) {
        sym[count++] = id;
      } else {
        byte[] bytes = norm.substring(i, i + len).getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
          int bid = byteIds[b & 0xff];
          sym[count++] = bid >= 0 ? bid : unkId;
        }
      }
      i += len;
    }
    int[] prev = new int[count];
    int[] next = new int[count];
    boolean[] dead = new boolean[count];
    for (int i = 0; i < count; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < count ? i + 1 : -1;
    }
    // queue entries: {rank, pos, mergedId}; lowest rank first, then leftmost position
    PriorityQueue<int[]> queue = new PriorityQueue<>(
        (x, y) -> x[0] != y[0] ? Integer.compare(x[0], y[0]) : Integer.compare(x[1], y[1]));
    for (int i = 0; i + 1 < count; i++) {
      offer(queue, sym, i, i + 1);
    }
    while (!queue.isEmpty()) {
      int[] top = queue.poll();
      int p = top[1];
      if (dead[p] || next[p] < 0) {
        continue;
      }
      int q = next[p];
      int[] m = merges.get(((long) sym[p] << 32) | (sym[q] & 0xffffffffL));
      if (m == null || m[1] != top[2]) {
        continue; // stale entry: one side merged since
      }
      sym[p] = m[1];
      dead[q] = true;
      next[p] = next[q];
      if (next[q] >= 0) {
        prev[next[q]] = p;
      }
      if (prev[p] >= 0) {
        offer(queue, sym, prev[p], p);
      }
      if (next[p] >= 0) {
        offer(queue, sym, p, next[p]);
      }
    }
    for (int i = 0; i >= 0 && count > 0; i = next[i]) {
      out.add(sym[i]);
    }
  }

  private void offer(PriorityQueue<int[]> queue, int[] sym, int a, int b) {
    int[] m = merges.get(((long) sym[a] << 32) | (sym[b] & 0xffffffffL));
    if (m != null) {
      queue.add(new int[] {m[0], a, m[1]});
    }
  }

  /** The token strings for {@code ids} (for debugging and {@code bgevl info}). */
  public String token(int id) {
    return id >= 0 && id < idToToken.length ? idToToken[id] : null;
  }
}
