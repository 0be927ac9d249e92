package dev.bgevl.image;

/**
 * An 8-bit CMYK image as Pillow holds it in mode {@code "CMYK"}: {@code cmyk} has
 * {@code width × height × 4} bytes, interleaved C, M, Y, K, rows top to bottom (for a JPEG: the
 * Adobe-inverted samples, see {@link ImageDecoder#decodeCmyk}). Resize it 4-channel with
 * {@link Resampler#resize(byte[], int, int, int, int, int, Filter)} (Pillow resizes CMYK channel by
 * channel, without premultiplication), then {@link #toRgb()}.
 */
public record CmykImage(int width, int height, byte[] cmyk) {
  public CmykImage {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
    }
    if (cmyk == null || cmyk.length != (long) width * height * 4) {
      throw new IllegalArgumentException("cmyk has " + (cmyk == null ? "no" : cmyk.length) + " bytes, expected "
          + (long) width * height * 4 + " for " + width + "x" + height);
    }
  }

  /** {@code pil_image.resize((w, h), filter)} in mode CMYK. */
  public CmykImage resize(int w, int h, Filter filter) {
    return new CmykImage(w, h, Resampler.resize(cmyk, 4, width, height, w, h, filter));
  }

  /** Pillow's {@code convert("RGB")} of a CMYK image ({@code cmyk2rgb}). */
  public RgbImage toRgb() {
    int n = width * height;
    byte[] rgb = new byte[n * 3];
    for (int i = 0; i < n; i++) {
      ImageDecoder.cmykToRgb(cmyk[4 * i] & 0xFF, cmyk[4 * i + 1] & 0xFF, cmyk[4 * i + 2] & 0xFF, cmyk[4 * i + 3] & 0xFF, rgb, 3 * i);
    }
    return new RgbImage(width, height, rgb);
  }
}
