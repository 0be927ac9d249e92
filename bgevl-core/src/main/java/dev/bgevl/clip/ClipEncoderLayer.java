package dev.bgevl.clip;

import dev.bgevl.tensor.Activation;
import dev.bgevl.tensor.Attention;
import dev.bgevl.tensor.Linear;
import dev.bgevl.tensor.RowSource;
import dev.bgevl.tensor.WeightFormat;
import dev.bgevl.tensor.Ops;
import dev.bgevl.weights.TensorSource;

/**
 * One pre-LN transformer block of either CLIP tower ({@code CLIPEncoderLayer}):
 * {@code x += out_proj(attn(layer_norm1(x)))}, then {@code x += fc2(act(fc1(layer_norm2(x))))}.
 * q, k and v projections are packed into one [3·hidden, hidden] matrix so one GEMM computes them.
 */
final class ClipEncoderLayer {
  private final int hidden;
  private final int heads;
  private final float eps;
  private final float[] layerNorm1Weight; // [hidden]
  private final float[] layerNorm1Bias; // [hidden]
  private final Linear qkvProj; // [3·hidden, hidden] = q_proj | k_proj | v_proj, with biases
  private final Linear outProj; // [hidden, hidden]
  private final float[] layerNorm2Weight; // [hidden]
  private final float[] layerNorm2Bias; // [hidden]
  private final Linear fc1; // [intermediate, hidden]
  private final Linear fc2; // [hidden, intermediate]
  private final Activation act;

  ClipEncoderLayer(TensorSource w, String prefix, int hidden, int intermediate, int heads, Activation act, float eps) {
    this.hidden = hidden;
    this.heads = heads;
    this.eps = eps;
    this.act = act;
    String attn = prefix + ".self_attn.";
    float[] qkvBias = new float[3 * hidden];
    String[] parts = {"q_proj", "k_proj", "v_proj"};
    RowSource[] qkv = new RowSource[3];
    for (int i = 0; i < 3; i++) {
      qkv[i] = w.rows(attn + parts[i] + ".weight", hidden, hidden);
      System.arraycopy(w.floats(attn + parts[i] + ".bias", hidden), 0, qkvBias, i * hidden, hidden);
    }
    this.qkvProj = Linear.pack(RowSource.stack(hidden, qkv, new int[] {hidden, hidden, hidden}), qkvBias,
        3 * hidden, hidden, WeightFormat.F32);
    this.outProj = Linear.pack(w.rows(attn + "out_proj.weight", hidden, hidden), w.floats(attn + "out_proj.bias", hidden),
        hidden, hidden, WeightFormat.F32);
    this.layerNorm1Weight = w.floats(prefix + ".layer_norm1.weight", hidden);
    this.layerNorm1Bias = w.floats(prefix + ".layer_norm1.bias", hidden);
    this.layerNorm2Weight = w.floats(prefix + ".layer_norm2.weight", hidden);
    this.layerNorm2Bias = w.floats(prefix + ".layer_norm2.bias", hidden);
    this.fc1 = Linear.pack(w.rows(prefix + ".mlp.fc1.weight", intermediate, hidden), w.floats(prefix + ".mlp.fc1.bias", intermediate),
        intermediate, hidden, WeightFormat.F32);
    this.fc2 = Linear.pack(w.rows(prefix + ".mlp.fc2.weight", hidden, intermediate), w.floats(prefix + ".mlp.fc2.bias", hidden),
        hidden, intermediate, WeightFormat.F32);
  }

  /**
   * Runs the block in place on {@code x} [batch·seq, hidden].
   *
   * @param causal text tower: a query attends to itself and earlier keys only
   * @param validLen per sequence, keys at or past it are padding (null: all valid)
   */
  void forward(float[] x, int batch, int seq, boolean causal, int[] validLen, Buffers buf) {
    int rows = batch * seq;
    int headDim = qkv(x, rows, buf);
    Attention.selfAttention(buf.qkv, batch, seq, heads, headDim, (float) Math.pow(headDim, -0.5), causal, validLen, buf.attn);
    residualAndMlp(x, rows, buf);
  }

  /**
   * The block's output for one row per sequence only, row {@code query[b]} of item {@code b}, into
   * {@code out} [batch, hidden]; {@code x} is read, not changed. Keys and values still come from
   * every row, but the attention output, the residuals and the MLP run on the selected rows alone.
   * The rows are bit-identical to those of {@link #forward} (every kernel computes a row the same
   * way whatever the other rows), so the last layer of a tower can skip the rows nobody pools.
   */
  void forwardRows(float[] x, int batch, int seq, boolean causal, int[] validLen, int[] query, Buffers buf,
      float[] out) {
    int headDim = qkv(x, batch * seq, buf);
    Attention.selfAttentionRows(buf.qkv, batch, seq, heads, headDim, (float) Math.pow(headDim, -0.5), causal, validLen,
        query, buf.attn);
    for (int b = 0; b < batch; b++) {
      System.arraycopy(x, (b * seq + query[b]) * hidden, out, b * hidden, hidden);
    }
    residualAndMlp(out, batch, buf);
  }

  /** {@code buf.qkv = qkv_proj(layer_norm1(x))} on {@code rows} rows; returns the head size. */
  private int qkv(float[] x, int rows, Buffers buf) {
    Ops.layerNorm(x, buf.normed, rows, hidden, layerNorm1Weight, layerNorm1Bias, eps);
    qkvProj.apply(buf.normed, rows, buf.qkv, Activation.NONE);
    return hidden / heads;
  }

  /**
   * The rest of the block on {@code rows} rows of {@code h} in place, the attention output of row i
   * being row i of {@code buf.attn}: {@code h += out_proj(attn)}, then {@code h += fc2(act(fc1(layer_norm2(h))))}.
   */
  private void residualAndMlp(float[] h, int rows, Buffers buf) {
    outProj.applyAdd(buf.attn, rows, h);
    Ops.layerNorm(h, buf.normed, rows, hidden, layerNorm2Weight, layerNorm2Bias, eps);
    fc1.apply(buf.normed, rows, buf.mlp, act);
    fc2.applyAdd(buf.mlp, rows, h);
  }

  /** Activation scratch for one forward call on {@code rows} rows (views of a {@link Scratch} set). */
  static final class Buffers {
    final float[] normed; // [rows, hidden]
    final float[] qkv; // [rows, 3·hidden]
    final float[] attn; // [rows, hidden]
    final float[] mlp; // [rows, intermediate]

    Buffers(Scratch s, int rows, int hidden, int intermediate) {
      normed = s.get(Scratch.NORMED, (long) rows * hidden);
      qkv = s.get(Scratch.QKV, (long) rows * 3 * hidden);
      attn = s.get(Scratch.ATTN, (long) rows * hidden);
      mlp = s.get(Scratch.MLP, (long) rows * intermediate);
    }
  }
}
