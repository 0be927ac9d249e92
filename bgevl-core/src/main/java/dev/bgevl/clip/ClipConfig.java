package dev.bgevl.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import dev.bgevl.tensor.Activation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A CLIP {@code config.json}: the nested {@code text_config} and {@code vision_config} plus
 * {@code projection_dim}. Absent keys take transformers 4.45's {@code CLIPTextConfig} /
 * {@code CLIPVisionConfig} defaults, as the real BGE-VL checkpoints rely on (base's vision_config is
 * only {@code {"patch_size": 16}}).
 */
public record ClipConfig(Text text, Vision vision, int projectionDim) {

  public ClipConfig {
    if (projectionDim <= 0) {
      throw new BgeVlException("config.json: projection_dim must be positive, got " + projectionDim);
    }
  }

  /** {@code text_config}. */
  public record Text(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
      int numAttentionHeads, int maxPositionEmbeddings, Activation hiddenAct, float layerNormEps,
      int padTokenId, int bosTokenId, int eosTokenId) {
    public Text {
      checkHeads("text_config", hiddenSize, numAttentionHeads);
      positive("text_config.vocab_size", vocabSize);
      positive("text_config.intermediate_size", intermediateSize);
      positive("text_config.num_hidden_layers", numHiddenLayers);
      positive("text_config.max_position_embeddings", maxPositionEmbeddings);
    }

    public int headDim() {
      return hiddenSize / numAttentionHeads;
    }

    /** transformers' legacy rule: configs with eos_token_id 2 pool at argmax(input_ids). */
    public boolean legacyArgmaxPooling() {
      return eosTokenId == 2;
    }
  }

  /** {@code vision_config}. */
  public record Vision(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
      int numChannels, int imageSize, int patchSize, Activation hiddenAct, float layerNormEps) {
    public Vision {
      checkHeads("vision_config", hiddenSize, numAttentionHeads);
      positive("vision_config.intermediate_size", intermediateSize);
      positive("vision_config.num_hidden_layers", numHiddenLayers);
      positive("vision_config.num_channels", numChannels);
      positive("vision_config.patch_size", patchSize);
      if (imageSize <= 0 || imageSize % patchSize != 0) {
        throw new BgeVlException("config.json: vision_config.image_size " + imageSize + " must be a positive multiple of patch_size " + patchSize);
      }
    }

    public int headDim() {
      return hiddenSize / numAttentionHeads;
    }

    public int patchesPerSide() {
      return imageSize / patchSize;
    }

    public int numPatches() {
      return patchesPerSide() * patchesPerSide();
    }

    /** CLS + patches. */
    public int numPositions() {
      return numPatches() + 1;
    }
  }

  private static void checkHeads(String where, int hidden, int heads) {
    positive(where + ".hidden_size", hidden);
    positive(where + ".num_attention_heads", heads);
    if (hidden % heads != 0) {
      throw new BgeVlException("config.json: " + where + ".hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
    }
  }

  private static void positive(String key, long v) {
    if (v <= 0) {
      throw new BgeVlException("config.json: " + key + " must be positive, got " + v);
    }
  }

  /** BGE-VL-base's architecture (ViT-B/16 at 224, 512-d text, 512-d embedding). */
  public static ClipConfig base() {
    return new ClipConfig(
        new Text(49408, 512, 2048, 12, 8, 77, Activation.QUICK_GELU, 1e-5f, 1, 49406, 49407),
        new Vision(768, 3072, 12, 12, 3, 224, 16, Activation.QUICK_GELU, 1e-5f), 512);
  }

  /** BGE-VL-large's architecture (ViT-L/14 at 224, 768-d text, 768-d embedding). */
  public static ClipConfig large() {
    return new ClipConfig(
        new Text(49408, 768, 3072, 12, 12, 77, Activation.QUICK_GELU, 1e-5f, 1, 49406, 49407),
        new Vision(1024, 4096, 24, 16, 3, 224, 14, Activation.QUICK_GELU, 1e-5f), 768);
  }

  /** Reads {@code dir/config.json}. */
  public static ClipConfig load(Path dir) {
    Path file = dir.resolve("config.json");
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new BgeVlException(dir + ": config.json not found (not a Hugging Face model folder?)");
    } catch (IOException e) {
      throw new BgeVlException(file + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    return parse(root, file.toString());
  }

  static ClipConfig parse(JsonNode root, String where) {
    if (root == null || !root.isObject()) {
      throw new BgeVlException(where + ": not a JSON object");
    }
    String modelType = root.path("model_type").asText("clip");
    if (!modelType.equals("clip")) {
      throw new BgeVlException(where + ": model_type is '" + modelType + "', expected 'clip'");
    }
    JsonNode t = root.get("text_config");
    JsonNode v = root.get("vision_config");
    if (t == null || !t.isObject()) {
      throw new BgeVlException(where + ": missing required key \"text_config\" (a CLIPConfig has text_config and vision_config)");
    }
    if (v == null || !v.isObject()) {
      throw new BgeVlException(where + ": missing required key \"vision_config\" (a CLIPConfig has text_config and vision_config)");
    }
    Keys tk = new Keys(t, where, "text_config");
    Text text = new Text(
        tk.integer("vocab_size", 49408),
        tk.integer("hidden_size", 512),
        tk.integer("intermediate_size", 2048),
        tk.integer("num_hidden_layers", 12),
        tk.integer("num_attention_heads", 8),
        tk.integer("max_position_embeddings", 77),
        tk.activation("hidden_act", "quick_gelu"),
        tk.real("layer_norm_eps", 1e-5),
        tk.integer("pad_token_id", 1),
        tk.integer("bos_token_id", 49406),
        tk.integer("eos_token_id", 49407));
    Keys vk = new Keys(v, where, "vision_config");
    Vision vision = new Vision(
        vk.integer("hidden_size", 768),
        vk.integer("intermediate_size", 3072),
        vk.integer("num_hidden_layers", 12),
        vk.integer("num_attention_heads", 12),
        vk.integer("num_channels", 3),
        vk.integer("image_size", 224),
        vk.integer("patch_size", 32),
        vk.activation("hidden_act", "quick_gelu"),
        vk.real("layer_norm_eps", 1e-5));
    int projectionDim = new Keys(root, where, null).integer("projection_dim", 512);
    return new ClipConfig(text, vision, projectionDim);
  }

  /** Typed reads of one JSON object with transformers' defaults and one-line errors. */
  private record Keys(JsonNode node, String file, String prefix) {
    private String name(String key) {
      return prefix == null ? key : prefix + "." + key;
    }

    int integer(String key, int dflt) {
      JsonNode n = node.get(key);
      if (n == null || n.isNull()) {
        return dflt;
      }
      if (!n.canConvertToInt() || !(n.isIntegralNumber() || (n.isNumber() && n.asDouble() == Math.rint(n.asDouble())))) {
        throw new BgeVlException(file + ": " + name(key) + " must be an integer, got " + n);
      }
      return n.asInt();
    }

    float real(String key, double dflt) {
      JsonNode n = node.get(key);
      if (n == null || n.isNull()) {
        return (float) dflt;
      }
      if (!n.isNumber()) {
        throw new BgeVlException(file + ": " + name(key) + " must be a number, got " + n);
      }
      return (float) n.asDouble();
    }

    Activation activation(String key, String dflt) {
      JsonNode n = node.get(key);
      String s = n == null || n.isNull() ? dflt : n.asText();
      return switch (s) {
        case "quick_gelu" -> Activation.QUICK_GELU;
        case "gelu" -> Activation.GELU;
        default -> throw new BgeVlException(file + ": " + name(key) + " '" + s + "' is not supported (quick_gelu or gelu)");
      };
    }
  }
}
