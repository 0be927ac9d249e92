package dev.bgevl.image;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Chooses, once per JVM, whether the pixel kernels run their Vector API bodies ({@link VectorPixels}):
 * yes when the {@code jdk.incubator.vector} module is loaded and {@code -Dbgevl.kernels} is not
 * {@code scalar} (the switch {@code dev.bgevl.tensor} uses). Otherwise the scalar code of each kernel —
 * which also finishes the rows and blocks vectors do not cover — does all of the work, with identical
 * results.
 */
final class PixelKernels {
  private PixelKernels() {}

  /** The vector bodies, or null to run scalar. */
  static VectorPixels vector() {
    return Holder.VECTOR;
  }

  private static final class Holder {
    static final VectorPixels VECTOR = load();

    private static VectorPixels load() {
      if (System.getProperty("bgevl.kernels", "auto").trim().equalsIgnoreCase("scalar")
          || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
        return null; // dev.bgevl.tensor's provider already warns about the missing module
      }
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
