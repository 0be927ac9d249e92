package dev.bgevl.clip;

import dev.bgevl.BgeVlException;
import dev.bgevl.tensor.Activation;
import dev.bgevl.tensor.Linear;
import dev.bgevl.tensor.WeightFormat;
import dev.bgevl.tensor.Ops;
import dev.bgevl.weights.TensorSource;

/**
 * The CLIP vision tower plus {@code visual_projection}, in data-flow order: patch convolution, class
 * and position embeddings, {@code pre_layrnorm}, the encoder, {@code post_layernorm} on the class
 * token, projection. Immutable after load; every call allocates its own activations, so concurrent
 * calls are safe.
 */
public final class ClipVisionModel {
  private final ClipConfig.Vision cfg;
  private final int projectionDim;
  private final Linear patchEmbedding; // conv [hidden, channels, p, p] viewed as [hidden, channels·p·p], no bias
  private final float[] classEmbedding; // [hidden]
  private final float[] positionEmbedding; // [positions, hidden]
  private final float[] preLayrnormWeight, preLayrnormBias; // [hidden] (checkpoint spelling "layrnorm")
  private final ClipEncoderLayer[] layers;
  private final float[] postLayernormWeight, postLayernormBias; // [hidden]
  private final Linear visualProjection; // [projection, hidden], no bias
  private final Scratch.Pool scratch = new Scratch.Pool();

  ClipVisionModel(TensorSource w, ClipConfig.Vision cfg, int projectionDim) {
    this(w, "", cfg, projectionDim);
  }

  /**
   * {@code prefix} is prepended to every weight name ({@code ""} for a {@code CLIPModel},
   * {@code "vision_tower."} for LLaVA); {@code projectionDim} 0 means the checkpoint has no
   * {@code visual_projection} (only {@link #hiddenStates} is then available).
   */
  private ClipVisionModel(TensorSource w, String prefix, ClipConfig.Vision cfg, int projectionDim) {
    this.cfg = cfg;
    this.projectionDim = projectionDim;
    int h = cfg.hiddenSize();
    int p = cfg.patchSize();
    int c = cfg.numChannels();
    String e = prefix + "vision_model.embeddings.";
    this.patchEmbedding = Linear.pack(w.rows(e + "patch_embedding.weight", h, c, p, p), null, h, c * p * p, WeightFormat.F32);
    this.classEmbedding = w.floats(e + "class_embedding", h);
    this.positionEmbedding = w.floats(e + "position_embedding.weight", cfg.numPositions(), h);
    this.preLayrnormWeight = w.floats(prefix + "vision_model.pre_layrnorm.weight", h);
    this.preLayrnormBias = w.floats(prefix + "vision_model.pre_layrnorm.bias", h);
    this.layers = new ClipEncoderLayer[cfg.numHiddenLayers()];
    for (int i = 0; i < layers.length; i++) {
      layers[i] = new ClipEncoderLayer(w, prefix + "vision_model.encoder.layers." + i, h, cfg.intermediateSize(),
          cfg.numAttentionHeads(), cfg.hiddenAct(), cfg.layerNormEps());
    }
    this.postLayernormWeight = w.floats(prefix + "vision_model.post_layernorm.weight", h);
    this.postLayernormBias = w.floats(prefix + "vision_model.post_layernorm.bias", h);
    this.visualProjection = projectionDim == 0 ? null
        : Linear.pack(w.rows(prefix + "visual_projection.weight", projectionDim, h), null, projectionDim, h, WeightFormat.F32);
  }

  /**
   * A bare vision tower ({@code CLIPVisionModel}, as inside LLaVA) whose weights are named
   * {@code prefix + "vision_model.*"}; it has no {@code visual_projection}, so only
   * {@link #hiddenStates} may be called.
   */
  public static ClipVisionModel tower(TensorSource w, String prefix, ClipConfig.Vision cfg) {
    return new ClipVisionModel(w, prefix, cfg, 0);
  }

  /**
   * The encoder's hidden state after its first {@code layers} blocks (transformers'
   * {@code hidden_states[layers]}: 0 is the embeddings after {@code pre_layrnorm}), without
   * {@code post_layernorm}: [batch][numPositions·hidden], CLS first.
   */
  public float[][] hiddenStates(float[][] pixelValues, int layers) {
    if (layers < 0 || layers > this.layers.length) {
      throw new IllegalArgumentException("layers must be 0.." + this.layers.length + ", got " + layers);
    }
    int batch = pixelValues.length;
    int seq = cfg.numPositions();
    int h = cfg.hiddenSize();
    Scratch s = scratch.take();
    try {
      float[] x = encode(pixelValues, layers, s);
      float[][] out = new float[batch][];
      for (int b = 0; b < batch; b++) {
        out[b] = java.util.Arrays.copyOfRange(x, b * seq * h, (b + 1) * seq * h);
      }
      return out;
    } finally {
      scratch.give(s);
    }
  }

  /** Embeddings, {@code pre_layrnorm} and the first {@code nLayers} blocks: [batch·seq, hidden]. */
  private float[] encode(float[][] pixelValues, int nLayers, Scratch s) {
    int batch = pixelValues.length;
    int h = cfg.hiddenSize();
    int side = cfg.imageSize();
    int expect = cfg.numChannels() * side * side;
    for (int b = 0; b < batch; b++) {
      if (pixelValues[b].length != expect) {
        throw new BgeVlException("pixel_values[" + b + "] has " + pixelValues[b].length + " values, the model needs "
            + cfg.numChannels() + "×" + side + "×" + side + " = " + expect);
      }
    }
    int seq = cfg.numPositions();
    int rows = batch * seq;
    float[] embedded = embeddings(pixelValues, s); // [batch·seq, hidden]
    float[] x = s.get(Scratch.X, (long) rows * h);
    Ops.layerNorm(embedded, x, rows, h, preLayrnormWeight, preLayrnormBias, cfg.layerNormEps());
    ClipEncoderLayer.Buffers buf = new ClipEncoderLayer.Buffers(s, rows, h, cfg.intermediateSize());
    for (int i = 0; i < nLayers; i++) {
      layers[i].forward(x, batch, seq, false, null, buf);
    }
    return x;
  }

  public ClipConfig.Vision config() {
    return cfg;
  }

  /**
   * Image features (unnormalized) for a batch of {@code pixel_values}, each CHW float32
   * [channels, image_size, image_size]. Returns [batch][projection_dim].
   */
  public float[][] imageFeatures(float[][] pixelValues) {
    if (visualProjection == null) {
      throw new IllegalStateException("this vision tower has no visual_projection; use hiddenStates");
    }
    int batch = pixelValues.length;
    int h = cfg.hiddenSize();
    int seq = cfg.numPositions();
    float[] cls = new float[batch * h]; // [batch, hidden]: the class token of each image
    Scratch s = scratch.take();
    try {
      int last = layers.length - 1;
      float[] x = encode(pixelValues, last, s);
      // post_layernorm reads only the class token: the last block runs on that row alone
      ClipEncoderLayer.Buffers buf = new ClipEncoderLayer.Buffers(s, batch * seq, h, cfg.intermediateSize());
      layers[last].forwardRows(x, batch, seq, false, null, new int[batch], buf, cls);
    } finally {
      scratch.give(s);
    }
    float[] pooled = new float[batch * h];
    Ops.layerNorm(cls, pooled, batch, h, postLayernormWeight, postLayernormBias, cfg.layerNormEps());
    float[] proj = new float[batch * projectionDim];
    visualProjection.apply(pooled, batch, proj, Activation.NONE);
    return ClipModel.split(proj, batch, projectionDim);
  }

  /** Patch embeddings with the class token in front, plus position embeddings: [batch·seq, hidden]. */
  private float[] embeddings(float[][] pixelValues, Scratch s) {
    int batch = pixelValues.length;
    int h = cfg.hiddenSize();
    int p = cfg.patchSize();
    int c = cfg.numChannels();
    int side = cfg.imageSize();
    int perSide = cfg.patchesPerSide();
    int nPatches = cfg.numPatches();
    int seq = cfg.numPositions();
    int patchLen = c * p * p;
    // im2col: one row per patch, columns in the conv weight's (channel, ky, kx) order
    float[] patches = s.get(Scratch.PATCHES, (long) batch * nPatches * patchLen);
    for (int b = 0; b < batch; b++) {
      float[] img = pixelValues[b];
      for (int py = 0; py < perSide; py++) {
        for (int px = 0; px < perSide; px++) {
          int row = (b * nPatches + py * perSide + px) * patchLen;
          for (int ch = 0; ch < c; ch++) {
            for (int ky = 0; ky < p; ky++) {
              System.arraycopy(img, (ch * side + py * p + ky) * side + px * p, patches, row + (ch * p + ky) * p, p);
            }
          }
        }
      }
    }
    float[] patchOut = s.get(Scratch.PATCH_OUT, (long) batch * nPatches * h);
    patchEmbedding.apply(patches, batch * nPatches, patchOut, Activation.NONE);
    float[] x = s.get(Scratch.EMBED, (long) batch * seq * h);
    for (int b = 0; b < batch; b++) {
      int base = b * seq * h;
      for (int i = 0; i < h; i++) {
        x[base + i] = classEmbedding[i] + positionEmbedding[i];
      }
      for (int t = 1; t < seq; t++) {
        int dst = base + t * h;
        int src = (b * nPatches + t - 1) * h;
        for (int i = 0; i < h; i++) {
          x[dst + i] = patchOut[src + i] + positionEmbedding[t * h + i];
        }
      }
    }
    return x;
  }

  long parameterCount() {
    long h = cfg.hiddenSize();
    long perLayer = 4 * (h * h + h) + 4 * h + 2 * h * cfg.intermediateSize() + cfg.intermediateSize() + h;
    return h * cfg.numChannels() * cfg.patchSize() * cfg.patchSize() + h + (long) cfg.numPositions() * h + 2 * h
        + perLayer * layers.length + 2 * h + (long) projectionDim * h;
  }
}
