package dev.bgevl.image;

/**
 * What the decoder refuses before decoding: images with more than {@code maxPixels} pixels (read from
 * the header, before any pixel buffer is allocated) and files larger than {@code maxFileBytes}.
 *
 * @param maxPixels    largest width × height accepted; the default is Pillow's: it raises
 *                     {@code DecompressionBombError} above 2 × {@code MAX_IMAGE_PIXELS} (2 × 89,478,485)
 * @param maxFileBytes largest encoded file accepted, in bytes
 */
public record ImageLimits(long maxPixels, long maxFileBytes) {
  /** Pillow's {@code Image.MAX_IMAGE_PIXELS}. */
  public static final long PILLOW_MAX_IMAGE_PIXELS = 89_478_485L;
  public static final ImageLimits DEFAULT = new ImageLimits(2 * PILLOW_MAX_IMAGE_PIXELS, 256L << 20);

  public ImageLimits {
    if (maxPixels < 1) {
      throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
    }
    if (maxFileBytes < 1 || maxFileBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("maxFileBytes must be in [1, " + (Integer.MAX_VALUE - 8) + "], got " + maxFileBytes);
    }
  }

  public static ImageLimits defaults() {
    return DEFAULT;
  }

  public ImageLimits withMaxPixels(long n) {
    return new ImageLimits(n, maxFileBytes);
  }

  public ImageLimits withMaxFileBytes(long n) {
    return new ImageLimits(maxPixels, n);
  }
}
