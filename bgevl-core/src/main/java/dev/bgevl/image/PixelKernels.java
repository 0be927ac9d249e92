package dev.bgevl.image;

import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Chooses whether the pixel kernels run their Vector API bodies ({@link VectorPixels}): yes when the
 * {@code jdk.incubator.vector} module is loaded and {@code -Dbgevl.kernels} is not {@code scalar} (the
 * switch {@code dev.bgevl.tensor} uses) — once they are warm. Vector API code is very slow until C2 has
 * compiled it (interpreted or in C1 every vector is a heap object: in a fresh JVM the first 640×480
 * decode and preprocess took 2–3 s each instead of ~5 ms), and loading and compiling it competes with
 * everything else. So the first {@value #WARM_UP_AFTER_CALLS} kernel calls (a few images; a one-shot
 * CLI run never gets further) run scalar without touching the Vector API, then a daemon thread loads
 * the bodies and runs them on small synthetic images until C2 has compiled them; until it is done
 * {@link #vector()} keeps answering null and the callers' scalar code does the work. Results are
 * identical either way.
 */
final class PixelKernels {
  /** Kernel calls (one per decoded JPEG, one or two per resize) served scalar before warming up. */
  private static final int WARM_UP_AFTER_CALLS = 10;
  /** Warm-up rounds: enough for C2 to compile every body. */
  private static final int WARM_UP_ROUNDS = 500;

  private static final boolean ENABLED =
      !System.getProperty("bgevl.kernels", "auto").trim().equalsIgnoreCase("scalar")
          && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  private static final AtomicInteger CALLS = new AtomicInteger();
  private static final AtomicBoolean STARTED = new AtomicBoolean();
  private static volatile VectorPixels warm;
  private static volatile long sink;

  private PixelKernels() {}

  /** The vector bodies when enabled and warm, else null (run scalar). */
  static VectorPixels vector() {
    VectorPixels v = warm;
    if (v != null || !ENABLED) {
      return v;
    }
    if (CALLS.incrementAndGet() > WARM_UP_AFTER_CALLS && STARTED.compareAndSet(false, true)) {
      Thread t = new Thread(PixelKernels::warmUp, "bgevl-pixel-kernels-warm-up");
      t.setDaemon(true);
      t.start();
    }
    return null;
  }

  /** The vector bodies if this JVM can run them, warm or not (tests drive both paths with it). */
  static VectorPixels loaded() {
    return ENABLED ? Loaded.BODIES : null;
  }

  private static void warmUp() {
    VectorPixels v = loaded();
    if (v == null) {
      return;
    }
    try {
      // Shaped like the common case (RGB, ~2x reduction, a centre crop) so that C2 compiles the
      // bodies with a representative profile.
      Random rnd = new Random(1);
      RgbImage img = new RgbImage(64, 48, new byte[64 * 48 * 3]);
      rnd.nextBytes(img.rgb());
      byte[] rgb = new byte[img.rgb().length];
      float[] lut = new float[3 * 256];
      long s = 0;
      for (int i = 0; i < WARM_UP_ROUNDS; i++) {
        ImageDecoder.Ycc.toRgb(img.rgb(), 0, 64 * 3, 64, 48, rgb, v);
        s += Resampler.resize(img.rgb(), 3, 64, 48, 30, 22, Filter.BICUBIC, v)[i % 100];
        s += (long) Resampler.resizeCroppedToPlanes(img, 29, 22, Filter.BICUBIC, 3, 0, 22, 22, lut, v)[i % 100];
      }
      sink = s;
      warm = v;
    } catch (RuntimeException | LinkageError e) {
      Logger.getLogger("dev.bgevl.image").log(Level.WARNING,
          "bgevl image kernels: vector warm-up failed, staying scalar (" + e + ")", e);
    }
  }

  private static final class Loaded {
    static final VectorPixels BODIES = load();

    private static VectorPixels load() {
      try {
        return new VectorPixels();
      } catch (LinkageError | RuntimeException e) {
        Logger.getLogger("dev.bgevl.image").log(Level.WARNING,
            "bgevl image kernels: scalar fallback (" + e + ")", e);
        return null;
      }
    }
  }
}
