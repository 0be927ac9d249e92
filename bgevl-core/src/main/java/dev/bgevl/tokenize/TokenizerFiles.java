package dev.bgevl.tokenize;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face tokenizer folder: {@code tokenizer.json} when present, else the slow
 * tokenizer's {@code vocab.json} + {@code merges.txt} with the CLIP pipeline that transformers'
 * {@code CLIPConverter} would build; plus {@code tokenizer_config.json} / {@code special_tokens_map.json}
 * (pad token, model_max_length) and {@code config.json} (max_position_embeddings). Every problem is
 * a {@link BgeVlException} naming the file.
 */
final class TokenizerFiles {
  static final String CLIP_SPLIT_REGEX = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";
  /** transformers' slow CLIPTokenizer reads at most this many merges from merges.txt. */
  static final int CLIP_MAX_MERGES = 49152 - 256 - 2;
  /** transformers' "no limit" model_max_length is 1e30; anything this large means unset. */
  private static final double UNSET_MAX_LENGTH = 1e9;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Everything a tokenizer needs, resolved from the files. */
  record Spec(BpeModel bpe, List<TextNormalizer> normalizers, List<AddedTokens.Token> addedTokens,
              int[] prefixIds, int[] suffixIds, int padId, int maxLength, boolean cleanUpSpaces,
              String endOfWordSuffix) {}

  private TokenizerFiles() {}

  static Spec load(Path dir) {
    if (!Files.isDirectory(dir)) throw new BgeVlException("tokenizer folder " + dir + " does not exist or is not a directory");
    Path tokenizerJson = dir.resolve("tokenizer.json");
    JsonNode config = readJsonIfExists(dir.resolve("tokenizer_config.json"));
    JsonNode specialMap = readJsonIfExists(dir.resolve("special_tokens_map.json"));
    JsonNode modelConfig = readJsonIfExists(dir.resolve("config.json"));
    if (Files.exists(tokenizerJson)) return fromTokenizerJson(tokenizerJson, config, specialMap, modelConfig);
    Path vocab = dir.resolve("vocab.json");
    Path merges = dir.resolve("merges.txt");
    if (Files.exists(vocab) || Files.exists(merges)) {
      if (!Files.exists(vocab)) throw new BgeVlException(vocab + ": missing (merges.txt needs vocab.json; or provide tokenizer.json)");
      if (!Files.exists(merges)) throw new BgeVlException(merges + ": missing (vocab.json needs merges.txt; or provide tokenizer.json)");
      return fromVocabAndMerges(vocab, merges, config, specialMap, modelConfig);
    }
    throw new BgeVlException("tokenizer folder " + dir + " has no tokenizer.json, nor vocab.json + merges.txt");
  }

  // ---------------------------------------------------------------- tokenizer.json

  private static Spec fromTokenizerJson(Path file, JsonNode config, JsonNode specialMap, JsonNode modelConfig) {
    JsonNode root = readJson(file);
    if (!root.isObject()) throw new BgeVlException(file + ": expected a JSON object at the top level");
    String where = file.toString();

    JsonNode model = root.path("model");
    if (!model.isObject()) throw new BgeVlException(file + ": no \"model\" object");
    String type = model.path("type").asText("BPE");
    if (!type.equals("BPE")) throw new BgeVlException(file + ": model type '" + type + "' is not supported (only BPE)");
    if (!model.path("dropout").isNull() && !model.path("dropout").isMissingNode() && model.path("dropout").asDouble() > 0) {
      throw new BgeVlException(file + ": BPE dropout " + model.path("dropout").asDouble() + " is not supported (inference needs none)");
    }
    if (model.path("byte_fallback").asBoolean(false)) {
      throw new BgeVlException(file + ": BPE byte_fallback is not supported by the CLIP tokenizer");
    }
    JsonNode vocabNode = model.path("vocab");
    if (!vocabNode.isObject()) throw new BgeVlException(file + ": model.vocab is not an object of token → id");
    Map<String, Integer> vocab = readVocab(vocabNode, where + " model.vocab");
    List<String[]> merges = new ArrayList<>();
    JsonNode mergesNode = model.path("merges");
    if (!mergesNode.isArray()) throw new BgeVlException(file + ": model.merges is not an array");
    for (int i = 0; i < mergesNode.size(); i++) {
      JsonNode m = mergesNode.get(i);
      if (m.isTextual()) {
        merges.add(splitMergeLine(m.asText(), file + ": merge " + (i + 1)));
      } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
        merges.add(new String[] {m.get(0).asText(), m.get(1).asText()});
      } else {
        throw new BgeVlException(file + ": merge " + (i + 1) + " is neither \"a b\" nor [\"a\", \"b\"]: " + abbreviate(m.toString()));
      }
    }
    String unk = textOrNull(model.path("unk_token"));
    BpeModel bpe = new BpeModel(where, vocab, merges, unk, textOrNull(model.path("continuing_subword_prefix")),
        textOrNull(model.path("end_of_word_suffix")), model.path("fuse_unk").asBoolean(false),
        model.path("ignore_merges").asBoolean(false));

    List<TextNormalizer> normalizers = new ArrayList<>();
    parseNormalizer(root.path("normalizer"), normalizers, file);
    checkPreTokenizer(root.path("pre_tokenizer"), file);
    checkDecoder(root.path("decoder"), file);

    List<AddedTokens.Token> added = new ArrayList<>();
    JsonNode addedNode = root.path("added_tokens");
    if (!addedNode.isMissingNode() && !addedNode.isNull()) {
      if (!addedNode.isArray()) throw new BgeVlException(file + ": added_tokens is not an array");
      for (JsonNode t : addedNode) {
        if (!t.path("id").canConvertToInt() || !t.path("content").isTextual()) {
          throw new BgeVlException(file + ": added token without integer id and string content: " + abbreviate(t.toString()));
        }
        added.add(new AddedTokens.Token(t.get("id").asInt(), t.get("content").asText(),
            t.path("single_word").asBoolean(false), t.path("lstrip").asBoolean(false),
            t.path("rstrip").asBoolean(false), t.path("normalized").asBoolean(true), t.path("special").asBoolean(false)));
      }
    }
    Map<String, Integer> addedIds = new HashMap<>();
    for (AddedTokens.Token t : added) addedIds.put(t.content(), t.id());

    int[][] pre = new int[2][];
    parsePostProcessor(root.path("post_processor"), file, vocab, addedIds, pre);

    int padId = resolvePad(config, specialMap, root.path("padding"), vocab, addedIds, pre[1]);
    return new Spec(bpe, normalizers, added, pre[0], pre[1], padId, resolveMaxLength(config, modelConfig),
        config != null && config.path("clean_up_tokenization_spaces").asBoolean(false), bpe.endOfWordSuffix());
  }

  private static void parseNormalizer(JsonNode n, List<TextNormalizer> out, Path file) {
    if (n.isMissingNode() || n.isNull()) return;
    String type = n.path("type").asText("");
    switch (type) {
      case "Sequence" -> {
        for (JsonNode c : n.path("normalizers")) parseNormalizer(c, out, file);
      }
      case "NFC" -> out.add(new TextNormalizer.Form(Normalizer.Form.NFC));
      case "NFD" -> out.add(new TextNormalizer.Form(Normalizer.Form.NFD));
      case "NFKC" -> out.add(new TextNormalizer.Form(Normalizer.Form.NFKC));
      case "NFKD" -> out.add(new TextNormalizer.Form(Normalizer.Form.NFKD));
      case "Lowercase" -> out.add(new TextNormalizer.Lowercase());
      case "Prepend" -> out.add(new TextNormalizer.Prepend(n.path("prepend").asText()));
      case "Replace" -> {
        JsonNode p = n.path("pattern");
        String content = n.path("content").asText();
        if (p.has("String")) {
          out.add(new TextNormalizer.Literal(p.get("String").asText(), content));
        } else if (p.has("Regex") && p.get("Regex").asText().equals("\\s+")) {
          out.add(new TextNormalizer.WhitespaceRuns(content));
        } else {
          throw new BgeVlException(file + ": normalizer Replace pattern " + abbreviate(p.toString())
              + " is not supported (supported: a String, or the Regex \\s+)");
        }
      }
      default -> throw new BgeVlException(file + ": normalizer type '" + type + "' is not supported");
    }
  }

  /** Only CLIP's pre-tokenizer is supported: Split on the CLIP regex, then ByteLevel without prefix space. */
  private static void checkPreTokenizer(JsonNode n, Path file) {
    List<JsonNode> steps = new ArrayList<>();
    if (n.path("type").asText("").equals("Sequence")) {
      n.path("pretokenizers").forEach(steps::add);
    } else {
      steps.add(n);
    }
    boolean split = false;
    boolean byteLevel = false;
    for (JsonNode s : steps) {
      String type = s.path("type").asText("");
      if (type.equals("Split") && !split && !byteLevel
          && CLIP_SPLIT_REGEX.equals(s.path("pattern").path("Regex").asText(null))
          && s.path("behavior").asText("").equals("Removed") && s.path("invert").asBoolean(false)) {
        split = true;
      } else if (type.equals("ByteLevel") && split && !byteLevel && !s.path("add_prefix_space").asBoolean(false)) {
        byteLevel = true;
      } else {
        throw new BgeVlException(file + ": pre_tokenizer " + abbreviate(s.toString())
            + " is not supported (expected CLIP's Split regex followed by ByteLevel without add_prefix_space)");
      }
    }
    if (!split || !byteLevel) {
      throw new BgeVlException(file + ": pre_tokenizer " + abbreviate(n.toString())
          + " is not CLIP's (Split on the CLIP regex, then ByteLevel)");
    }
  }

  private static void checkDecoder(JsonNode n, Path file) {
    if (n.isMissingNode() || n.isNull()) return;
    if (!n.path("type").asText("").equals("ByteLevel")) {
      throw new BgeVlException(file + ": decoder " + abbreviate(n.toString()) + " is not supported (only ByteLevel)");
    }
  }

  private static void parsePostProcessor(JsonNode n, Path file, Map<String, Integer> vocab, Map<String, Integer> added,
                                         int[][] out) {
    String type = n.path("type").asText("");
    switch (type) {
      case "RobertaProcessing", "BertProcessing" -> {
        out[0] = new int[] {specialPairId(n.path("cls"), file, "cls")};
        out[1] = new int[] {specialPairId(n.path("sep"), file, "sep")};
      }
      case "TemplateProcessing" -> {
        List<Integer> before = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        boolean seenA = false;
        JsonNode specials = n.path("special_tokens");
        for (JsonNode piece : n.path("single")) {
          if (piece.has("Sequence")) {
            if (!piece.get("Sequence").path("id").asText().equals("A") || seenA) {
              throw new BgeVlException(file + ": post_processor single template " + abbreviate(n.path("single").toString()) + " is not supported");
            }
            seenA = true;
          } else if (piece.has("SpecialToken")) {
            String name = piece.get("SpecialToken").path("id").asText();
            JsonNode ids = specials.path(name).path("ids");
            if (!ids.isArray() || ids.isEmpty()) {
              throw new BgeVlException(file + ": post_processor special token '" + name + "' has no ids");
            }
            for (JsonNode id : ids) (seenA ? after : before).add(id.asInt());
          }
        }
        if (!seenA) throw new BgeVlException(file + ": post_processor single template has no sequence $A");
        out[0] = before.stream().mapToInt(Integer::intValue).toArray();
        out[1] = after.stream().mapToInt(Integer::intValue).toArray();
      }
      default -> throw new BgeVlException(file + ": post_processor " + abbreviate(n.toString())
          + " is not supported (need RobertaProcessing, BertProcessing or TemplateProcessing adding BOS and EOS)");
    }
  }

  private static int specialPairId(JsonNode pair, Path file, String name) {
    if (!pair.isArray() || pair.size() != 2 || !pair.get(1).canConvertToInt()) {
      throw new BgeVlException(file + ": post_processor." + name + " is not [token, id]");
    }
    return pair.get(1).asInt();
  }

  // ---------------------------------------------------------------- vocab.json + merges.txt

  private static Spec fromVocabAndMerges(Path vocabFile, Path mergesFile, JsonNode config, JsonNode specialMap,
                                         JsonNode modelConfig) {
    JsonNode vocabNode = readJson(vocabFile);
    if (!vocabNode.isObject()) throw new BgeVlException(vocabFile + ": expected a JSON object of token → id");
    Map<String, Integer> vocab = readVocab(vocabNode, vocabFile.toString());
    List<String> lines;
    try {
      lines = Files.readAllLines(mergesFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BgeVlException(mergesFile + ": cannot read: " + e.getMessage(), e);
    }
    // transformers: merges_handle.read().strip().split("\n")[1 : 49152 - 256 - 2 + 1]
    List<String[]> merges = new ArrayList<>();
    int first = !lines.isEmpty() && lines.get(0).startsWith("#version") ? 1 : 0;
    for (int i = first; i < lines.size() && merges.size() < CLIP_MAX_MERGES; i++) {
      String line = lines.get(i);
      if (line.isBlank() && i == lines.size() - 1) break;
      merges.add(splitMergeLine(line, mergesFile + ": line " + (i + 1)));
    }
    String unk = tokenName(config, specialMap, "unk_token", "<|endoftext|>");
    String bos = tokenName(config, specialMap, "bos_token", "<|startoftext|>");
    String eos = tokenName(config, specialMap, "eos_token", "<|endoftext|>");
    requireId(vocab, unk, vocabFile);
    BpeModel bpe = new BpeModel(mergesFile.toString(), vocab, merges, unk, "", "</w>", false, false);

    List<AddedTokens.Token> added = new ArrayList<>();
    JsonNode decoder = config == null ? null : config.get("added_tokens_decoder");
    if (decoder != null && decoder.isObject()) {
      decoder.properties().forEach(e -> {
        JsonNode t = e.getValue();
        int id;
        try {
          id = Integer.parseInt(e.getKey());
        } catch (NumberFormatException ex) {
          throw new BgeVlException("tokenizer_config.json: added_tokens_decoder key '" + e.getKey() + "' is not an id");
        }
        added.add(new AddedTokens.Token(id, t.path("content").asText(), t.path("single_word").asBoolean(false),
            t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false),
            t.path("normalized").asBoolean(true), t.path("special").asBoolean(true)));
      });
    } else {
      for (String name : new LinkedHashMap<>(Map.of("b", bos, "e", eos, "u", unk)).values()) {
        int id = requireId(vocab, name, vocabFile);
        if (added.stream().noneMatch(t -> t.id() == id)) added.add(new AddedTokens.Token(id, name, false, false, false, true, true));
      }
    }
    Map<String, Integer> addedIds = new HashMap<>();
    for (AddedTokens.Token t : added) addedIds.put(t.content(), t.id());
    int bosId = requireId(vocab, bos, vocabFile);
    int eosId = requireId(vocab, eos, vocabFile);
    List<TextNormalizer> normalizers = List.of(new TextNormalizer.Form(Normalizer.Form.NFC),
        new TextNormalizer.WhitespaceRuns(" "), new TextNormalizer.Lowercase());
    int[] suffix = {eosId};
    int padId = resolvePad(config, specialMap, null, vocab, addedIds, suffix);
    return new Spec(bpe, normalizers, added, new int[] {bosId}, suffix, padId, resolveMaxLength(config, modelConfig),
        config != null && config.path("clean_up_tokenization_spaces").asBoolean(false), "</w>");
  }

  private static int requireId(Map<String, Integer> vocab, String token, Path file) {
    Integer id = vocab.get(token);
    if (id == null) throw new BgeVlException(file + ": special token '" + token + "' is not in the vocabulary");
    return id;
  }

  // ---------------------------------------------------------------- shared

  private static int resolvePad(JsonNode config, JsonNode specialMap, JsonNode padding, Map<String, Integer> vocab,
                                Map<String, Integer> added, int[] suffix) {
    String pad = tokenName(config, specialMap, "pad_token", null);
    if (pad != null) {
      Integer id = added.containsKey(pad) ? added.get(pad) : vocab.get(pad);
      if (id == null) throw new BgeVlException("tokenizer_config.json: pad_token '" + pad + "' is not in the vocabulary");
      return id;
    }
    if (padding != null && padding.has("pad_id")) return padding.get("pad_id").asInt();
    if (suffix.length == 0) throw new BgeVlException("tokenizer_config.json: no pad_token and no EOS to pad with");
    return suffix[suffix.length - 1];
  }

  private static int resolveMaxLength(JsonNode config, JsonNode modelConfig) {
    if (config != null && config.path("model_max_length").isNumber()) {
      double v = config.get("model_max_length").asDouble();
      if (v < UNSET_MAX_LENGTH) {
        if (v < 2) throw new BgeVlException("tokenizer_config.json: model_max_length " + v + " leaves no room for BOS and EOS");
        return (int) v;
      }
    }
    if (modelConfig != null) {
      JsonNode v = modelConfig.path("text_config").path("max_position_embeddings");
      if (!v.canConvertToInt()) v = modelConfig.path("max_position_embeddings");
      if (v.canConvertToInt() && v.asInt() >= 2) return v.asInt();
    }
    return 77;
  }

  /** A special token's string from tokenizer_config.json, else special_tokens_map.json (string or {content}). */
  private static String tokenName(JsonNode config, JsonNode specialMap, String key, String fallback) {
    for (JsonNode src : new JsonNode[] {config, specialMap}) {
      if (src == null) continue;
      JsonNode v = src.get(key);
      if (v == null || v.isNull()) continue;
      if (v.isTextual()) return v.asText();
      if (v.path("content").isTextual()) return v.get("content").asText();
    }
    return fallback;
  }

  private static Map<String, Integer> readVocab(JsonNode node, String where) {
    Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
    node.properties().forEach(e -> {
      if (!e.getValue().canConvertToInt()) {
        throw new BgeVlException(where + ": token '" + e.getKey() + "' has non-integer id " + abbreviate(e.getValue().toString()));
      }
      vocab.put(e.getKey(), e.getValue().asInt());
    });
    if (vocab.isEmpty()) throw new BgeVlException(where + ": vocabulary is empty");
    return vocab;
  }

  private static String[] splitMergeLine(String line, String where) {
    int space = line.indexOf(' ');
    if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
      throw new BgeVlException(where + ": '" + abbreviate(line) + "' is not two tokens separated by one space");
    }
    return new String[] {line.substring(0, space), line.substring(space + 1)};
  }

  private static String textOrNull(JsonNode n) {
    return n.isTextual() ? n.asText() : null;
  }

  private static JsonNode readJsonIfExists(Path file) {
    return Files.exists(file) ? readJson(file) : null;
  }

  private static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (NoSuchFileException e) {
      throw new BgeVlException(file + ": missing");
    } catch (JacksonException e) {
      throw new BgeVlException(file + ": not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse("")
          + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : ""), e);
    } catch (IOException e) {
      throw new BgeVlException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  static String abbreviate(String s) {
    String oneLine = s.replace('\n', ' ').replace('\r', ' ');
    return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
  }
}
