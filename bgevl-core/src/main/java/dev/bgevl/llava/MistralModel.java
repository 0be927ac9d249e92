package dev.bgevl.llava;

import dev.bgevl.BgeVlException;
import dev.bgevl.tensor.Activation;
import dev.bgevl.tensor.Linear;
import dev.bgevl.tensor.Ops;
import dev.bgevl.tensor.WeightFormat;
import dev.bgevl.weights.DType;
import dev.bgevl.weights.TensorInfo;
import dev.bgevl.weights.Weights;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The Mistral decoder of LLaVA-NeXT (transformers 4.45 {@code MistralModel}), for embedding: input
 * embeddings in, the final-RMSNorm hidden state of each sequence's last token out. No LM head, no KV
 * cache (one prefill per input). Per layer:
 * <pre>
 *   h += o_proj(attention(rope(q_proj(x)), rope(k_proj(x)), v_proj(x)))   x = input_layernorm(h)
 *   h += down_proj(silu(gate_proj(x)) · up_proj(x))                       x = post_attention_layernorm(h)
 * </pre>
 * Weights stay in their stored 16-bit format (BF16 or F16) inside {@link Linear}; activations,
 * norms, softmax and sums are fp32, as the reference's fp32 run with upcast weights.
 * Immutable after load; thread-safe.
 */
public final class MistralModel {
  /** Weight-name prefixes of the language model, tried in order (4.45 layout, ≥ 4.52 layout, plain). */
  static final List<String> PREFIXES = List.of("language_model.model.", "model.language_model.", "language_model.", "model.");

  private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final MistralConfig config;
  private final String prefix;
  // embed_tokens [vocab, hidden] in its stored format: 16-bit patterns, or fp32
  private final short[] embed16;
  private final float[] embed32;
  private final DType embedType;
  private final Layer[] layers;
  private final float[] norm;          // [hidden]
  private final Rope rope;

  /** One decoder layer; names follow the checkpoint keys. */
  private record Layer(
      float[] inputLayernorm,          // [hidden]
      Linear qkvProj,                  // [qDim + 2·kvDim, hidden]: q_proj | k_proj | v_proj
      Linear oProj,                    // [hidden, qDim]
      float[] postAttentionLayernorm,  // [hidden]
      Linear gateProj,                 // [intermediate, hidden]
      Linear upProj,                   // [intermediate, hidden]
      Linear downProj) {}              // [hidden, intermediate]

  private MistralModel(MistralConfig config, String prefix, short[] embed16, float[] embed32, DType embedType,
                       Layer[] layers, float[] norm) {
    this.config = config;
    this.prefix = prefix;
    this.embed16 = embed16;
    this.embed32 = embed32;
    this.embedType = embedType;
    this.layers = layers;
    this.norm = norm;
    this.rope = new Rope(config.headDim(), config.ropeTheta());
  }

  /** Loads and packs the decoder weights (the mapped files may be closed afterwards). */
  public static MistralModel load(Weights w, MistralConfig c) {
    String prefix = null;
    for (String p : PREFIXES) {
      if (w.has(p + "embed_tokens.weight")) {
        prefix = p;
        break;
      }
    }
    if (prefix == null) {
      throw new BgeVlException(w.folder() + ": no language-model weights (none of " + PREFIXES.stream()
          .map(p -> "'" + p + "embed_tokens.weight'").toList() + " found)");
    }
    long hidden = c.hiddenSize();
    TensorInfo emb = w.tensor(prefix + "embed_tokens.weight", c.vocabSize(), hidden);
    short[] e16 = null;
    float[] e32 = null;
    if (emb.dtype() == DType.F32) {
      e32 = Weights.toFloats(emb);
    } else {
      e16 = new short[Math.toIntExact(emb.numel())];
      MemorySegment.copy(emb.data(), I16_LE, 0, e16, 0, e16.length);
    }
    Layer[] layers = new Layer[c.numHiddenLayers()];
    for (int l = 0; l < layers.length; l++) {
      String p = prefix + "layers." + l + ".";
      float[] q = w.floats(p + "self_attn.q_proj.weight", c.qDim(), hidden);
      float[] k = w.floats(p + "self_attn.k_proj.weight", c.kvDim(), hidden);
      float[] v = w.floats(p + "self_attn.v_proj.weight", c.kvDim(), hidden);
      float[] qkv = new float[q.length + k.length + v.length];
      System.arraycopy(q, 0, qkv, 0, q.length);
      System.arraycopy(k, 0, qkv, q.length, k.length);
      System.arraycopy(v, 0, qkv, q.length + k.length, v.length);
      layers[l] = new Layer(
          w.floats(p + "input_layernorm.weight", hidden),
          pack(w, p + "self_attn.q_proj.weight", qkv, c.qDim() + 2 * c.kvDim(), c.hiddenSize()),
          pack(w, p + "self_attn.o_proj.weight", w.floats(p + "self_attn.o_proj.weight", hidden, c.qDim()),
              c.hiddenSize(), c.qDim()),
          w.floats(p + "post_attention_layernorm.weight", hidden),
          pack(w, p + "mlp.gate_proj.weight", w.floats(p + "mlp.gate_proj.weight", c.intermediateSize(), hidden),
              c.intermediateSize(), c.hiddenSize()),
          pack(w, p + "mlp.up_proj.weight", w.floats(p + "mlp.up_proj.weight", c.intermediateSize(), hidden),
              c.intermediateSize(), c.hiddenSize()),
          pack(w, p + "mlp.down_proj.weight", w.floats(p + "mlp.down_proj.weight", hidden, c.intermediateSize()),
              c.hiddenSize(), c.intermediateSize()));
    }
    float[] norm = w.floats(prefix + "norm.weight", hidden);
    return new MistralModel(c, prefix, e16, e32, emb.dtype(), layers, norm);
  }

  /** Packs a weight in the format it is stored in, so 16-bit checkpoints stay 16-bit in memory. */
  private static Linear pack(Weights w, String name, float[] weight, int out, int in) {
    WeightFormat f = switch (w.tensors().get(name).dtype()) {
      case BF16 -> WeightFormat.BF16;
      case F16 -> WeightFormat.F16;
      default -> WeightFormat.F32;
    };
    return Linear.pack(weight, null, out, in, f);
  }

  public MistralConfig config() {
    return config;
  }

  /** The weight-name prefix found in the checkpoint (e.g. {@code language_model.model.}). */
  public String weightPrefix() {
    return prefix;
  }

  public float[] ropeInvFreq() {
    return rope.invFreq();
  }

  /** Writes the embedding row of {@code tokenId} to {@code out[off, off + hidden)}. */
  public void embedToken(int tokenId, float[] out, int off) {
    int hidden = config.hiddenSize();
    if (tokenId < 0 || tokenId >= config.vocabSize()) {
      throw new BgeVlException("token id " + tokenId + " is outside the vocabulary [0, " + config.vocabSize() + ")");
    }
    int base = tokenId * hidden;
    if (embed32 != null) {
      System.arraycopy(embed32, base, out, off, hidden);
    } else if (embedType == DType.BF16) {
      for (int i = 0; i < hidden; i++) out[off + i] = DType.bf16ToF32(embed16[base + i]);
    } else {
      for (int i = 0; i < hidden; i++) out[off + i] = DType.f16ToF32(embed16[base + i]);
    }
  }

  /**
   * Runs sequences packed one after another and returns, per sequence, the final-norm hidden state
   * of its last token (not L2-normalized).
   *
   * @param inputsEmbeds [Σ lengths, hidden]; not modified
   * @param lengths tokens per sequence, each ≥ 1 and ≤ max_position_embeddings
   * @return [sequences, hidden]
   */
  public float[] lastHiddenStates(float[] inputsEmbeds, int[] lengths) {
    int hidden = config.hiddenSize();
    int rows = 0;
    int maxLen = 0;
    int[] starts = new int[lengths.length];
    for (int s = 0; s < lengths.length; s++) {
      if (lengths[s] < 1) throw new IllegalArgumentException("sequence " + s + " is empty");
      if (lengths[s] > config.maxPositionEmbeddings()) {
        throw new BgeVlException("an input of " + lengths[s] + " tokens exceeds the model's max_position_embeddings "
            + config.maxPositionEmbeddings());
      }
      starts[s] = rows;
      rows += lengths[s];
      maxLen = Math.max(maxLen, lengths[s]);
    }
    if (inputsEmbeds.length != (long) rows * hidden) {
      throw new IllegalArgumentException("inputsEmbeds has " + inputsEmbeds.length + " values, expected "
          + rows + " × " + hidden);
    }
    int[] positions = new int[rows];
    for (int s = 0; s < lengths.length; s++) {
      for (int i = 0; i < lengths[s]; i++) positions[starts[s] + i] = i;
    }
    float[][] ropeTables = rope.tables(maxLen);
    int qDim = config.qDim();
    int qkvWidth = qDim + 2 * config.kvDim();
    int inter = config.intermediateSize();
    float eps = config.rmsNormEps();

    float[] h = inputsEmbeds.clone();                       // [rows, hidden] residual stream
    float[] x = new float[rows * hidden];                   // [rows, hidden] normed
    float[] qkv = new float[rows * qkvWidth];               // [rows, q | k | v]
    float[] attn = new float[rows * qDim];                  // [rows, qDim]
    float[] gate = new float[Math.multiplyExact(rows, inter)]; // [rows, intermediate]
    float[] up = new float[rows * inter];                   // [rows, intermediate]
    for (Layer layer : layers) {
      // self-attention block
      Ops.rmsNorm(h, x, rows, hidden, layer.inputLayernorm(), eps);
      layer.qkvProj().apply(x, rows, qkv, Activation.NONE);
      rope.apply(qkv, rows, qkvWidth, 0, config.numAttentionHeads(), positions, ropeTables);
      rope.apply(qkv, rows, qkvWidth, qDim, config.numKeyValueHeads(), positions, ropeTables);
      GqaAttention.apply(qkv, starts, lengths, config.numAttentionHeads(), config.numKeyValueHeads(),
          config.headDim(), config.slidingWindow(), attn);
      layer.oProj().applyAdd(attn, rows, h);
      // MLP block
      Ops.rmsNorm(h, x, rows, hidden, layer.postAttentionLayernorm(), eps);
      layer.gateProj().apply(x, rows, gate, Activation.SILU);
      layer.upProj().apply(x, rows, up, Activation.NONE);
      Ops.mul(gate, up, rows * inter);
      layer.downProj().applyAdd(gate, rows, h);
    }
    float[] last = new float[lengths.length * hidden];
    for (int s = 0; s < lengths.length; s++) {
      System.arraycopy(h, (starts[s] + lengths[s] - 1) * hidden, last, s * hidden, hidden);
    }
    float[] out = new float[last.length];
    Ops.rmsNorm(last, out, lengths.length, hidden, norm, eps);
    return out;
  }
}
