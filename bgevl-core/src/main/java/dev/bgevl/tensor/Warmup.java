package dev.bgevl.tensor;

import java.util.EnumSet;
import java.util.Set;

/**
 * Compiles the kernels before real work needs them.
 *
 * <p>In a cold JVM the Vector API kernels run in the interpreter, where every vector operation is a
 * heap object, until C2 compiles them; on large shapes the interpreter first asks for an on-stack
 * replacement compile of the running loop (as expensive as a normal one), and every branch C2 has not
 * yet seen taken (a row tail, a partial panel, a residual add, an activation) later throws the compiled
 * code away and compiles it again. On BGE-VL-base that made the first image embedding take about
 * 2.5 s instead of 0.2 s.
 *
 * <p>{@link #run} calls every GEMM micro-kernel with every epilogue (bias or none, each activation,
 * residual add, full and partial panels, every row count), attention with and without a mask or
 * causality, and the norms and softmax, on shapes small enough that the interpreter gets through
 * them quickly and C2 compiles whole methods with complete branch profiles. Results are discarded;
 * nothing global changes except the JIT's state.
 */
public final class Warmup {
  /** Calls of each variant; enough for C2's invocation thresholds on the hottest kernels. */
  private static final int ROUNDS = 300;

  /** The warm-up stops after this long even if rounds are left (a loaded machine). */
  private static final long MAX_NANOS = 2_500_000_000L;

  private Warmup() {}

  /**
   * Runs the warm-up on the calling thread.
   *
   * @param activations the activations the model uses (others are skipped)
   * @param formats the weight formats the model's linear layers use
   */
  public static void run(Set<Activation> activations, Set<WeightFormat> formats) {
    Set<Activation> acts = EnumSet.copyOf(activations);
    acts.add(Activation.NONE);
    int k = 2; // the loop body is what C2 needs to see; a short K keeps the interpreted calls cheap
    int pw = Kernels.get().panelWidth();
    // Six panels, the last one partial (the masked epilogue): several kernel calls per apply.
    int n = 6 * pw - pw / 2;
    float[] w = ramp(n * k, 0.01f);
    float[] b = ramp(n, 0.1f);
    float[] x = ramp(13 * k, 0.02f);
    float[] y = new float[13 * n];
    Linear[] linears = formats.stream().flatMap(f -> java.util.stream.Stream.of(
        Linear.pack(w, b, n, k, f), Linear.pack(w, null, n, k, f))).toArray(Linear[]::new);
    // fp32: 1 and 3 rows run on a padded 6-row tile, 13 as two tiles and an overlapping tail; 16-bit
    // weights also have 1..5-row kernels
    boolean sixteen = formats.stream().anyMatch(f -> f != WeightFormat.F32);
    int[] rowCounts = sixteen ? new int[] {1, 2, 3, 4, 5, 13} : new int[] {1, 3, 13};
    int dim = 64;
    float[] gamma = ramp(dim, 0.03f);
    float[] beta = ramp(dim, 0.05f);
    int seq = 9; // two blocks of four queries and a single one
    int heads = 2;
    float[] qkv = ramp(2 * seq * 3 * heads * dim, 0.001f);
    float[] att = new float[2 * seq * heads * dim];
    float[] rows = ramp(seq * dim, 0.04f);
    float[] normed = new float[seq * dim];
    Linear big = Linear.pack(ramp(64 * 64, 0.01f), null, 64, 64);
    float[] bx = ramp(64 * 512, 0.01f);
    float[] by = new float[64 * 64];
    int longSeq = 77; // CLIP's text length; also more keys than four vectors' worth
    float[] longQkv = ramp(longSeq * 3 * heads * dim, 0.001f);
    float[] longAtt = new float[longSeq * heads * dim];
    long start = System.nanoTime();
    for (int round = 0; round < ROUNDS && System.nanoTime() - start < MAX_NANOS; round++) {
      for (Linear l : linears) {
        for (int r : rowCounts) {
          for (Activation a : acts) {
            l.apply(x, r, y, a);
          }
          l.applyAdd(x, r, y);
        }
      }
      Attention.selfAttention(qkv, 2, seq, heads, dim, 0.125f, false, null, att);
      Attention.selfAttention(qkv, 2, seq, heads, dim, 0.125f, false, new int[] {seq, 2}, att);
      Attention.selfAttention(qkv, 2, seq, heads, dim, 0.125f, true, new int[] {seq, 2}, att);
      Attention.selfAttentionRows(qkv, 2, seq, heads, dim, 0.125f, false, null, new int[] {0, 0}, att);
      Attention.selfAttentionRows(qkv, 2, seq, heads, dim, 0.125f, true, new int[] {seq, 2}, new int[] {2, 1}, att);
      Ops.layerNorm(rows, normed, seq, dim, gamma, beta, 1e-5f);
      Ops.rmsNorm(rows, normed, seq, dim, gamma, 1e-5f);
      Ops.softmax(normed, seq, dim);
      Ops.l2Normalize(normed, 0, dim);
      if (round >= ROUNDS - 12) {
        // Real sequence lengths take loop paths the short ones never enter (4-vector blocks of keys):
        // once the kernels are compiled, let those branches turn up here rather than in the first
        // real forward, so the recompilation they trigger happens during the warm-up.
        Attention.selfAttention(longQkv, 1, longSeq, heads, dim, 0.125f, false, null, longAtt);
        Attention.selfAttention(longQkv, 1, longSeq, heads, dim, 0.125f, true, new int[] {longSeq}, longAtt);
        Attention.selfAttentionRows(longQkv, 1, longSeq, heads, dim, 0.125f, false, null, new int[] {0}, longAtt);
      }
      if (round % 8 == 7) { // the parallel paths
        big.apply(bx, 64, by, Activation.NONE);
        Ops.layerNorm(bx, bx, 64, 512, null, null, 1e-5f);
      }
    }
  }

  private static float[] ramp(int n, float step) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = ((i * 37) % 23 - 11) * step;
    }
    return a;
  }
}
