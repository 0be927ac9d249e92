package dev.bgevl.image;

import dev.bgevl.BgeVlException;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * {@code Image.open(f).resize(size, filter).convert("RGB")} — a resize in the file's own Pillow mode
 * before the RGB conversion, as BGE-VL-MLLM's 512×512 pre-resize does. Where that differs from
 * resizing the RGB conversion:
 * <ul>
 *   <li>palette images (PNG colour type 3, GIF) resize with NEAREST whatever the filter (Pillow's rule for
 *       modes P and 1); NEAREST picks source pixels, so resizing the expanded RGB gives the same bytes;</li>
 *   <li>PNG with alpha (colour types 4 LA and 6 RGBA) resizes premultiplied ({@link Resampler#resizeRgba}),
 *       then drops alpha.</li>
 * </ul>
 * Other sources (RGB, L, JPEG) resize their RGB conversion, which is what Pillow does for RGB and,
 * channel by channel, for L. Not reproduced: 16-bit grey PNG (Pillow resizes mode I in 32-bit integers
 * before clipping), CMYK JPEG (resized in CMYK), and alpha or palettes in BMP/TIFF/WebP.
 */
public final class PillowModeResize {
  private PillowModeResize() {}

  /** The Pillow mode that decides the resize rule, from the file's header. */
  public enum SourceMode { RGB_LIKE, PALETTE, ALPHA }

  /** Sniffs the mode: PNG IHDR colour type (3 → palette, 4/6 → alpha) and GIF (palette). */
  public static SourceMode sourceMode(byte[] bytes) {
    if (bytes.length >= 26 && (bytes[0] & 0xFF) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G'
        && bytes[12] == 'I' && bytes[13] == 'H' && bytes[14] == 'D' && bytes[15] == 'R') {
      int colourType = bytes[25];
      return colourType == 3 ? SourceMode.PALETTE : colourType == 4 || colourType == 6 ? SourceMode.ALPHA : SourceMode.RGB_LIKE;
    }
    if (bytes.length >= 6 && bytes[0] == 'G' && bytes[1] == 'I' && bytes[2] == 'F') {
      return SourceMode.PALETTE;
    }
    return SourceMode.RGB_LIKE;
  }

  /** Decodes {@code bytes} and resizes it to {@code width × height} in its Pillow mode, returning RGB. */
  public static RgbImage decodeResized(byte[] bytes, String name, ImageLimits limits, int width, int height, Filter filter) {
    RgbImage rgb = ImageDecoder.decode(bytes, name, limits);
    SourceMode mode = sourceMode(bytes);
    if (mode == SourceMode.PALETTE) {
      return Resampler.resize(rgb, width, height, Filter.NEAREST);
    }
    if (mode != SourceMode.ALPHA || filter == Filter.NEAREST) {
      return Resampler.resize(rgb, width, height, filter);
    }
    byte[] alpha = alphaPlane(bytes, name, rgb.width(), rgb.height());
    int n = rgb.width() * rgb.height();
    byte[] rgba = new byte[n * 4];
    byte[] src = rgb.rgb();
    for (int i = 0; i < n; i++) {
      rgba[4 * i] = src[3 * i];
      rgba[4 * i + 1] = src[3 * i + 1];
      rgba[4 * i + 2] = src[3 * i + 2];
      rgba[4 * i + 3] = alpha[i];
    }
    byte[] out = Resampler.resizeRgba(rgba, rgb.width(), rgb.height(), width, height, filter);
    byte[] o = new byte[width * height * 3];
    for (int i = 0; i < width * height; i++) {
      o[3 * i] = out[4 * i];
      o[3 * i + 1] = out[4 * i + 1];
      o[3 * i + 2] = out[4 * i + 2];
    }
    return new RgbImage(width, height, o);
  }

  /** The 8-bit alpha of a PNG with an alpha channel (16-bit alpha keeps its high byte, as Pillow does). */
  static byte[] alphaPlane(byte[] bytes, String name, int w, int h) {
    BufferedImage img;
    try {
      img = ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new BgeVlException(name + ": cannot read the alpha channel (" + e.getMessage() + ")");
    }
    Raster a = img == null ? null : img.getAlphaRaster();
    if (a == null || img.getWidth() != w || img.getHeight() != h) {
      throw new BgeVlException(name + ": PNG declares an alpha channel the decoder did not return");
    }
    int bits = img.getColorModel().getComponentSize(img.getColorModel().getNumComponents() - 1);
    int[] row = new int[w];
    byte[] out = new byte[w * h];
    for (int y = 0; y < h; y++) {
      a.getSamples(a.getMinX(), a.getMinY() + y, w, 1, 0, row);
      for (int x = 0; x < w; x++) {
        out[y * w + x] = (byte) (bits == 16 ? row[x] >> 8 : row[x]);
      }
    }
    return out;
  }
}
