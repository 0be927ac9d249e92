package dev.bgevl.llava;

import dev.bgevl.BgeVlException;
import dev.bgevl.tensor.Activation;
import dev.bgevl.tensor.Attention;
import dev.bgevl.tensor.Linear;
import dev.bgevl.tensor.Ops;
import dev.bgevl.tensor.WeightFormat;
import dev.bgevl.weights.DType;
import dev.bgevl.weights.SyntheticWeights;
import dev.bgevl.weights.TensorInfo;
import dev.bgevl.weights.TensorSource;
import dev.bgevl.weights.Weights;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Mistral decoder of LLaVA-NeXT (transformers 4.45 {@code MistralModel}), run once over a
 * prompt (prefill only, no cache, no lm_head), returning the final-RMSNorm hidden state of each
 * sequence's last token.
 *
 * <pre>
 * h = embed_tokens[ids]
 * per layer: h += o_proj(attn(rope(q), rope(k), v))   with q|k|v = proj(RMSNorm(h))
 *            h += down_proj(silu(gate_proj(x)) · up_proj(x)),  x = RMSNorm(h)
 * out = norm(h)[last token]
 * </pre>
 *
 * Compute is fp32; projection weights stay in their stored 16-bit format (products and sums fp32).
 * The embedding table stays memory-mapped and is read row by row.
 *
 * <p>Batches are laid out right-padded internally, each sequence at positions 0..len-1: since
 * RoPE is relative, this equals the reference's left padding up to rounding (and equals encoding
 * one prompt at a time exactly). Thread-safe: weights are immutable and each call owns its buffers.
 */
public final class MistralModel {
  private static final ValueLayout.OfShort I16_LE =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat F32_LE =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final MistralConfig cfg;
  private final TensorInfo embedTokens; // [vocab, hidden], mapped (null for synthetic weights)
  private final float[] syntheticEmbed; // [vocab, hidden] fp32, synthetic weights only
  private final Layer[] layers;
  private final float[] norm; // [hidden]
  private final float[] invFreq; // [headDim/2], fp32 as transformers computes it

  private record Layer(
      float[] inputLayernorm, // [hidden]
      Linear qkvProj, // [qDim + 2·kvDim, hidden]: q_proj | k_proj | v_proj
      Linear oProj, // [hidden, qDim]
      float[] postAttentionLayernorm, // [hidden]
      Linear gateUpProj, // [2·intermediate, hidden]: gate_proj | up_proj
      Linear downProj) {} // [hidden, intermediate]

  MistralModel(MistralConfig cfg, Weights w, String prefix) {
    this(cfg, w, prefix, w.tensor(prefix + "embed_tokens.weight", cfg.vocabSize(),
        cfg.hiddenSize()), null, format(w.tensor(prefix + "layers.0.self_attn.q_proj.weight",
        cfg.qDim(), cfg.hiddenSize()).dtype()));
  }

  /**
   * A decoder with seeded random weights ({@link SyntheticWeights}) stored in {@code format}, for
   * benchmarks and memory projections.
   */
  public static MistralModel synthetic(MistralConfig cfg, long seed, WeightFormat format) {
    SyntheticWeights w = new SyntheticWeights(seed);
    return new MistralModel(cfg, w, "", null,
        w.floats("embed_tokens.weight", cfg.vocabSize(), cfg.hiddenSize()), format);
  }

  private MistralModel(MistralConfig cfg, TensorSource w, String prefix, TensorInfo embedTokens,
      float[] syntheticEmbed, WeightFormat fmt) {
    this.cfg = cfg;
    int h = cfg.hiddenSize();
    int q = cfg.qDim();
    int kv = cfg.kvDim();
    int im = cfg.intermediateSize();
    this.embedTokens = embedTokens;
    this.syntheticEmbed = syntheticEmbed;
    this.layers = new Layer[cfg.numHiddenLayers()];
    for (int i = 0; i < layers.length; i++) {
      String p = prefix + "layers." + i + ".";
      String a = p + "self_attn.";
      String m = p + "mlp.";
      float[] qkv = concat(w.floats(a + "q_proj.weight", q, h), w.floats(a + "k_proj.weight", kv, h),
          w.floats(a + "v_proj.weight", kv, h));
      float[] gateUp = concat(w.floats(m + "gate_proj.weight", im, h),
          w.floats(m + "up_proj.weight", im, h));
      layers[i] = new Layer(
          w.floats(p + "input_layernorm.weight", h),
          Linear.pack(qkv, null, q + 2 * kv, h, fmt),
          Linear.pack(w.floats(a + "o_proj.weight", h, q), null, h, q, fmt),
          w.floats(p + "post_attention_layernorm.weight", h),
          Linear.pack(gateUp, null, 2 * im, h, fmt),
          Linear.pack(w.floats(m + "down_proj.weight", h, im), null, h, im, fmt));
    }
    this.norm = w.floats(prefix + "norm.weight", h);
    this.invFreq = ropeInvFreq(cfg.ropeTheta(), cfg.headDim());
  }

  /** Bytes of the packed projection weights (the embedding table excluded). */
  public long projectionBytes() {
    long n = 0;
    for (Layer l : layers) {
      n += l.qkvProj().weightBytes() + l.oProj().weightBytes() + l.gateUpProj().weightBytes()
          + l.downProj().weightBytes();
    }
    return n;
  }

  public MistralConfig config() {
    return cfg;
  }

  private static WeightFormat format(DType d) {
    return switch (d) {
      case BF16 -> WeightFormat.BF16;
      case F16 -> WeightFormat.F16;
      default -> WeightFormat.F32;
    };
  }

  private static float[] concat(float[]... parts) {
    int n = 0;
    for (float[] p : parts) {
      n += p.length;
    }
    float[] out = new float[n];
    int off = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, off, p.length);
      off += p.length;
    }
    return out;
  }

  /**
   * {@code 1 / base^(arange(0, dim, 2) / dim)} in fp32 as transformers 4.45's
   * MistralRotaryEmbedding computes it (int64 arange → float32, pow and division in fp32).
   */
  static float[] ropeInvFreq(double theta, int headDim) {
    float[] inv = new float[headDim / 2];
    float base = (float) theta;
    for (int i = 0; i < inv.length; i++) {
      float e = (float) (2 * i) / (float) headDim;
      inv[i] = 1.0f / (float) Math.pow(base, e);
    }
    return inv;
  }

  /**
   * The final-norm hidden state at each sequence's last token, {@code [batch][hidden]}.
   *
   * @param ids token ids per sequence (BOS included), each non-empty
   */
  public float[][] lastHidden(int[][] ids) {
    float[][] embeds = new float[ids.length][];
    for (int b = 0; b < ids.length; b++) {
      embeds[b] = embedTokens(ids[b]);
    }
    return lastHiddenFromEmbeddings(embeds);
  }

  /** The {@code embed_tokens} rows of {@code ids}: [ids.length · hidden]. */
  public float[] embedTokens(int[] ids) {
    int h = cfg.hiddenSize();
    float[] out = new float[ids.length * h];
    for (int t = 0; t < ids.length; t++) {
      embedRow(ids[t], out, t * h);
    }
    return out;
  }

  /**
   * The final-norm hidden state at each sequence's last position, from {@code inputs_embeds}
   * (each [length · hidden], e.g. token rows with image features merged in), {@code [batch][hidden]}.
   */
  public float[][] lastHiddenFromEmbeddings(float[][] inputsEmbeds) {
    int h = cfg.hiddenSize();
    int batch = inputsEmbeds.length;
    int seq = 0;
    for (float[] e : inputsEmbeds) {
      if (e.length == 0 || e.length % h != 0) {
        throw new IllegalArgumentException("inputs_embeds of " + e.length + " values is not a non-empty multiple of hidden " + h);
      }
      seq = Math.max(seq, e.length / h);
    }
    int qd = cfg.qDim();
    int kvd = cfg.kvDim();
    int im = cfg.intermediateSize();
    int qkvW = qd + 2 * kvd;
    int rows = batch * seq;
    int[] validLen = new int[batch];
    float[] hidden = new float[rows * h]; // [batch*seq, hidden]
    for (int b = 0; b < batch; b++) {
      validLen[b] = inputsEmbeds[b].length / h;
      System.arraycopy(inputsEmbeds[b], 0, hidden, b * seq * h, inputsEmbeds[b].length);
    }
    float[] xn = new float[rows * h]; // [rows, hidden]
    float[] qkv = new float[rows * qkvW]; // [rows, q | k | v]
    float[] attn = new float[rows * qd]; // [rows, qDim]
    float[] gateUp = new float[rows * 2 * im]; // [rows, gate | up]
    float[] act = new float[rows * im]; // [rows, intermediate]
    float[][] cos = new float[seq][];
    float[][] sin = new float[seq][];
    for (int t = 0; t < seq; t++) {
      cos[t] = new float[invFreq.length];
      sin[t] = new float[invFreq.length];
      for (int i = 0; i < invFreq.length; i++) {
        float angle = (float) t * invFreq[i];
        cos[t][i] = (float) Math.cos(angle);
        sin[t][i] = (float) Math.sin(angle);
      }
    }
    float scale = (float) (1.0 / Math.sqrt(cfg.headDim()));
    for (Layer l : layers) {
      // attention block
      Ops.rmsNorm(hidden, xn, rows, h, l.inputLayernorm(), cfg.rmsNormEps());
      l.qkvProj().apply(xn, rows, qkv, Activation.NONE);
      for (int r = 0; r < rows; r++) {
        int t = r % seq;
        int base = r * qkvW;
        for (int hd = 0; hd < cfg.numAttentionHeads(); hd++) {
          rope(qkv, base + hd * cfg.headDim(), cos[t], sin[t]);
        }
        for (int hd = 0; hd < cfg.numKeyValueHeads(); hd++) {
          rope(qkv, base + qd + hd * cfg.headDim(), cos[t], sin[t]);
        }
      }
      Attention.attention(qkv, 0, qkvW, qkv, qd, qkvW, qkv, qd + kvd, qkvW, batch, seq,
          cfg.numAttentionHeads(), cfg.numKeyValueHeads(), cfg.headDim(), scale, true, validLen,
          attn);
      l.oProj().applyAdd(attn, rows, hidden);
      // MLP block
      Ops.rmsNorm(hidden, xn, rows, h, l.postAttentionLayernorm(), cfg.rmsNormEps());
      l.gateUpProj().apply(xn, rows, gateUp, Activation.NONE);
      for (int r = 0; r < rows; r++) {
        int g = r * 2 * im;
        int o = r * im;
        for (int i = 0; i < im; i++) {
          float x = gateUp[g + i];
          float silu = x / (1.0f + (float) Math.exp(-x));
          act[o + i] = silu * gateUp[g + im + i];
        }
      }
      l.downProj().applyAdd(act, rows, hidden);
    }
    float[][] out = new float[batch][h];
    float[] last = new float[h];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(hidden, (b * seq + validLen[b] - 1) * h, last, 0, h);
      Ops.rmsNorm(last, out[b], 1, h, norm, cfg.rmsNormEps());
    }
    return out;
  }

  /** Rotate-half RoPE on one head at {@code off}: x' = x·cos + rot(x)·sin, rot([a, b]) = [−b, a]. */
  private static void rope(float[] x, int off, float[] cos, float[] sin) {
    int half = cos.length;
    for (int i = 0; i < half; i++) {
      float a = x[off + i];
      float b = x[off + half + i];
      x[off + i] = a * cos[i] - b * sin[i];
      x[off + half + i] = b * cos[i] + a * sin[i];
    }
  }

  private void embedRow(int id, float[] dst, int off) {
    int h = cfg.hiddenSize();
    if (id < 0 || id >= cfg.vocabSize()) {
      throw new BgeVlException("token id " + id + " is outside the model's vocabulary of "
          + cfg.vocabSize());
    }
    if (syntheticEmbed != null) {
      System.arraycopy(syntheticEmbed, id * h, dst, off, h);
      return;
    }
    MemorySegment s = embedTokens.data();
    long base = (long) id * h;
    switch (embedTokens.dtype()) {
      case F32 -> MemorySegment.copy(s, F32_LE, base * 4, dst, off, h);
      case F16 -> {
        for (int i = 0; i < h; i++) {
          dst[off + i] = DType.f16ToF32(s.getAtIndex(I16_LE, base + i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < h; i++) {
          dst[off + i] = DType.bf16ToF32(s.getAtIndex(I16_LE, base + i));
        }
      }
      default -> throw new BgeVlException(embedTokens.file() + ": embed_tokens dtype "
          + embedTokens.dtype() + " is not a float type");
    }
  }
}
