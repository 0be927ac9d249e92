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
 *       then drops alpha;</li>
 *   <li>4-component JPEG (Pillow mode CMYK: the Adobe-inverted samples) resizes its four channels
 *       independently, without premultiplication, then converts with {@code cmyk2rgb};</li>
 *   <li>16-bit grey PNG (Pillow mode I) resizes the raw 16-bit samples with Pillow's 32-bit path (double
 *       weights, {@code ROUND_UP}, no clipping between passes), then clips to 0..255 ({@code i2rgb}).</li>
 * </ul>
 * Other sources (RGB, L, JPEG) resize their RGB conversion, which is what Pillow does for RGB and,
 * channel by channel, for L. Not reproduced: alpha or palettes in BMP/TIFF/WebP, CMYK TIFF.
 */
public final class PillowModeResize {
  private PillowModeResize() {}

  /** The Pillow mode that decides the resize rule, from the file's header. */
  public enum SourceMode { RGB_LIKE, PALETTE, ALPHA, INT32_GREY, CMYK }

  /** Sniffs the mode: PNG IHDR colour type (3 → palette, 4/6 → alpha), GIF (palette), 4-component JPEG (CMYK). */
  public static SourceMode sourceMode(byte[] bytes) {
    if (ImageDecoder.isCmykJpeg(bytes)) {
      return SourceMode.CMYK;
    }
    if (bytes.length >= 26 && (bytes[0] & 0xFF) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G'
        && bytes[12] == 'I' && bytes[13] == 'H' && bytes[14] == 'D' && bytes[15] == 'R') {
      int colourType = bytes[25];
      if (colourType == 0 && bytes[24] == 16) {
        return SourceMode.INT32_GREY; // Pillow opens 16-bit grey PNG as mode I (32-bit integers)
      }
      return colourType == 3 ? SourceMode.PALETTE : colourType == 4 || colourType == 6 ? SourceMode.ALPHA : SourceMode.RGB_LIKE;
    }
    if (bytes.length >= 6 && bytes[0] == 'G' && bytes[1] == 'I' && bytes[2] == 'F') {
      return SourceMode.PALETTE;
    }
    return SourceMode.RGB_LIKE;
  }

  /** Decodes {@code bytes} and resizes it to {@code width × height} in its Pillow mode, returning RGB. */
  public static RgbImage decodeResized(byte[] bytes, String name, ImageLimits limits, int width, int height, Filter filter) {
    if (sourceMode(bytes) == SourceMode.CMYK) {
      return ImageDecoder.decodeCmyk(bytes, name, limits).resize(width, height, filter).toRgb();
    }
    RgbImage rgb = ImageDecoder.decode(bytes, name, limits);
    SourceMode mode = sourceMode(bytes);
    if (mode == SourceMode.PALETTE) {
      return Resampler.resize(rgb, width, height, Filter.NEAREST);
    }
    if (mode == SourceMode.INT32_GREY && filter != Filter.NEAREST && (rgb.width() != width || rgb.height() != height)) {
      return resizeInt32Grey(bytes, name, rgb.width(), rgb.height(), width, height, filter);
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

  /** Pillow's {@code ImagingResampleHorizontal/Vertical_32bpc} for mode I, then {@code i2rgb}. */
  static RgbImage resizeInt32Grey(byte[] bytes, String name, int inW, int inH, int outW, int outH, Filter filter) {
    BufferedImage img;
    try {
      img = ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new BgeVlException(name + ": cannot read 16-bit samples (" + e.getMessage() + ")");
    }
    if (img == null || img.getWidth() != inW || img.getHeight() != inH || img.getRaster().getNumBands() != 1) {
      throw new BgeVlException(name + ": 16-bit grey PNG decoded unexpectedly");
    }
    Raster r = img.getRaster();
    double[] px = new double[inW * inH];
    int[] row = new int[inW];
    for (int y = 0; y < inH; y++) {
      r.getSamples(r.getMinX(), r.getMinY() + y, inW, 1, 0, row);
      for (int x = 0; x < inW; x++) {
        px[y * inW + x] = row[x];
      }
    }
    int[][] hb = new int[outW][];
    double[][] hk = coeffs(inW, outW, filter, hb);
    int[][] vb = new int[outH][];
    double[][] vk = coeffs(inH, outH, filter, vb);
    int first = 0, last = inH;
    if (inH != outH) {
      first = Integer.MAX_VALUE;
      last = 0;
      for (int[] b : vb) {
        first = Math.min(first, b[0]);
        last = Math.max(last, b[0] + b[1]);
      }
    }
    int rows = last - first;
    double[] mid = new double[rows * outW];
    for (int y = 0; y < rows; y++) {
      for (int xx = 0; xx < outW; xx++) {
        if (inW == outW) {
          mid[y * outW + xx] = px[(first + y) * inW + xx];
          continue;
        }
        double ss = 0.0;
        for (int x = 0; x < hb[xx][1]; x++) {
          ss += px[(first + y) * inW + hb[xx][0] + x] * hk[xx][x];
        }
        mid[y * outW + xx] = roundUp(ss);
      }
    }
    byte[] out = new byte[outW * outH * 3];
    for (int yy = 0; yy < outH; yy++) {
      for (int xx = 0; xx < outW; xx++) {
        double v;
        if (inH == outH) {
          v = mid[yy * outW + xx];
        } else {
          double ss = 0.0;
          for (int y = 0; y < vb[yy][1]; y++) {
            ss += mid[(vb[yy][0] - first + y) * outW + xx] * vk[yy][y];
          }
          v = roundUp(ss);
        }
        byte b = (byte) (v <= 0 ? 0 : v >= 255 ? 255 : (int) v);
        int o = (yy * outW + xx) * 3;
        out[o] = b;
        out[o + 1] = b;
        out[o + 2] = b;
      }
    }
    return new RgbImage(outW, outH, out);
  }

  /** Pillow's {@code ROUND_UP} into an int32 pixel. */
  private static double roundUp(double f) {
    return (int) (f >= 0.0 ? Math.floor(f + 0.5f) : -Math.floor(Math.abs(f) + 0.5f));
  }

  /** Pillow's {@code precompute_coeffs} (normalized double weights); bounds[o] = {first, count}. */
  private static double[][] coeffs(int inSize, int outSize, Filter filter, int[][] bounds) {
    double scale = (double) (float) inSize / outSize;
    double filterscale = Math.max(scale, 1.0);
    double support = filter.support * filterscale;
    double ss = 1.0 / filterscale;
    double[][] k = new double[outSize][];
    for (int xx = 0; xx < outSize; xx++) {
      double center = (xx + 0.5) * scale;
      int xmin = Math.max(0, (int) (center - support + 0.5));
      int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
      double[] w = new double[Math.max(xmax, 0)];
      double ww = 0.0;
      for (int x = 0; x < xmax; x++) {
        w[x] = filter.weight((x + xmin - center + 0.5) * ss);
        ww += w[x];
      }
      for (int x = 0; x < xmax; x++) {
        if (ww != 0.0) {
          w[x] /= ww;
        }
      }
      k[xx] = w;
      bounds[xx] = new int[] {xmin, xmax};
    }
    return k;
  }
}
