package dev.bgevl.llava;

import dev.bgevl.BgeVlException;

/**
 * Places image embeddings at the {@code <image>} placeholders of a prompt, as transformers 4.45's
 * LLaVA-NeXT does for an unexpanded prompt: each placeholder token is replaced, in order, by all of its
 * image's vectors and the text after it shifts right. Checks the placeholder count against the images
 * and the expanded length against the text model's positions, with one-line errors naming the input.
 */
public final class ImageMerge {
  private ImageMerge() {}

  /**
   * Expanded positions: {@code textPosition[i]} is where token i of {@code ids} lands ({@code -1} for
   * placeholders), {@code imageStart[k]} where image k's first vector goes, {@code length} the total.
   */
  public record Layout(int length, int[] textPosition, int[] imageStart) {}

  public static Layout layout(int[] ids, int imageTokenIndex, int[] imageTokenCounts, int maxPositions, String input) {
    int placeholders = 0;
    for (int id : ids) {
      if (id == imageTokenIndex) {
        placeholders++;
      }
    }
    if (placeholders != imageTokenCounts.length) {
      throw new BgeVlException(input + ": the prompt has " + placeholders + " <image> placeholder"
          + (placeholders == 1 ? "" : "s") + " but " + imageTokenCounts.length
          + (imageTokenCounts.length == 1 ? " image was given" : " images were given"));
    }
    int[] textPosition = new int[ids.length];
    int[] imageStart = new int[imageTokenCounts.length];
    long pos = 0;
    int k = 0;
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] == imageTokenIndex) {
        textPosition[i] = -1;
        imageStart[k] = (int) Math.min(pos, Integer.MAX_VALUE);
        pos += imageTokenCounts[k++];
      } else {
        textPosition[i] = (int) Math.min(pos, Integer.MAX_VALUE);
        pos++;
      }
    }
    if (pos > maxPositions) {
      throw new BgeVlException(input + ": " + pos + " tokens after image expansion (" + (ids.length - placeholders)
          + " text + " + (pos - ids.length + placeholders) + " image) exceed the model's " + maxPositions + " positions");
    }
    return new Layout((int) pos, textPosition, imageStart);
  }

  /**
   * {@code inputs_embeds} [length, dim]: row i of {@code tokenEmbeds} ([ids.length, dim], placeholder
   * rows ignored) at its text position, each image's [count, dim] block at its start.
   */
  public static float[] merge(Layout layout, float[] tokenEmbeds, float[][] imageEmbeds, int dim) {
    float[] out = new float[layout.length() * dim];
    int[] tp = layout.textPosition();
    for (int i = 0; i < tp.length; i++) {
      if (tp[i] >= 0) {
        System.arraycopy(tokenEmbeds, i * dim, out, tp[i] * dim, dim);
      }
    }
    for (int k = 0; k < imageEmbeds.length; k++) {
      System.arraycopy(imageEmbeds[k], 0, out, layout.imageStart()[k] * dim, imageEmbeds[k].length);
    }
    return out;
  }
}
