package dev.bgevl.clip;

import dev.bgevl.BgeVlException;
import dev.bgevl.tensor.Activation;
import dev.bgevl.tensor.Linear;
import dev.bgevl.tensor.WeightFormat;
import dev.bgevl.tensor.Ops;
import dev.bgevl.weights.TensorSource;

/**
 * The CLIP text tower plus {@code text_projection}, in data-flow order: token and position
 * embeddings, the causal encoder with a padding mask, {@code final_layer_norm} at the pooled (EOS)
 * position, projection. Immutable after load; concurrent calls are safe.
 */
public final class ClipTextModel {
  private final ClipConfig.Text cfg;
  private final int projectionDim;
  private final float[] tokenEmbedding; // [vocab, hidden]
  private final float[] positionEmbedding; // [max_positions, hidden]
  private final ClipEncoderLayer[] layers;
  private final float[] finalLayerNormWeight, finalLayerNormBias; // [hidden]
  private final Linear textProjection; // [projection, hidden], no bias
  private final Scratch.Pool scratch = new Scratch.Pool();

  ClipTextModel(TensorSource w, ClipConfig.Text cfg, int projectionDim) {
    this.cfg = cfg;
    this.projectionDim = projectionDim;
    int h = cfg.hiddenSize();
    this.tokenEmbedding = w.floats("text_model.embeddings.token_embedding.weight", cfg.vocabSize(), h);
    this.positionEmbedding = w.floats("text_model.embeddings.position_embedding.weight", cfg.maxPositionEmbeddings(), h);
    this.layers = new ClipEncoderLayer[cfg.numHiddenLayers()];
    for (int i = 0; i < layers.length; i++) {
      layers[i] = new ClipEncoderLayer(w, "text_model.encoder.layers." + i, h, cfg.intermediateSize(),
          cfg.numAttentionHeads(), cfg.hiddenAct(), cfg.layerNormEps());
    }
    this.finalLayerNormWeight = w.floats("text_model.final_layer_norm.weight", h);
    this.finalLayerNormBias = w.floats("text_model.final_layer_norm.bias", h);
    this.textProjection = Linear.pack(w.rows("text_projection.weight", projectionDim, h), null, projectionDim, h, WeightFormat.F32);
  }

  public ClipConfig.Text config() {
    return cfg;
  }

  /**
   * Text features (unnormalized) for a batch of token id sequences (each with BOS and EOS, no
   * padding; sequences may differ in length). They are right-padded internally with the config's
   * pad id and masked, as transformers does with {@code padding=True}. Returns [batch][projection].
   */
  public float[][] textFeatures(int[][] inputIds) {
    int batch = inputIds.length;
    int h = cfg.hiddenSize();
    int seq = 0;
    int[] validLen = new int[batch];
    for (int b = 0; b < batch; b++) {
      int n = inputIds[b].length;
      if (n == 0) {
        throw new BgeVlException("input_ids[" + b + "] is empty");
      }
      if (n > cfg.maxPositionEmbeddings()) {
        throw new BgeVlException("input_ids[" + b + "] has " + n + " tokens, more than the model's "
            + cfg.maxPositionEmbeddings() + " positions");
      }
      for (int id : inputIds[b]) {
        if (id < 0 || id >= cfg.vocabSize()) {
          throw new BgeVlException("input_ids[" + b + "] contains token id " + id + ", outside the vocabulary [0, " + cfg.vocabSize() + ")");
        }
      }
      validLen[b] = n;
      seq = Math.max(seq, n);
    }
    int rows = batch * seq;
    float[] pooledRows = new float[batch * h];
    Scratch s = scratch.take();
    try {
      float[] x = s.get(Scratch.X, (long) rows * h); // [batch·seq, hidden]
      for (int b = 0; b < batch; b++) {
        for (int t = 0; t < seq; t++) {
          int id = t < validLen[b] ? inputIds[b][t] : padId();
          int dst = (b * seq + t) * h;
          for (int i = 0; i < h; i++) {
            x[dst + i] = tokenEmbedding[id * h + i] + positionEmbedding[t * h + i];
          }
        }
      }
      ClipEncoderLayer.Buffers buf = new ClipEncoderLayer.Buffers(s, rows, h, cfg.intermediateSize());
      int last = layers.length - 1;
      for (int i = 0; i < last; i++) {
        layers[i].forward(x, batch, seq, true, validLen, buf);
      }
      // final_layer_norm is per row and only the pooled (EOS) rows are read: the last block runs
      // on those rows alone, giving the same numbers as running all of them
      int[] pool = new int[batch];
      for (int b = 0; b < batch; b++) {
        pool[b] = poolIndex(inputIds[b]);
      }
      layers[last].forwardRows(x, batch, seq, true, validLen, pool, buf, pooledRows);
    } finally {
      scratch.give(s);
    }
    float[] pooled = new float[batch * h];
    Ops.layerNorm(pooledRows, pooled, batch, h, finalLayerNormWeight, finalLayerNormBias, cfg.layerNormEps());
    float[] proj = new float[batch * projectionDim];
    textProjection.apply(pooled, batch, proj, Activation.NONE);
    return ClipModel.split(proj, batch, projectionDim);
  }

  /** Pad id for right padding; its rows are masked, so any in-vocabulary id gives the same result. */
  private int padId() {
    int pad = cfg.padTokenId();
    return pad >= 0 && pad < cfg.vocabSize() ? pad : cfg.eosTokenId();
  }

  /**
   * transformers' EOS pooling: legacy configs ({@code eos_token_id == 2}) take argmax(input_ids)
   * (the first maximum); others the first position holding {@code eos_token_id}.
   */
  int poolIndex(int[] ids) {
    if (cfg.legacyArgmaxPooling()) {
      int best = 0;
      for (int t = 1; t < ids.length; t++) {
        if (ids[t] > ids[best]) {
          best = t;
        }
      }
      return best;
    }
    for (int t = 0; t < ids.length; t++) {
      if (ids[t] == cfg.eosTokenId()) {
        return t;
      }
    }
    throw new BgeVlException("input_ids contain no eos_token_id " + cfg.eosTokenId() + " to pool at");
  }

  long parameterCount() {
    long h = cfg.hiddenSize();
    long perLayer = 4 * (h * h + h) + 4 * h + 2 * h * cfg.intermediateSize() + cfg.intermediateSize() + h;
    return (long) cfg.vocabSize() * h + (long) cfg.maxPositionEmbeddings() * h + perLayer * layers.length + 2 * h
        + (long) projectionDim * h;
  }
}
