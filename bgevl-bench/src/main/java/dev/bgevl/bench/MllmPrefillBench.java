package dev.bgevl.bench;

import dev.bgevl.llava.MistralConfig;
import dev.bgevl.llava.MistralModel;
import dev.bgevl.tensor.Parallel;
import dev.bgevl.tensor.WeightFormat;
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
 */
public final class MllmPrefillBench {
  private MllmPrefillBench() {}

  public static void main(String[] args) {
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

  private static int arg(String[] a, int i, int def) {
    return a.length > i ? Integer.parseInt(a[i]) : def;
  }
}
