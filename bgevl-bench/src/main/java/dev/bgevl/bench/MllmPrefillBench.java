package dev.bgevl.bench;

import dev.bgevl.clip.ClipConfig;
import dev.bgevl.clip.ClipVisionModel;
import dev.bgevl.llava.MistralConfig;
import dev.bgevl.llava.MistralModel;
import dev.bgevl.tensor.Activation;
import dev.bgevl.tensor.Linear;
import dev.bgevl.tensor.Parallel;
import dev.bgevl.tensor.WeightFormat;
import dev.bgevl.weights.SyntheticWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Prefill throughput of the Mistral decoder (BGE-VL-MLLM's text model) on CPU with seeded
 * synthetic BF16 weights, and a projection for one BGE-VL-MLLM (7.5B) query.
 *
 * <p>Usage: {@code MllmPrefillBench [tokens=100] [layers=8] [hidden=1024] [intermediate=3584]
 * [heads=16] [kvHeads=4] [reps=3]}. The projection scales the measured time per layer by the
 * ratio of per-layer multiply-adds (projections + attention) between the 7.5B config (4096 wide,
 * 32 layers, 14336 MLP, 32/8 heads) and the measured one; it assumes the same GEMM efficiency,
 * so treat it as a rough estimate. Memory: 16-bit packed projections + fp32 activations.
 *
 * <p>{@code MllmPrefillBench image [decoderLayers=1] [visionLayers=4] [tiles=5] [textTokens=32]}: one
 * BGE-VL-MLLM image input at full width (BGE-VL-MLLM-S1 shapes, synthetic weights): the CLIP
 * ViT-L/14-336 tower on {@code tiles} tiles for {@code visionLayers} blocks, the projector
 * (1024→4096→4096, erf-GELU) on the 576 patches of every tile, and {@code decoderLayers} real-width
 * Mistral layers (4096, 14336 MLP, 32/8 heads, BF16) over 2,928 image tokens + {@code textTokens};
 * then extrapolates to 23 vision blocks (feature layer −2) and 32 decoder layers, and prints the peak
 * RSS ({@code VmHWM}) of what was actually built.
 */
public final class MllmPrefillBench {
  private MllmPrefillBench() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("image")) {
      image(java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    int tokens = arg(args, 0, 100);
    int layers = arg(args, 1, 8);
    int hidden = arg(args, 2, 1024);
    int inter = arg(args, 3, 3584);
    int heads = arg(args, 4, 16);
    int kvHeads = arg(args, 5, 4);
    int reps = arg(args, 6, 3);
    MistralConfig cfg = new MistralConfig(hidden, inter, layers, heads, kvHeads, hidden / heads,
        1e-5f, 1e6, 32768, 0, 32064, "silu");
    long t0 = System.nanoTime();
    MistralModel model = MistralModel.synthetic(cfg, 42, WeightFormat.BF16);
    double loadS = (System.nanoTime() - t0) / 1e9;
    int[][] ids = new int[1][tokens];
    SplittableRandom r = new SplittableRandom(7);
    ids[0][0] = 1;
    for (int i = 1; i < tokens; i++) {
      ids[0][i] = 3 + r.nextInt(31997);
    }
    model.lastHidden(ids); // warm-up (JIT, thread pool)
    double best = Double.MAX_VALUE;
    for (int i = 0; i < reps; i++) {
      long s = System.nanoTime();
      model.lastHidden(ids);
      best = Math.min(best, (System.nanoTime() - s) / 1e9);
    }
    MistralConfig big = new MistralConfig(4096, 14336, 32, 32, 8, 128, 1e-5f, 1e6, 32768, 0,
        32064, "silu");
    double ratio = (double) layerFmas(big, tokens) * big.numHiddenLayers()
        / ((double) layerFmas(cfg, tokens) * cfg.numHiddenLayers());
    long bigWeights = 2L * (big.parameters() - (long) big.vocabSize() * big.hiddenSize());
    long bigActivations = 4L * tokens * (2L * big.hiddenSize() + big.qDim() + 2L * big.kvDim()
        + big.qDim() + 3L * big.intermediateSize());
    long bigTransient = 4L * 4 * big.intermediateSize() * big.hiddenSize(); // gate|up fp32 at load
    System.out.printf("MllmPrefillBench (preliminary: shared machine, %d threads)%n",
        Parallel.threads());
    System.out.printf("config: hidden %d, layers %d, MLP %d, heads %d/%d, BF16 weights %.1f MB"
        + " (packed in %.1f s)%n", hidden, layers, inter, heads, kvHeads,
        model.projectionBytes() / 1e6, loadS);
    System.out.printf("prefill %d tokens: %.3f s best of %d = %.1f tokens/s (%.2f GFLOP/s)%n",
        tokens, best, reps, tokens / best, 2.0 * layerFmas(cfg, tokens) * layers / best / 1e9);
    System.out.printf("projection for BGE-VL-MLLM (7.5B, Mistral 4096×32), one query of %d text"
        + " tokens: %.1f s (×%.0f the work); peak memory ≈ %.1f GB packed BF16 projections"
        + " + %.2f GB embedding table (mapped) + %.0f MB activations + ≈ %.1f GB transient"
        + " while loading%n", tokens, best * ratio, ratio, bigWeights / 1e9,
        2.0 * big.vocabSize() * big.hiddenSize() / 1e9, bigActivations / 1e6, bigTransient / 1e9);
  }

  /** Multiply-adds of one layer over {@code n} tokens: projections + causal attention. */
  static long layerFmas(MistralConfig c, int n) {
    long proj = (long) c.hiddenSize() * (2L * c.qDim() + 2L * c.kvDim())
        + 3L * c.hiddenSize() * c.intermediateSize();
    long attn = (long) c.numAttentionHeads() * c.headDim() * n * (n + 1); // qk and pv, causal half
    return proj * n + attn;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  /** {@code VmHWM} (peak resident set) and {@code VmRSS} of this process from /proc, in MB. */
  static String rss() {
    try {
      long hwm = 0, now = 0;
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("VmHWM:")) {
          hwm = Long.parseLong(l.replaceAll("\\D", ""));
        } else if (l.startsWith("VmRSS:")) {
          now = Long.parseLong(l.replaceAll("\\D", ""));
        }
      }
      return String.format("peak RSS %.0f MB (now %.0f MB)", hwm / 1024.0, now / 1024.0);
    } catch (Exception e) {
      return "peak RSS unavailable (" + e.getMessage() + ")";
    }
  }

  private static void image(String[] args) {
    int decLayers = arg(args, 0, 1);
    int visLayers = arg(args, 1, 4);
    int tiles = arg(args, 2, 5);
    int textTokens = arg(args, 3, 32);
    int imageTokens = 576 + 48 * 49; // 512×512 pre-resize → 672×672 pinpoint, 2,928 tokens
    int tokens = imageTokens + textTokens;
    System.out.printf("MllmPrefillBench image: %d threads, %d tiles, %d image + %d text tokens%n",
        Parallel.threads(), tiles, imageTokens, textTokens);
    // vision tower: ViT-L/14-336 shapes, weights as the loader packs them (fp32 panels)
    ClipConfig.Vision vcfg = new ClipConfig.Vision(1024, 4096, visLayers, 16, 3, 336, 14, Activation.QUICK_GELU, 1e-5f);
    long t = System.nanoTime();
    ClipVisionModel tower = ClipVisionModel.tower(new SyntheticWeights(11), "", vcfg);
    System.out.printf("vision tower: %d blocks packed in %.1f s; %s%n", visLayers, seconds(t), rss());
    SplittableRandom r = new SplittableRandom(3);
    float[][] px = new float[tiles][3 * 336 * 336];
    for (float[] p : px) {
      for (int i = 0; i < p.length; i++) {
        p[i] = (float) (r.nextDouble() * 4 - 2);
      }
    }
    tower.hiddenStates(new float[][] {px[0]}, Math.min(1, visLayers)); // warm-up: JIT, pool
    t = System.nanoTime();
    tower.hiddenStates(px, 0);
    double embedS = seconds(t);
    t = System.nanoTime();
    float[][] hs = tower.hiddenStates(px, visLayers);
    double visS = seconds(t);
    double perBlock = (visS - embedS) / visLayers;
    System.out.printf("vision: embeddings + pre-LN %.2f s, %d blocks %.2f s → %.2f s per block on %d tiles; %s%n",
        embedS, visLayers, visS, perBlock, tiles, rss());
    // projector on the 576 patches of every tile (CLS dropped)
    SyntheticWeights pw = new SyntheticWeights(12);
    Linear l1 = Linear.pack(pw.floats("l1", 4096, 1024), pw.floats("b1", 4096), 4096, 1024);
    Linear l2 = Linear.pack(pw.floats("l2", 4096, 4096), pw.floats("b2", 4096), 4096, 4096);
    int rows = tiles * 576;
    float[] feats = new float[rows * 1024];
    for (int k = 0; k < tiles; k++) {
      System.arraycopy(hs[k], 1024, feats, k * 576 * 1024, 576 * 1024);
    }
    float[] mid = new float[rows * 4096];
    float[] out = new float[rows * 4096];
    l1.apply(java.util.Arrays.copyOf(feats, 64 * 1024), 64, new float[64 * 4096], Activation.GELU); // warm-up
    t = System.nanoTime();
    l1.apply(feats, rows, mid, Activation.GELU);
    l2.apply(mid, rows, out, Activation.NONE);
    double projS = seconds(t);
    System.out.printf("projector: %d vectors %.2f s; %s%n", rows, projS, rss());
    hs = null;
    feats = null;
    mid = null;
    out = null;
    // decoder: real-width Mistral layers, BF16 panels
    MistralConfig cfg = new MistralConfig(4096, 14336, decLayers, 32, 8, 128, 1e-5f, 1e6, 32768, 0, 32064, "silu");
    t = System.nanoTime();
    MistralModel model = MistralModel.synthetic(cfg, 42, WeightFormat.BF16);
    System.out.printf("decoder: %d layer(s) packed in %.1f s (%.0f MB BF16); %s%n", decLayers, seconds(t),
        model.projectionBytes() / 1e6, rss());
    int[][] warm = new int[1][64];
    warm[0][0] = 1;
    for (int i = 1; i < 64; i++) {
      warm[0][i] = 3 + r.nextInt(31997);
    }
    model.lastHidden(warm);
    int[][] ids = new int[1][tokens];
    ids[0][0] = 1;
    for (int i = 1; i < tokens; i++) {
      ids[0][i] = 3 + r.nextInt(31997);
    }
    t = System.nanoTime();
    model.lastHidden(ids);
    double decS = seconds(t);
    double perLayer = decS / decLayers;
    System.out.printf("decoder: %d tokens through %d layer(s) %.2f s → %.2f s per layer (%.1f GFLOP/s); %s%n",
        tokens, decLayers, decS, perLayer, 2.0 * layerFmas(cfg, tokens) / perLayer / 1e9, rss());
    double total = embedS + 23 * perBlock + projS + 32 * perLayer;
    System.out.printf("extrapolated per image input: vision %.1f s (23 blocks) + projector %.1f s + decoder %.1f s"
        + " (32 layers) = %.1f s%n", embedS + 23 * perBlock, projS, 32 * perLayer, total);
  }

  private static int arg(String[] a, int i, int def) {
    return a.length > i ? Integer.parseInt(a[i]) : def;
  }
}
