package dev.bgevl.image;

/**
 * Pillow-exact image resizing ({@code Image.resize(size, resample)} with the default {@code box=None},
 * {@code reducing_gap=None}) for 8-bit interleaved images, bit-identical to Pillow 9.4's
 * {@code libImaging/Resample.c} and {@code Geometry.c}.
 *
 * <p>Convolution filters work as Pillow does: per output coordinate, the filter (support scaled by the
 * reduction factor when shrinking) is sampled in double precision around the source centre, normalized
 * to sum 1, then rounded to 22-bit fixed point ({@code PRECISION_BITS = 32 - 8 - 2}). The horizontal
 * pass runs first (over only the source rows the vertical pass will read), its result is rounded and
 * clipped to uint8, then the vertical pass. A pass whose size does not change is skipped. NEAREST is
 * Pillow's affine scale: source coordinate {@code (int)((x + 0.5) · in/out)}, accumulated in double.
 */
public final class Resampler {
  private static final int PRECISION_BITS = 32 - 8 - 2;
  private static final int HALF = 1 << (PRECISION_BITS - 1);

  private Resampler() {}

  /** {@code pil_image.resize((width, height), filter)} for an RGB image. */
  public static RgbImage resize(RgbImage in, int width, int height, Filter filter) {
    return new RgbImage(width, height, resize(in.rgb(), 3, in.width(), in.height(), width, height, filter));
  }

  /**
   * Resizes an interleaved 8-bit image with {@code channels} (1..4) samples per pixel, each channel
   * independently — Pillow's behaviour for modes L, RGB, RGBX, CMYK and premultiplied RGBa. For
   * straight-alpha RGBA use {@link #resizeRgba}.
   */
  public static byte[] resize(byte[] src, int channels, int inW, int inH, int outW, int outH, Filter filter) {
    if (channels < 1 || channels > 4) {
      throw new IllegalArgumentException("channels must be 1..4, got " + channels);
    }
    if (inW < 1 || inH < 1 || outW < 1 || outH < 1) {
      throw new IllegalArgumentException("sizes must be positive: " + inW + "x" + inH + " -> " + outW + "x" + outH);
    }
    if (src.length != (long) inW * inH * channels) {
      throw new IllegalArgumentException("source has " + src.length + " bytes, expected " + (long) inW * inH * channels);
    }
    if ((long) outW * outH * channels > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("output " + outW + "x" + outH + " is too large");
    }
    if (inW == outW && inH == outH) {
      return src.clone(); // Image.resize returns self.copy() when the size is unchanged
    }
    if (filter == Filter.NEAREST) {
      return nearest(src, channels, inW, inH, outW, outH);
    }
    return convolve(src, channels, inW, inH, outW, outH, filter, 0, 0, outW, outH);
  }

  /**
   * The window [x0, x0 + w) × [y0, y0 + h) of {@code resize(img, outW, outH, filter)}, computing only
   * what the window needs (identical bytes: each output column and row has its own coefficients). The
   * CLIP path uses it to skip the columns or rows a centre crop throws away.
   */
  public static RgbImage resizeCropped(RgbImage in, int outW, int outH, Filter filter, int x0, int y0, int w, int h) {
    if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > outW || y0 + h > outH) {
      throw new IllegalArgumentException("window " + w + "x" + h + "+" + x0 + "+" + y0 + " outside " + outW + "x" + outH);
    }
    int inW = in.width(), inH = in.height();
    if ((inW == outW && inH == outH) || filter == Filter.NEAREST) {
      byte[] full = resize(in.rgb(), 3, inW, inH, outW, outH, filter);
      byte[] out = new byte[w * h * 3];
      for (int y = 0; y < h; y++) {
        System.arraycopy(full, ((y0 + y) * outW + x0) * 3, out, y * w * 3, w * 3);
      }
      return new RgbImage(w, h, out);
    }
    return new RgbImage(w, h, convolve(in.rgb(), 3, inW, inH, outW, outH, filter, x0, y0, x0 + w, y0 + h));
  }

  /** Pillow's two-pass convolution resize, restricted to output columns [x0, x1) and rows [y0, y1). */
  private static byte[] convolve(byte[] src, int ch, int inW, int inH, int outW, int outH, Filter filter,
                                 int x0, int y0, int x1, int y1) {
    Coeffs horiz = Coeffs.compute(inW, outW, filter);
    Coeffs vert = Coeffs.compute(inH, outH, filter);
    // Source rows the vertical pass reads for output rows [y0, y1) (all of them when it is skipped).
    int firstRow = y0, lastRow = y1;
    if (inH != outH) {
      firstRow = Integer.MAX_VALUE;
      lastRow = 0;
      for (int y = y0; y < y1; y++) {
        firstRow = Math.min(firstRow, vert.start[y]);
        lastRow = Math.max(lastRow, vert.start[y] + vert.count[y]);
      }
    }
    byte[] img;
    int width = x1 - x0;
    if (inW != outW) {
      img = horizontal(src, ch, inW, firstRow, lastRow, x0, x1, horiz);
    } else { // no horizontal pass: take the rows and columns as they are
      img = new byte[(lastRow - firstRow) * width * ch];
      for (int r = firstRow; r < lastRow; r++) {
        System.arraycopy(src, (r * inW + x0) * ch, img, (r - firstRow) * width * ch, width * ch);
      }
    }
    if (inH != outH) {
      img = vertical(img, ch, width, firstRow, y0, y1, vert);
    }
    return img;
  }

  /**
   * Pillow's RGBA resize: for filters other than NEAREST, premultiply ({@code RGBA → RGBa}), resize the
   * four channels, and un-premultiply ({@code RGBa → RGBA}), with Pillow's integer rounding.
   */
  public static byte[] resizeRgba(byte[] rgba, int inW, int inH, int outW, int outH, Filter filter) {
    if (filter == Filter.NEAREST || (inW == outW && inH == outH)) {
      return resize(rgba, 4, inW, inH, outW, outH, filter);
    }
    byte[] out = resize(premultiply(rgba), 4, inW, inH, outW, outH, filter);
    unpremultiplyInPlace(out);
    return out;
  }

  /** Pillow's {@code rgbA2rgba}: c' = MULDIV255(c, a) = ((c·a + 128) + ((c·a + 128) >> 8)) >> 8. */
  public static byte[] premultiply(byte[] rgba) {
    byte[] out = new byte[rgba.length];
    for (int i = 0; i < rgba.length; i += 4) {
      int a = rgba[i + 3] & 0xFF;
      for (int c = 0; c < 3; c++) {
        int t = (rgba[i + c] & 0xFF) * a + 128;
        out[i + c] = (byte) (((t >> 8) + t) >> 8);
      }
      out[i + 3] = (byte) a;
    }
    return out;
  }

  /** Pillow's {@code rgba2rgbA}: c = clip8(255·c' / a) for 0 < a < 255, unchanged otherwise. */
  public static void unpremultiplyInPlace(byte[] rgba) {
    for (int i = 0; i < rgba.length; i += 4) {
      int a = rgba[i + 3] & 0xFF;
      if (a != 0 && a != 255) {
        for (int c = 0; c < 3; c++) {
          rgba[i + c] = (byte) Math.min(255, (255 * (rgba[i + c] & 0xFF)) / a);
        }
      }
    }
  }

  /** Per output coordinate: first source index, tap count, and 22-bit fixed-point weights. */
  static final class Coeffs {
    final int[] start;   // [out]
    final int[] count;   // [out]
    final int[] weights; // [out, ksize], row o holds count[o] used taps
    final int ksize;

    private Coeffs(int[] start, int[] count, int[] weights, int ksize) {
      this.start = start;
      this.count = count;
      this.weights = weights;
      this.ksize = ksize;
    }

    /** Pillow's {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} for box (0, inSize). */
    static Coeffs compute(int inSize, int outSize, Filter filter) {
      // Pillow passes the box as C floats; sizes up to 2^24 are exact.
      double scale = (double) (float) inSize / outSize;
      double filterscale = Math.max(scale, 1.0);
      double support = filter.support * filterscale;
      int ksize = (int) Math.ceil(support) * 2 + 1;
      int[] start = new int[outSize];
      int[] count = new int[outSize];
      int[] weights = new int[outSize * ksize];
      double[] k = new double[ksize];
      double ss = 1.0 / filterscale;
      for (int xx = 0; xx < outSize; xx++) {
        double center = (xx + 0.5) * scale;
        int xmin = (int) (center - support + 0.5);
        if (xmin < 0) {
          xmin = 0;
        }
        int xmax = (int) (center + support + 0.5);
        if (xmax > inSize) {
          xmax = inSize;
        }
        xmax -= xmin;
        double ww = 0.0;
        for (int x = 0; x < xmax; x++) {
          double w = filter.weight((x + xmin - center + 0.5) * ss);
          k[x] = w;
          ww += w;
        }
        for (int x = 0; x < xmax; x++) {
          double v = ww != 0.0 ? k[x] / ww : k[x];
          weights[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                                          : (int) (0.5 + v * (1 << PRECISION_BITS));
        }
        start[xx] = xmin;
        count[xx] = xmax;
      }
      return new Coeffs(start, count, weights, ksize);
    }
  }

  /** Rounds a 22-bit fixed-point accumulator (already holding +0.5) to uint8 with clipping. */
  private static int clip8(int acc) {
    int v = acc >> PRECISION_BITS;
    return v < 0 ? 0 : Math.min(v, 255);
  }

  /**
   * Resamples rows [firstRow, lastRow) of src horizontally, output columns [xFrom, xTo); returns
   * (lastRow - firstRow) rows of (xTo - xFrom) pixels.
   */
  private static byte[] horizontal(byte[] src, int ch, int inW, int firstRow, int lastRow, int xFrom, int xTo, Coeffs c) {
    int rows = lastRow - firstRow;
    int outW = xTo - xFrom;
    byte[] out = new byte[rows * outW * ch];
    final int[] w = c.weights, start = c.start, count = c.count;
    final int ksize = c.ksize;
    for (int r = 0; r < rows; r++) {
      final int inRow = (firstRow + r) * inW * ch;
      int o = r * outW * ch;
      if (ch == 3) {
        for (int xx = xFrom; xx < xTo; xx++, o += 3) {
          int p = inRow + start[xx] * 3;
          int kOff = xx * ksize;
          final int kEnd = kOff + count[xx];
          int s0 = HALF, s1 = HALF, s2 = HALF;
          for (int kk = kOff; kk < kEnd; kk++, p += 3) {
            int k = w[kk];
            s0 += (src[p] & 0xFF) * k;
            s1 += (src[p + 1] & 0xFF) * k;
            s2 += (src[p + 2] & 0xFF) * k;
          }
          out[o] = (byte) clip8(s0);
          out[o + 1] = (byte) clip8(s1);
          out[o + 2] = (byte) clip8(s2);
        }
      } else if (ch == 4) {
        for (int xx = xFrom; xx < xTo; xx++, o += 4) {
          int p = inRow + start[xx] * 4;
          int kOff = xx * ksize;
          final int kEnd = kOff + count[xx];
          int s0 = HALF, s1 = HALF, s2 = HALF, s3 = HALF;
          for (int kk = kOff; kk < kEnd; kk++, p += 4) {
            int k = w[kk];
            s0 += (src[p] & 0xFF) * k;
            s1 += (src[p + 1] & 0xFF) * k;
            s2 += (src[p + 2] & 0xFF) * k;
            s3 += (src[p + 3] & 0xFF) * k;
          }
          out[o] = (byte) clip8(s0);
          out[o + 1] = (byte) clip8(s1);
          out[o + 2] = (byte) clip8(s2);
          out[o + 3] = (byte) clip8(s3);
        }
      } else {
        for (int xx = xFrom; xx < xTo; xx++) {
          int kOff = xx * ksize;
          int n = count[xx];
          for (int b = 0; b < ch; b++, o++) {
            int p = inRow + start[xx] * ch + b;
            int s = HALF;
            for (int x = 0; x < n; x++, p += ch) {
              s += (src[p] & 0xFF) * w[kOff + x];
            }
            out[o] = (byte) clip8(s);
          }
        }
      }
    }
    return out;
  }

  /**
   * Resamples vertically. Row i of {@code src} is source row {@code rowOffset + i}. Accumulates whole
   * rows tap by tap (integer sums, so the order does not change the result) to stay cache-friendly.
   */
  private static byte[] vertical(byte[] src, int ch, int width, int rowOffset, int yFrom, int yTo, Coeffs c) {
    int rowLen = width * ch;
    byte[] out = new byte[(yTo - yFrom) * rowLen];
    int[] acc = new int[rowLen];
    int[] w = c.weights;
    for (int yy = yFrom; yy < yTo; yy++) {
      java.util.Arrays.fill(acc, HALF);
      int kOff = yy * c.ksize;
      int n = c.count[yy];
      int first = c.start[yy] - rowOffset;
      for (int y = 0; y < n; y++) {
        int k = w[kOff + y];
        int p = (first + y) * rowLen;
        for (int i = 0; i < rowLen; i++) {
          acc[i] += (src[p + i] & 0xFF) * k;
        }
      }
      int o = (yy - yFrom) * rowLen;
      for (int i = 0; i < rowLen; i++) {
        out[o + i] = (byte) clip8(acc[i]);
      }
    }
    return out;
  }

  /** Pillow's {@code ImagingScaleAffine} (NEAREST resize): coordinates accumulated in double. */
  private static byte[] nearest(byte[] src, int ch, int inW, int inH, int outW, int outH) {
    double ax = (double) (float) inW / outW;
    double ay = (double) (float) inH / outH;
    int[] xin = new int[outW];
    double xo = ax * 0.5;
    for (int x = 0; x < outW; x++) {
      int xi = xo < 0.0 ? -1 : (int) xo;
      xin[x] = xi < inW ? xi : -1; // never happens for exact arithmetic; Pillow leaves such pixels 0
      xo += ax;
    }
    byte[] out = new byte[outW * outH * ch];
    double yo = ay * 0.5;
    for (int y = 0; y < outH; y++) {
      int yi = yo < 0.0 ? -1 : (int) yo;
      yo += ay;
      if (yi < 0 || yi >= inH) {
        continue;
      }
      int rowIn = yi * inW * ch;
      int o = y * outW * ch;
      for (int x = 0; x < outW; x++, o += ch) {
        if (xin[x] >= 0) {
          System.arraycopy(src, rowIn + xin[x] * ch, out, o, ch);
        }
      }
    }
    return out;
  }
}
