package dev.bgevl.clip;

import dev.bgevl.tensor.WeightFormat;
import dev.bgevl.tensor.Warmup;
import dev.bgevl.weights.SyntheticWeights;
import java.util.EnumSet;

/**
 * Gets the JIT to compile the encoder's kernels before the first real embedding.
 *
 * <p>A cold JVM runs the Vector API kernels in the interpreter, where every vector operation is a
 * heap object, until C2 compiles them; and C2 compiles a kernel again each time a branch it had never
 * seen taken (a row tail, a residual add, an activation) turns up. On BGE-VL-base that made the first
 * image embedding take ~2.5 s instead of ~0.2 s. This class runs a miniature model with the real
 * model's head size, patch size and activations (one layer, 64-wide per head, a 4×4-patch image) until
 * its forward time settles, so every kernel is compiled with every branch it will meet already
 * profiled. It overlaps the weight loading in {@link ClipModel#load}.
 */
final class ClipWarmup {
  /** Longest the warm-up may run (it stops earlier once the forward time settles). */
  private static final long MAX_NANOS = 1_500_000_000L;

  private ClipWarmup() {}

  private static final java.util.concurrent.atomic.AtomicBoolean STARTED = new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Starts the warm-up for models shaped like {@code real} on a daemon thread, once per JVM (the
   * JIT's state is per process); returns null when it has already run or been started.
   */
  static Thread start(ClipConfig real) {
    if (!STARTED.compareAndSet(false, true)) {
      return null;
    }
    Thread t = Thread.ofPlatform().daemon().name("bgevl-warmup").unstarted(() -> run(real));
    t.start();
    return t;
  }

  static void run(ClipConfig real) {
    long w0 = System.nanoTime();
    Warmup.run(EnumSet.of(real.vision().hiddenAct(), real.text().hiddenAct()), EnumSet.of(WeightFormat.F32));
    if (Boolean.getBoolean("bgevl.warmup.trace")) {
      System.err.printf("kernel warm-up %.2f s%n", (System.nanoTime() - w0) / 1e9);
    }
    ClipModel tiny = ClipModel.create(miniature(real), new SyntheticWeights(7));
    ClipConfig c = tiny.config();
    int side = c.vision().imageSize();
    float[] pixels = new float[3 * side * side];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) Math.sin(i * 0.37) * 2f;
    }
    int[] ids = {c.text().bosTokenId(), 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, c.text().eosTokenId()};
    int[] shortIds = {c.text().bosTokenId(), 5, c.text().eosTokenId()};
    long start = System.nanoTime();
    long best = Long.MAX_VALUE;
    int settled = 0;
    for (int iter = 0; System.nanoTime() - start < MAX_NANOS; iter++) {
      long t0 = System.nanoTime();
      tiny.vision().imageFeatures(new float[][] {pixels, pixels});
      tiny.text().textFeatures(new int[][] {ids, shortIds});
      long dt = System.nanoTime() - t0;
      if (Boolean.getBoolean("bgevl.warmup.trace")) {
        System.err.printf("warmup %d: %.2f ms%n", iter, dt / 1e6);
      }
      // Settled: ten forwards in a row within 30% of the fastest one seen.
      settled = dt < best * 13 / 10 ? settled + 1 : 0;
      best = Math.min(best, dt);
      if (settled >= 10) {
        break;
      }
    }
  }

  /**
   * One layer per tower and two heads, with the real head size, patch size, activations, norms and
   * token ids, so the kernels take the same paths as on the real shapes.
   */
  static ClipConfig miniature(ClipConfig real) {
    ClipConfig.Vision v = real.vision();
    int vh = 2 * v.headDim();
    ClipConfig.Vision vision = new ClipConfig.Vision(vh, 4 * vh, 1, 2, v.numChannels(),
        4 * v.patchSize(), v.patchSize(), v.hiddenAct(), v.layerNormEps());
    ClipConfig.Text t = real.text();
    int th = 2 * t.headDim();
    int vocab = Math.max(t.padTokenId(), Math.max(t.bosTokenId(), t.eosTokenId())) + 1;
    ClipConfig.Text text = new ClipConfig.Text(Math.max(vocab, 32), th, 4 * th, 1, 2,
        t.maxPositionEmbeddings(), t.hiddenAct(), t.layerNormEps(), t.padTokenId(), t.bosTokenId(),
        t.eosTokenId());
    return new ClipConfig(text, vision, real.projectionDim());
  }
}
