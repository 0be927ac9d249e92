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

/**
 * The Llama / Mistral tokenizer of LLaVA-NeXT (BGE-VL-MLLM) read from {@code tokenizer.json}: a
 * SentencePiece-style BPE as Hugging Face {@code tokenizers} runs it after transformers'
 * {@code LlamaConverter} (the "legacy" form):
 * <ol>
 *   <li>added tokens ({@code <s>}, {@code </s>}, {@code <unk>}, {@code <image>}, {@code <pad>}) are
 *       split out of the raw text first (leftmost-longest); those marked {@code normalized: true}
 *       (tokens added with {@code add_tokens}) are instead matched inside each normalized piece,
 *       their content normalized the same way (so {@code <query>} is matched as {@code ▁<query>});</li>
 *   <li>every text piece between them is normalized on its own: {@code Prepend("▁")} (only when the
 *       piece is not empty) then {@code Replace(" ", "▁")}, so text after {@code <image>} gets its own
 *       leading {@code ▁};</li>
 *   <li>no pre-tokenizer: the whole normalized piece is one BPE word; each character is its vocabulary
 *       token, else its UTF-8 bytes as {@code <0xNN>} tokens (byte fallback), else {@code <unk>}
 *       (consecutive unknowns fused); then the ranked merges;</li>
 *   <li>BOS prepended, no EOS (from {@code tokenizer_config.json}'s {@code add_bos_token} /
 *       {@code add_eos_token}, defaults true / false).</li>
 * </ol>
 * No truncation: the caller checks the length against the model's positions. Immutable, thread-safe.
 */
public final class LlamaTokenizer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SPACE = "▁";

  private final BpeModel bpe;
  private final AddedTokens added;            // matched in the raw text
  private final AddedTokens normalizedAdded;  // normalized: true, matched in each normalized piece
  private final Map<Integer, String> addedContent;
  private final int[] byteIds = new int[256];   // id of <0xNN>, -1 when absent
  private final int unkId;
  private final int bosId;
  private final int eosId;
  private final int padId;
  private final boolean addBos;
  private final boolean addEos;

  private LlamaTokenizer(BpeModel bpe, List<AddedTokens.Token> addedTokens, int bosId, int eosId, int padId,
                         boolean addBos, boolean addEos) {
    this.bpe = bpe;
    List<AddedTokens.Token> raw = new ArrayList<>();
    List<String> rawPatterns = new ArrayList<>();
    List<AddedTokens.Token> norm = new ArrayList<>();
    List<String> normPatterns = new ArrayList<>();
    this.addedContent = new HashMap<>();
    for (AddedTokens.Token t : addedTokens) {
      addedContent.put(t.id(), t.content());
      if (t.normalized()) {
        norm.add(t);
        normPatterns.add(normalize(t.content()));   // tokenizers normalizes the content the same way
      } else {
        raw.add(t);
        rawPatterns.add(t.content());
      }
    }
    this.added = new AddedTokens(raw, rawPatterns);
    this.normalizedAdded = new AddedTokens(norm, normPatterns);
    for (int b = 0; b < 256; b++) byteIds[b] = bpe.id(String.format("<0x%02X>", b));
    this.unkId = bpe.unkId();
    this.bosId = bosId;
    this.eosId = eosId;
    this.padId = padId;
    this.addBos = addBos;
    this.addEos = addEos;
  }

  /** Loads {@code tokenizer.json} (and {@code tokenizer_config.json} when present) from a model folder. */
  public static LlamaTokenizer load(Path modelDir) {
    Path file = modelDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      throw new BgeVlException(file + ": tokenizer.json not found (the MLLM models need the fast-tokenizer file)");
    }
    JsonNode root = readJson(file);
    JsonNode config = Files.isRegularFile(modelDir.resolve("tokenizer_config.json"))
        ? readJson(modelDir.resolve("tokenizer_config.json")) : JSON.createObjectNode();
    JsonNode model = root.path("model");
    if (!"BPE".equals(model.path("type").asText())) {
      throw new BgeVlException(file + ": model.type is '" + model.path("type").asText() + "', expected 'BPE'");
    }
    if (!model.path("byte_fallback").asBoolean(false)) {
      throw new BgeVlException(file + ": model.byte_fallback is not true; not a Llama/Mistral tokenizer");
    }
    checkNormalizer(root.path("normalizer"), file);
    if (!root.path("pre_tokenizer").isNull() && !root.path("pre_tokenizer").isMissingNode()) {
      throw new BgeVlException(file + ": pre_tokenizer '" + root.path("pre_tokenizer").path("type").asText()
          + "' is not supported (expected none: the legacy Llama normalizer form)");
    }
    Map<String, Integer> vocab = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      vocab.put(e.getKey(), e.getValue().asInt());
    }
    if (vocab.isEmpty()) throw new BgeVlException(file + ": model.vocab is empty");
    List<String[]> merges = new ArrayList<>();
    int line = 0;
    for (JsonNode m : model.path("merges")) {
      line++;
      if (m.isArray() && m.size() == 2) {
        merges.add(new String[] {m.get(0).asText(), m.get(1).asText()});
      } else {
        String s = m.asText();
        int sp = s.indexOf(' ');
        if (sp <= 0 || sp == s.length() - 1 || s.indexOf(' ', sp + 1) >= 0) {
          throw new BgeVlException(file + ": merge " + line + " '" + s + "' is not two tokens separated by one space");
        }
        merges.add(new String[] {s.substring(0, sp), s.substring(sp + 1)});
      }
    }
    String unk = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
    BpeModel bpe = new BpeModel(file.toString(), vocab, merges, unk, "", "",
        model.path("fuse_unk").asBoolean(false), model.path("ignore_merges").asBoolean(false));
    List<AddedTokens.Token> addedTokens = new ArrayList<>();
    for (JsonNode t : root.path("added_tokens")) {
      addedTokens.add(new AddedTokens.Token(t.path("id").asInt(), t.path("content").asText(),
          t.path("single_word").asBoolean(false), t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false),
          t.path("normalized").asBoolean(!t.path("special").asBoolean(false)), t.path("special").asBoolean(false)));
    }
    Map<String, Integer> all = new HashMap<>(vocab);
    for (AddedTokens.Token t : addedTokens) all.put(t.content(), t.id());
    int bos = idOf(all, tokenName(config, "bos_token", "<s>"), file, "bos_token");
    int eos = idOf(all, tokenName(config, "eos_token", "</s>"), file, "eos_token");
    String padName = tokenName(config, "pad_token", null);
    int pad = padName != null && all.containsKey(padName) ? all.get(padName)
        : all.getOrDefault("<pad>", all.getOrDefault("<unk>", 0));
    boolean addBos = config.path("add_bos_token").asBoolean(true);
    boolean addEos = config.path("add_eos_token").asBoolean(false);
    return new LlamaTokenizer(bpe, addedTokens, bos, eos, pad, addBos, addEos);
  }

  /** The ids of a text: BOS (if configured), the tokens, EOS (if configured). */
  public int[] encode(String text) {
    int[] content = tokenIds(text);
    int n = content.length + (addBos ? 1 : 0) + (addEos ? 1 : 0);
    int[] out = new int[n];
    int k = 0;
    if (addBos) out[k++] = bosId;
    System.arraycopy(content, 0, out, k, content.length);
    if (addEos) out[n - 1] = eosId;
    return out;
  }

  /** The ids of a text without BOS/EOS. */
  public int[] tokenIds(String text) {
    IntList out = new IntList(text.length() + 4);
    for (AddedTokens.Span span : added.split(text)) {
      if (span.id() >= 0) {
        out.add(span.id());
        continue;
      }
      String piece = text.substring(span.start(), span.end());
      if (piece.isEmpty()) continue;
      String normalized = normalize(piece);
      if (normalizedAdded.isEmpty() || !normalizedAdded.mayMatch(normalized)) {
        out.addAll(word(normalized));
        continue;
      }
      for (AddedTokens.Span inner : normalizedAdded.split(normalized)) {
        if (inner.id() >= 0) out.add(inner.id());
        else out.addAll(word(normalized.substring(inner.start(), inner.end())));
      }
    }
    return out.toArray();
  }

  /** The legacy normalizer: {@code Prepend("▁")} when not empty, then {@code Replace(" ", "▁")}. */
  private static String normalize(String s) {
    return s.isEmpty() ? s : SPACE + s.replace(" ", SPACE);
  }

  /** One BPE word: characters (byte fallback, fused unknowns), then merges. */
  private int[] word(String w) {
    int[] symbols = new int[w.length() * 4];
    int n = 0;
    boolean lastUnk = false;
    for (int i = 0; i < w.length(); ) {
      int cp = w.codePointAt(i);
      int end = i + Character.charCount(cp);
      // a lone surrogate cannot reach tokenizers' Rust strings: it is U+FFFD there
      if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) cp = 0xFFFD;
      int id = bpe.id(Character.toString(cp));
      i = end;
      if (id >= 0) {
        symbols[n++] = id;
        lastUnk = false;
        continue;
      }
      byte[] bytes = Character.toString(cp).getBytes(StandardCharsets.UTF_8);
      boolean allBytes = true;
      for (byte b : bytes) allBytes &= byteIds[b & 0xFF] >= 0;
      if (allBytes) {
        for (byte b : bytes) symbols[n++] = byteIds[b & 0xFF];
        lastUnk = false;
      } else if (unkId >= 0) {
        if (!lastUnk) symbols[n++] = unkId;
        lastUnk = true;
      }
    }
    return bpe.merge(symbols, n);
  }

  /** The token strings of ids (vocabulary or added tokens); "?" for unknown ids. */
  public String[] tokens(int[] ids) {
    String[] out = new String[ids.length];
    for (int i = 0; i < ids.length; i++) {
      String s = addedContent.get(ids[i]);
      if (s == null) s = bpe.token(ids[i]);
      out[i] = s == null ? "?" : s;
    }
    return out;
  }

  /** The id of a vocabulary or added token, or -1. */
  public int tokenId(String token) {
    for (Map.Entry<Integer, String> e : addedContent.entrySet()) if (e.getValue().equals(token)) return e.getKey();
    return bpe.id(token);
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

  private static void checkNormalizer(JsonNode n, Path file) {
    String expected = "Sequence[Prepend('▁'), Replace(' ' → '▁')]";
    boolean ok = "Sequence".equals(n.path("type").asText()) && n.path("normalizers").size() == 2;
    if (ok) {
      JsonNode p = n.path("normalizers").get(0);
      JsonNode r = n.path("normalizers").get(1);
      ok = "Prepend".equals(p.path("type").asText()) && SPACE.equals(p.path("prepend").asText())
          && "Replace".equals(r.path("type").asText()) && " ".equals(r.path("pattern").path("String").asText(null))
          && SPACE.equals(r.path("content").asText());
    }
    if (!ok) {
      throw new BgeVlException(file + ": normalizer " + TokenizerFiles.abbreviate(n.toString())
          + " is not supported (expected the legacy Llama form " + expected + ")");
    }
  }

  private static String tokenName(JsonNode config, String key, String fallback) {
    JsonNode v = config.path(key);
    if (v.isTextual()) return v.asText();
    if (v.isObject() && v.path("content").isTextual()) return v.path("content").asText();
    return fallback;
  }

  private static int idOf(Map<String, Integer> all, String token, Path file, String key) {
    Integer id = all.get(token);
    if (id == null) throw new BgeVlException(file + ": " + key + " '" + token + "' is not in the vocabulary");
    return id;
  }

  private static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new BgeVlException(file + ": not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
    }
  }

  private static final class IntList {
    private int[] a;
    private int n;

    IntList(int cap) {
      a = new int[Math.max(cap, 8)];
    }

    void add(int v) {
      if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
      a[n++] = v;
    }

    void addAll(int[] vs) {
      if (n + vs.length > a.length) a = java.util.Arrays.copyOf(a, Math.max(a.length * 2, n + vs.length));
      System.arraycopy(vs, 0, a, n, vs.length);
      n += vs.length;
    }

    int[] toArray() {
      return java.util.Arrays.copyOf(a, n);
    }
  }
}
