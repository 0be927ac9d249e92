package dev.bgevl.image;

/**
 * An 8-bit RGB image: {@code rgb} holds {@code width × height × 3} bytes, interleaved R, G, B, rows top
 * to bottom — the layout of {@code numpy.asarray(pil_image.convert("RGB"))}.
 */
public record RgbImage(int width, int height, byte[] rgb) {
  public RgbImage {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
    }
    if (rgb == null || rgb.length != (long) width * height * 3) {
      throw new IllegalArgumentException("rgb has " + (rgb == null ? "no" : rgb.length) + " bytes, expected "
          + (long) width * height * 3 + " for " + width + "x" + height);
    }
  }

  /** Sample {@code c} (0 = R, 1 = G, 2 = B) of pixel (x, y), 0..255. */
  public int get(int x, int y, int c) {
    return rgb[(y * width + x) * 3 + c] & 0xFF;
  }
}
