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
    return resize(src, channels, inW, inH, outW, outH, filter, PixelKernels.vector());
  }

  /** {@link #resize(byte[], int, int, int, int, int, Filter)} with the given vector bodies (null: scalar only). */
  static byte[] resize(byte[] src, int channels, int inW, int inH, int outW, int outH, Filter filter, VectorPixels vec) {
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
    return convolve(src, channels, inW, inH, outW, outH, filter, 0, 0, outW, outH, vec);
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
    return new RgbImage(w, h, convolve(in.rgb(), 3, inW, inH, outW, outH, filter, x0, y0, x0 + w, y0 + h,
        PixelKernels.vector()));
  }

  /** Pillow's two-pass convolution resize, restricted to output columns [x0, x1) and rows [y0, y1). */
  private static byte[] convolve(byte[] src, int ch, int inW, int inH, int outW, int outH, Filter filter,
                                 int x0, int y0, int x1, int y1, VectorPixels vec) {
    Coeffs vert = Coeffs.compute(inH, outH, filter);
    int[] rows = sourceRows(vert, inH, outH, y0, y1);
    Planes tmp = inW != outW
        ? horizontal(src, ch, inW, rows[0], rows[1], x0, x1, Coeffs.compute(inW, outW, filter), vec)
        : Planes.of(src, ch, inW, rows[0], rows[1], x0, x1); // no horizontal pass: the rows as they are
    if (inH == outH) {
      return tmp.interleave();
    }
    Planes out = new Planes(ch, x1 - x0, y1 - y0);
    vertical(tmp, rows[0], y0, y1, vert, vec, out, null, null);
    return out.interleave();
  }

  /**
   * The window [x0, x0 + w) × [y0, y0 + h) of the RGB resize to outW × outH, each sample v of channel c
   * mapped to {@code lut[c·256 + v]} and written channels first, {@code out[(c·h + y)·w + x]}:
   * CLIPImageProcessor's resize, centre crop, rescale, normalize and transpose in one go. Null when the
   * resize is not a convolution along both axes (NEAREST, or an axis keeps its size); callers then
   * resize and map separately.
   */
  static float[] resizeCroppedToPlanes(RgbImage in, int outW, int outH, Filter filter, int x0, int y0, int w, int h,
                                       float[] lut) {
    return resizeCroppedToPlanes(in, outW, outH, filter, x0, y0, w, h, lut, PixelKernels.vector());
  }

  static float[] resizeCroppedToPlanes(RgbImage in, int outW, int outH, Filter filter, int x0, int y0, int w, int h,
                                       float[] lut, VectorPixels vec) {
    int inW = in.width(), inH = in.height();
    if (filter == Filter.NEAREST || inW == outW || inH == outH) {
      return null;
    }
    if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > outW || y0 + h > outH || lut.length != 3 * 256) {
      throw new IllegalArgumentException("window " + w + "x" + h + "+" + x0 + "+" + y0 + " outside " + outW + "x" + outH);
    }
    Coeffs vert = Coeffs.compute(inH, outH, filter);
    int[] rows = sourceRows(vert, inH, outH, y0, y0 + h);
    Planes tmp = horizontal(in.rgb(), 3, inW, rows[0], rows[1], x0, x0 + w, Coeffs.compute(inW, outW, filter), vec);
    float[] out = new float[3 * w * h];
    vertical(tmp, rows[0], y0, y0 + h, vert, vec, null, out, lut);
    return out;
  }

  /** Source rows [first, last) the vertical pass reads for output rows [y0, y1) (all when it is skipped). */
  private static int[] sourceRows(Coeffs vert, int inH, int outH, int y0, int y1) {
    if (inH == outH) {
      return new int[] {y0, y1};
    }
    int first = Integer.MAX_VALUE, last = 0;
    for (int y = y0; y < y1; y++) {
      first = Math.min(first, vert.start[y]);
      last = Math.max(last, vert.start[y] + vert.count[y]);
    }
    return new int[] {first, last};
  }

  /**
   * Pillow's RGBA resize: for filters other than NEAREST, premultiply ({@code RGBA → RGBa}), resize the
   * four channels, and un-premultiply ({@code RGBa → RGBA}), with Pillow's integer rounding.
   */
  public static byte[] resizeRgba(byte[] rgba, int inW, int inH, int outW, int outH, Filter filter) {
    return resizeRgba(rgba, inW, inH, outW, outH, filter, PixelKernels.vector());
  }

  static byte[] resizeRgba(byte[] rgba, int inW, int inH, int outW, int outH, Filter filter, VectorPixels vec) {
    if (filter == Filter.NEAREST || (inW == outW && inH == outH)) {
      return resize(rgba, 4, inW, inH, outW, outH, filter, vec);
    }
    byte[] out = resize(premultiply(rgba), 4, inW, inH, outW, outH, filter, vec);
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
   * Image rows stored channel-planar, the layout both passes work in: channel c of row r is {@code
   * width} bytes at {@link #at}(r, c). {@link #PAD} spare bytes at both ends let vector code load and
   * store whole vectors at the edges.
   */
  static final class Planes {
    static final int PAD = 64;
    final byte[] b;
    final int ch, width, rows;

    Planes(int ch, int width, int rows) {
      this.ch = ch;
      this.width = width;
      this.rows = rows;
      this.b = new byte[PAD + rows * ch * width + PAD];
    }

    int at(int r, int c) {
      return PAD + (r * ch + c) * width;
    }

    /** Rows [first, last), columns [x0, x1) of an interleaved image. */
    static Planes of(byte[] src, int ch, int inW, int first, int last, int x0, int x1) {
      Planes p = new Planes(ch, x1 - x0, last - first);
      for (int r = 0; r < p.rows; r++) {
        int s = ((first + r) * inW + x0) * ch;
        for (int c = 0; c < ch; c++) {
          int o = p.at(r, c);
          for (int x = 0; x < p.width; x++) {
            p.b[o + x] = src[s + x * ch + c];
          }
        }
      }
      return p;
    }

    byte[] interleave() {
      byte[] out = new byte[rows * width * ch];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < ch; c++) {
          int s = at(r, c), o = r * width * ch + c;
          for (int x = 0; x < width; x++, o += ch) {
            out[o] = b[s + x];
          }
        }
      }
      return out;
    }
  }

  /**
   * The horizontal pass's vector plan for output columns [xFrom, xTo): blocks of n ≤ P = L / ch
   * consecutive pixels, lane j of a block computing channel j / P of its pixel j % P. A block's taps are
   * read in groups of {@code group[b]}: per group one window of {@link VectorPixels#windowBytes} source
   * bytes starting at the block's first source pixel + the group's first tap, from which each tap takes
   * its lanes' samples through a byte index ({@code idx}), multiplied by per-lane weights ({@code wts},
   * 0 for taps a pixel does not have). n is chosen per block to minimize the work per pixel: wide
   * blocks when the taps are few (enlarging, mild reduction), down to one pixel with several windows
   * for strong reductions.
   */
  private static final class Blocks {
    final int[] x0, pixels, taps, group, tOff;
    final byte[] idx;
    final int[] wts;

    Blocks(Coeffs c, int xFrom, int xTo, int ch, VectorPixels vec) {
      int p = vec.blockPixels(ch), lanes = vec.lanes(), span = vec.windowBytes() / ch;
      int cap = xTo - xFrom; // at most one block per pixel
      int[] bx = new int[cap], bn = new int[cap], bt = new int[cap], bg = new int[cap], bo = new int[cap];
      int nb = 0, total = 0;
      for (int xx0 = xFrom; xx0 < xTo; nb++) {
        int bestN = 1, bestK = 0, bestG = 1;
        double bestCost = Double.MAX_VALUE;
        int kmax = 0;
        for (int n = 1; n <= Math.min(p, xTo - xx0); n++) {
          kmax = Math.max(kmax, c.count[xx0 + n - 1]);
          int g = span - (c.start[xx0 + n - 1] - c.start[xx0]);
          if (g < 1) {
            break;
          }
          g = Math.min(g, Math.max(kmax, 1));
          double cost = (kmax + 2.0 * ((kmax + g - 1) / g)) / n;
          if (cost < bestCost) {
            bestCost = cost;
            bestN = n;
            bestK = kmax;
            bestG = g;
          }
        }
        bx[nb] = xx0;
        bn[nb] = bestN;
        bt[nb] = bestK;
        bg[nb] = bestG;
        bo[nb] = total;
        total += bestK * lanes;
        xx0 += bestN;
      }
      x0 = java.util.Arrays.copyOf(bx, nb);
      pixels = java.util.Arrays.copyOf(bn, nb);
      taps = java.util.Arrays.copyOf(bt, nb);
      group = java.util.Arrays.copyOf(bg, nb);
      tOff = java.util.Arrays.copyOf(bo, nb);
      idx = new byte[total + vec.windowBytes()];
      wts = new int[total];
      for (int b = 0; b < nb; b++) {
        int s0 = c.start[x0[b]];
        for (int k = 0; k < taps[b]; k++) {
          int k0 = k / group[b] * group[b]; // first tap of k's window
          for (int j = 0; j < ch * p; j++) {
            int i = j % p, xx = x0[b] + i;
            if (i < pixels[b] && k < c.count[xx]) {
              int t = tOff[b] + k * lanes + j;
              idx[t] = (byte) (ch * (c.start[xx] - s0 + k - k0) + j / p);
              wts[t] = c.weights[xx * c.ksize + k];
            }
          }
        }
      }
    }
  }

  /** Resamples rows [firstRow, lastRow) of src horizontally, output columns [xFrom, xTo), into planes. */
  private static Planes horizontal(byte[] src, int ch, int inW, int firstRow, int lastRow, int xFrom, int xTo,
                                   Coeffs c, VectorPixels vec) {
    Planes out = new Planes(ch, xTo - xFrom, lastRow - firstRow);
    if (vec == null) {
      for (int r = 0; r < out.rows; r++) {
        horizontalScalar(src, ch, (firstRow + r) * inW * ch, c, xFrom, xTo, out, r, xFrom);
      }
    } else { // a method of its own: its JIT profile never sees the scalar path
      horizontalVector(src, ch, inW, firstRow, c, new Blocks(c, xFrom, xTo, ch, vec), vec, out, xFrom);
    }
    return out;
  }

  private static void horizontalVector(byte[] src, int ch, int inW, int firstRow, Coeffs c, Blocks blocks,
                                       VectorPixels vec, Planes out, int xFrom) {
    for (int r = 0; r < out.rows; r++) {
      int inRow = (firstRow + r) * inW * ch;
      int o = out.at(r, 0) - xFrom;
      for (int b = 0; b < blocks.x0.length; b++) {
        int xx0 = blocks.x0[b];
        vec.horizontalBlock(src, inRow + c.start[xx0] * ch, blocks.idx, blocks.wts, blocks.tOff[b], blocks.taps[b],
            blocks.group[b], out.b, o + xx0, out.width, ch, blocks.pixels[b]);
      }
    }
  }

  /** Output columns [xa, xb) of one row, one sample at a time. */
  private static void horizontalScalar(byte[] src, int ch, int inRow, Coeffs c, int xa, int xb, Planes out, int r,
                                       int xFrom) {
    final int[] w = c.weights;
    for (int xx = xa; xx < xb; xx++) {
      int kOff = xx * c.ksize, n = c.count[xx];
      for (int b = 0; b < ch; b++) {
        int p = inRow + c.start[xx] * ch + b;
        int s = HALF;
        for (int x = 0; x < n; x++, p += ch) {
          s += (src[p] & 0xFF) * w[kOff + x];
        }
        out.b[out.at(r, b) + xx - xFrom] = (byte) clip8(s);
      }
    }
  }

  /**
   * Resamples vertically output rows [yFrom, yTo); row i of {@code in} is source row {@code rowOffset + i}.
   * Writes either planes ({@code out}) or, through {@code lut}, channels-first floats ({@code floats}).
   */
  private static void vertical(Planes in, int rowOffset, int yFrom, int yTo, Coeffs c, VectorPixels vec,
                               Planes out, float[] floats, float[] lut) {
    if (vec != null) { // a method of its own: its JIT profile never sees the scalar path
      verticalVector(in, rowOffset, yFrom, yTo, c, vec, out, floats, lut);
      return;
    }
    final int width = in.width, h = yTo - yFrom;
    final int[] w = c.weights;
    int[] rows = new int[c.ksize];
    for (int yy = yFrom; yy < yTo; yy++) {
      int kOff = yy * c.ksize, n = c.count[yy], first = c.start[yy] - rowOffset;
      for (int ch = 0; ch < in.ch; ch++) {
        for (int k = 0; k < n; k++) {
          rows[k] = in.at(first + k, ch);
        }
        int o = floats == null ? out.at(yy - yFrom, ch) : (ch * h + yy - yFrom) * width;
        for (int x = 0; x < width; x++) {
          int s = HALF;
          for (int k = 0; k < n; k++) {
            s += (in.b[rows[k] + x] & 0xFF) * w[kOff + k];
          }
          if (floats == null) {
            out.b[o + x] = (byte) clip8(s);
          } else {
            floats[o + x] = lut[ch * 256 + clip8(s)];
          }
        }
      }
    }
  }

  private static void verticalVector(Planes in, int rowOffset, int yFrom, int yTo, Coeffs c, VectorPixels vec,
                                     Planes out, float[] floats, float[] lut) {
    final int width = in.width, h = yTo - yFrom;
    int[] rows = new int[c.ksize];
    int[] scratch = new int[vec.lanes()];
    for (int yy = yFrom; yy < yTo; yy++) {
      int kOff = yy * c.ksize, n = c.count[yy], first = c.start[yy] - rowOffset;
      for (int ch = 0; ch < in.ch; ch++) {
        for (int k = 0; k < n; k++) {
          rows[k] = in.at(first + k, ch);
        }
        if (floats == null) {
          vec.verticalRow(in.b, rows, n, c.weights, kOff, out.b, out.at(yy - yFrom, ch), width);
        } else {
          vec.verticalRowToFloat(in.b, rows, n, c.weights, kOff, lut, ch * 256, floats, (ch * h + yy - yFrom) * width,
              width, scratch);
        }
      }
    }
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
