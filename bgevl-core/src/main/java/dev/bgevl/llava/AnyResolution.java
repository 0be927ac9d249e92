package dev.bgevl.llava;

import java.util.List;

/**
 * LLaVA-NeXT any-resolution geometry (transformers 4.45 {@code select_best_resolution} and
 * {@code LlavaNextProcessor._get_number_of_features}) as pure functions: which grid pinpoint an
 * image is fitted into and how many {@code <image>} tokens it expands to (base tile + unpadded
 * grid rows, each followed by one newline token).
 */
public final class AnyResolution {
  private AnyResolution() {}

  /** A (height, width) pair in pixels. */
  public record Size(int height, int width) {}

  /**
   * The pinpoint maximizing the effective resolution {@code min(int(w·s)·int(h·s), w·h)} with
   * {@code s = min(W/w, H/h)}; ties → less wasted area, then list order.
   */
  public static Size bestResolution(int height, int width, List<Size> pinpoints) {
    Size best = null;
    long maxEff = -1;
    long minWaste = Long.MAX_VALUE;
    for (Size p : pinpoints) {
      double scale = Math.min((double) p.width() / width, (double) p.height() / height);
      long dw = (long) (width * scale);
      long dh = (long) (height * scale);
      long eff = Math.min(dw * dh, (long) width * height);
      long waste = (long) p.width() * p.height() - eff;
      if (eff > maxEff || (eff == maxEff && waste < minWaste)) {
        maxEff = eff;
        minWaste = waste;
        best = p;
      }
    }
    if (best == null) {
      throw new IllegalArgumentException("no grid pinpoints");
    }
    return best;
  }

  /**
   * The number of image tokens for an image of {@code height × width} (after any BGE 512×512
   * pre-resize): {@code (tile/patch)²} base features + {@code h'·(w'+1)} for the unpadded grid.
   */
  public static int numImageTokens(int height, int width, List<Size> pinpoints, int tileSize,
      int patchSize) {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("image size " + width + "×" + height + " must be positive");
    }
    Size best = bestResolution(height, width, pinpoints);
    int side = tileSize / patchSize;
    int gh = side * (best.height() / tileSize);
    int gw = side * (best.width() / tileSize);
    double originalAspect = (double) width / height;
    double currentAspect = (double) gw / gh;
    if (originalAspect > currentAspect) {
      int newHeight = (int) (height * ((double) gw / width));
      int pad = (gh - newHeight) / 2;
      gh -= 2 * pad;
    } else {
      int newWidth = (int) (width * ((double) gh / height));
      int pad = (gw - newWidth) / 2;
      gw -= 2 * pad;
    }
    return side * side + gh * (gw + 1);
  }
}
