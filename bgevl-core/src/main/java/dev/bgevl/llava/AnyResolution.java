package dev.bgevl.llava;

import dev.bgevl.BgeVlException;

/**
 * LLaVA-NeXT "anyres" geometry as transformers 4.45 computes it, as pure functions of the image size
 * (after BGE's optional 512×512 pre-resize), the {@code image_grid_pinpoints} and the tile side
 * ({@code vision_config.image_size}). Sizes are {height, width} like the reference.
 */
public final class AnyResolution {
  private AnyResolution() {}

  /**
   * {@code select_best_resolution}: per pinpoint (H, W), s = min(W/w, H/h), effective =
   * min(int(w·s)·int(h·s), w·h), waste = H·W − effective; the largest effective wins, ties go to the
   * smaller waste, then to list order.
   */
  public static int[] bestResolution(int height, int width, int[][] pinpoints) {
    checkSize(height, width);
    if (pinpoints.length == 0) {
      throw new BgeVlException("image_grid_pinpoints is empty");
    }
    int[] best = null;
    long bestEff = -1, bestWaste = Long.MAX_VALUE;
    for (int[] p : pinpoints) {
      double scale = Math.min((double) p[1] / width, (double) p[0] / height);
      long dw = (long) (width * scale), dh = (long) (height * scale);
      long eff = Math.min(dw * dh, (long) width * height);
      long waste = (long) p[0] * p[1] - eff;
      if (eff > bestEff || (eff == bestEff && waste < bestWaste)) {
        best = p;
        bestEff = eff;
        bestWaste = waste;
      }
    }
    return new int[] {best[0], best[1]};
  }

  /**
   * {@code _get_patch_output_size}: the aspect-preserving size inside the target (H, W): the side with
   * the smaller scale fills the target, the other is ceil(side·scale) capped at the target.
   */
  public static int[] resizedForPatching(int height, int width, int[] target) {
    checkSize(height, width);
    double scaleW = (double) target[1] / width, scaleH = (double) target[0] / height;
    if (scaleW < scaleH) {
      return new int[] {(int) Math.min(Math.ceil(height * scaleW), target[0]), target[1]};
    }
    return new int[] {target[0], (int) Math.min(Math.ceil(width * scaleH), target[1])};
  }

  /**
   * Padding {top, bottom, left, right} that centres {@code resized} in {@code target}, as 4.45's
   * {@code _pad_for_patching} does: (gap // 2) on both sides, so an odd gap ends one pixel short.
   */
  public static int[] padding(int[] resized, int[] target) {
    int py = (target[0] - resized[0]) / 2, px = (target[1] - resized[1]) / 2;
    return new int[] {py, py, px, px};
  }

  /** {@code get_anyres_image_grid_shape}: tiles per column and per row, {rows, cols}. */
  public static int[] gridShape(int height, int width, int[][] pinpoints, int tileSize) {
    int[] best = bestResolution(height, width, pinpoints);
    return new int[] {best[0] / tileSize, best[1] / tileSize};
  }

  /**
   * {@code unpad_image} on a feature grid of {@code gridH × gridW} patches for an original
   * {@code height × width} image: returns {first row, rows, first column, columns} kept. Like 4.45 it
   * truncates with {@code int()} and drops (current − new) // 2 on both sides.
   */
  public static int[] unpadWindow(int height, int width, int gridH, int gridW) {
    checkSize(height, width);
    double originalAspect = (double) width / height;
    double currentAspect = (double) gridW / gridH;
    if (originalAspect > currentAspect) {
      double scale = (double) gridW / width;
      int newH = (int) (height * scale);
      int pad = (gridH - newH) / 2;
      return new int[] {pad, gridH - 2 * pad, 0, gridW};
    }
    double scale = (double) gridH / height;
    int newW = (int) (width * scale);
    int pad = (gridW - newW) / 2;
    return new int[] {0, gridH, pad, gridW - 2 * pad};
  }

  /**
   * Number of {@code <image>} embeddings one image expands to with strategy {@code default} (CLS
   * dropped): the base tile's p² patches plus, for the tile grid, rows·(columns + 1) after unpadding
   * (an {@code image_newline} ends every row).
   */
  public static int numImageTokens(int height, int width, int[][] pinpoints, int tileSize, int patchSize) {
    int per = tileSize / patchSize;
    int[] grid = gridShape(height, width, pinpoints, tileSize);
    if (grid[0] * grid[1] == 0) {
      throw new BgeVlException("image_grid_pinpoints entry smaller than the " + tileSize + "-pixel tile");
    }
    int[] win = unpadWindow(height, width, grid[0] * per, grid[1] * per);
    return per * per + win[1] * (win[3] + 1);
  }

  private static void checkSize(int height, int width) {
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
    }
  }
}
