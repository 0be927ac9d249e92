package dev.bgevl.llava;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.BgeVlException;

/**
 * The language model of a LLaVA-NeXT {@code config.json} ({@code text_config}), or a plain Mistral /
 * Llama {@code config.json}. Absent keys take transformers 4.45's defaults for the config's
 * {@code model_type}: {@code MistralConfig} (rms_norm_eps 1e-6, rope_theta 1e4, 8 KV heads, sliding
 * window 4096...) or, as {@code LlavaNextConfig} does for a text_config without a model_type,
 * {@code LlamaConfig}. The real llava-v1.6-mistral text_config sets rms_norm_eps 1e-5, rope_theta 1e6
 * and sliding_window null explicitly.
 *
 * @param slidingWindow 0 when null (no window)
 */
public record MistralConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
    int numAttentionHeads, int numKeyValueHeads, int headDim, float rmsNormEps, double ropeTheta,
    int maxPositionEmbeddings, int slidingWindow) {

  public MistralConfig {
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("num_key_value_heads", numKeyValueHeads);
    positive("head_dim", headDim);
    positive("max_position_embeddings", maxPositionEmbeddings);
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new BgeVlException("config.json: text_config.num_attention_heads " + numAttentionHeads
          + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
    }
    if (headDim % 2 != 0) throw new BgeVlException("config.json: text_config.head_dim " + headDim + " must be even (RoPE)");
    if (!(rmsNormEps > 0) || !(ropeTheta > 0)) {
      throw new BgeVlException("config.json: text_config.rms_norm_eps " + rmsNormEps + " and rope_theta " + ropeTheta
          + " must be positive");
    }
    if (slidingWindow < 0) throw new BgeVlException("config.json: text_config.sliding_window " + slidingWindow + " is negative");
  }

  /** Query heads per KV head (GQA). */
  public int groups() {
    return numAttentionHeads / numKeyValueHeads;
  }

  /** Width of the query projection (heads × head_dim; may differ from hidden_size). */
  public int qDim() {
    return numAttentionHeads * headDim;
  }

  /** Width of the key and value projections. */
  public int kvDim() {
    return numKeyValueHeads * headDim;
  }

  /** Reads {@code text_config} (or the root when the file is a plain language-model config). */
  public static MistralConfig fromJson(JsonNode root) {
    JsonNode t = root.has("text_config") ? root.path("text_config") : root;
    String type = t.path("model_type").asText(root.has("text_config") ? "llama" : "mistral");
    if (!type.equals("mistral") && !type.equals("llama")) {
      throw new BgeVlException("config.json: text_config.model_type '" + type + "' is not supported (mistral or llama)");
    }
    boolean mistral = type.equals("mistral");
    String act = t.path("hidden_act").asText("silu");
    if (!act.equals("silu")) throw new BgeVlException("config.json: text_config.hidden_act '" + act + "' is not supported (silu)");
    if (t.path("attention_bias").asBoolean(false) || t.path("mlp_bias").asBoolean(false)) {
      throw new BgeVlException("config.json: text_config with attention_bias/mlp_bias is not supported");
    }
    JsonNode scaling = t.path("rope_scaling");
    if (!scaling.isMissingNode() && !scaling.isNull()) {
      throw new BgeVlException("config.json: text_config.rope_scaling " + scaling + " is not supported");
    }
    int hidden = t.path("hidden_size").asInt(4096);
    int heads = t.path("num_attention_heads").asInt(32);
    int kvHeads = t.path("num_key_value_heads").isNull() || t.path("num_key_value_heads").isMissingNode()
        ? (mistral ? 8 : heads) : t.path("num_key_value_heads").asInt();
    int headDim = t.path("head_dim").isNull() || t.path("head_dim").isMissingNode()
        ? (heads > 0 ? hidden / heads : 0) : t.path("head_dim").asInt();
    JsonNode sw = t.path("sliding_window");
    int window = !mistral || sw.isNull() ? 0 : sw.isMissingNode() ? 4096 : sw.asInt();
    return new MistralConfig(type,
        t.path("vocab_size").asInt(root.path("vocab_size").asInt(32000)),
        hidden,
        t.path("intermediate_size").asInt(mistral ? 14336 : 11008),
        t.path("num_hidden_layers").asInt(32),
        heads, kvHeads, headDim,
        (float) t.path("rms_norm_eps").asDouble(1e-6),
        t.path("rope_theta").asDouble(10000.0),
        t.path("max_position_embeddings").asInt(mistral ? 4096 * 32 : 2048),
        window);
  }

  private static void positive(String key, int v) {
    if (v <= 0) throw new BgeVlException("config.json: text_config." + key + " must be positive, got " + v);
  }
}
