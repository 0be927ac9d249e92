package dev.bgevl.llava;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.BgeVlException;

/**
 * The text model's config ({@code text_config} of a LLaVA-NeXT {@code config.json}, or a plain
 * Mistral/Llama {@code config.json}). Keys absent from the file take transformers 4.45's
 * {@code MistralConfig} defaults, or {@code LlamaConfig}'s when model_type is "llama" or missing
 * inside a LLaVA-NeXT text_config (transformers' rule).
 *
 * @param slidingWindow 0 when null (no sliding window)
 */
public record MistralConfig(int hiddenSize, int intermediateSize, int numHiddenLayers,
    int numAttentionHeads, int numKeyValueHeads, int headDim, float rmsNormEps, double ropeTheta,
    int maxPositionEmbeddings, int slidingWindow, int vocabSize, String hiddenAct) {

  public MistralConfig {
    if (hiddenSize <= 0 || intermediateSize <= 0 || numHiddenLayers <= 0 || numAttentionHeads <= 0
        || numKeyValueHeads <= 0 || headDim <= 0 || vocabSize <= 0 || maxPositionEmbeddings <= 0) {
      throw new BgeVlException("text config: sizes must be positive (hidden " + hiddenSize
          + ", intermediate " + intermediateSize + ", layers " + numHiddenLayers + ", heads "
          + numAttentionHeads + ", kv heads " + numKeyValueHeads + ", head_dim " + headDim
          + ", vocab " + vocabSize + ", max positions " + maxPositionEmbeddings + ")");
    }
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new BgeVlException("text config: num_attention_heads " + numAttentionHeads
          + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
    }
    if (headDim % 2 != 0) {
      throw new BgeVlException("text config: head_dim " + headDim + " must be even for RoPE");
    }
    if (!hiddenAct.equals("silu")) {
      throw new BgeVlException("text config: hidden_act '" + hiddenAct + "' is not supported (silu)");
    }
    if (!(rmsNormEps > 0) || !(ropeTheta > 0)) {
      throw new BgeVlException("text config: rms_norm_eps " + rmsNormEps + " and rope_theta "
          + ropeTheta + " must be positive");
    }
  }

  /** From a text_config node; {@code nested} = inside a LLaVA config (missing model_type → llama). */
  public static MistralConfig from(JsonNode t, boolean nested) {
    String type = t.path("model_type").asText(nested ? "llama" : "mistral");
    boolean llama = type.equals("llama");
    if (!llama && !type.equals("mistral")) {
      throw new BgeVlException("text config: model_type '" + type + "' is not mistral or llama");
    }
    int hidden = t.path("hidden_size").asInt(4096);
    int heads = t.path("num_attention_heads").asInt(32);
    int kv = t.path("num_key_value_heads").isNumber() ? t.get("num_key_value_heads").asInt()
        : (llama ? heads : 8);
    int headDim = t.path("head_dim").isNumber() ? t.get("head_dim").asInt() : hidden / heads;
    int sliding = 0;
    if (!llama) {
      JsonNode sw = t.path("sliding_window");
      sliding = sw.isMissingNode() ? 4096 : (sw.isNull() ? 0 : sw.asInt());
    }
    if (t.path("rope_scaling").isObject()) {
      throw new BgeVlException("text config: rope_scaling is not supported");
    }
    return new MistralConfig(hidden,
        t.path("intermediate_size").asInt(llama ? 11008 : 14336),
        t.path("num_hidden_layers").asInt(32), heads, kv, headDim,
        (float) t.path("rms_norm_eps").asDouble(1e-6),
        t.path("rope_theta").asDouble(10000.0),
        t.path("max_position_embeddings").asInt(llama ? 2048 : 4096 * 32), sliding,
        t.path("vocab_size").asInt(32000), t.path("hidden_act").asText("silu"));
  }

  public int qDim() {
    return numAttentionHeads * headDim;
  }

  public int kvDim() {
    return numKeyValueHeads * headDim;
  }

  /** The most positions a prompt may use. */
  public int maxTokens() {
    return slidingWindow > 0 ? Math.min(slidingWindow, maxPositionEmbeddings) : maxPositionEmbeddings;
  }

  /** Parameters of the decoder (embeddings and layers, no lm_head). */
  public long parameters() {
    long layer = (long) hiddenSize * (qDim() + 2L * kvDim()) + (long) qDim() * hiddenSize
        + 3L * hiddenSize * intermediateSize + 2L * hiddenSize;
    return (long) vocabSize * hiddenSize + numHiddenLayers * layer + hiddenSize;
  }
}
