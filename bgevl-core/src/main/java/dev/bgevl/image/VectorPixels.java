package dev.bgevl.image;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API bodies of the pixel kernels ({@link ImageDecoder}'s YCbCr→RGB and {@link Resampler}'s
 * two passes): the only class of {@code dev.bgevl.image} that links {@code jdk.incubator.vector}, loaded
 * through {@link PixelKernels#vector()} only when that module is present. Every method does the part of
 * its job that whole vectors cover and says how far it got (or is called only for pieces a caller has
 * checked fit); the scalar code in the calling class finishes the rest with the same integer
 * arithmetic, so both give identical bytes.
 *
 * <p>All arithmetic is exact 32-bit integer arithmetic (products of a uint8 and a 22-bit or 16-bit
 * fixed-point weight, summed), so lane order and vector width cannot change a result.
 */
final class VectorPixels {
  /** int lanes; L = 16 with AVX-512, 8 with AVX2. */
  static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  static final int L = I.length();
  /** L bytes: what widens to / narrows from one int vector. */
  static final VectorSpecies<Byte> BL = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
  /** The byte window the horizontal pass permutes taps out of (4L bytes). */
  static final VectorSpecies<Byte> BW = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 32));
  static final VectorSpecies<Float> F = VectorSpecies.of(float.class, I.vectorShape());

  private static final int PRECISION_BITS = 22;
  private static final int HALF = 1 << (PRECISION_BITS - 1);

  // YCbCr→RGB on interleaved lanes: lane j handles component j % 3 of pixel j / 3 (L / 3 whole pixels
  // per vector, the last L % 3 lanes idle). out = clip8(Y + ((kb·(Cb−128) + kr·(Cr−128) + ½) >> 16)).
  private static final int YCC_PIXELS = L / 3;
  private static final VectorShuffle<Integer> Y_OF, CB_OF, CR_OF;
  private static final IntVector KB, KR;

  static {
    int[] y = new int[L], cb = new int[L], cr = new int[L], kb = new int[L], kr = new int[L];
    for (int j = 0; j < 3 * YCC_PIXELS; j++) {
      int px = j / 3 * 3;
      y[j] = px;
      cb[j] = px + 1;
      cr[j] = px + 2;
      kb[j] = new int[] {0, -ImageDecoder.Ycc.CB_G_FIX, ImageDecoder.Ycc.CB_B_FIX}[j % 3];
      kr[j] = new int[] {ImageDecoder.Ycc.CR_R_FIX, -ImageDecoder.Ycc.CR_G_FIX, 0}[j % 3];
    }
    Y_OF = VectorShuffle.fromArray(I, y, 0);
    CB_OF = VectorShuffle.fromArray(I, cb, 0);
    CR_OF = VectorShuffle.fromArray(I, cr, 0);
    KB = IntVector.fromArray(I, kb, 0);
    KR = IntVector.fromArray(I, kr, 0);
  }

  VectorPixels() {
    if (L < 8 || L > 16) {
      throw new UnsupportedOperationException("needs 256- or 512-bit vectors, have " + I);
    }
  }

  /** Pixels per horizontal-pass block for {@code ch} channels: lane j is channel j / P of pixel j % P. */
  int blockPixels(int ch) {
    return L / ch;
  }

  /** Bytes of the window a horizontal block may index into. */
  int windowBytes() {
    return BW.length();
  }

  int lanes() {
    return L;
  }

  /**
   * Converts the pixels [0, n) of one interleaved YCbCr row at {@code ycc[p]} to RGB at {@code rgb[o]},
   * n as large as whole vectors allow without reading or writing past the row; returns n.
   */
  int yccRow(byte[] ycc, int p, byte[] rgb, int o, int w) {
    int x = 0;
    final int step = YCC_PIXELS;
    final IntVector half = IntVector.broadcast(I, ImageDecoder.Ycc.ONE_HALF);
    for (; 3 * x + L <= 3 * w; x += step) {
      IntVector v = (IntVector) ByteVector.fromArray(BL, ycc, p + 3 * x).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      IntVector luma = v.rearrange(Y_OF);
      IntVector cb = v.rearrange(CB_OF).sub(128);
      IntVector cr = v.rearrange(CR_OF).sub(128);
      IntVector c = cb.mul(KB).add(cr.mul(KR)).add(half).lanewise(VectorOperators.ASHR, ImageDecoder.Ycc.SCALEBITS);
      IntVector out = luma.add(c).max(0).min(255);
      out.convertShape(VectorOperators.I2B, BL, 0).reinterpretAsBytes().intoArray(rgb, o + 3 * x);
    }
    return x;
  }

  /**
   * One horizontal block: n ≤ P output pixels of one row. {@code idx[t + k·L + j]} is the byte of the
   * current window lane j reads for tap k, {@code wts[t + k·L + j]} its weight (0 for taps a pixel
   * does not have); taps come in groups of {@code group}, group g reading the window of source bytes
   * from {@code win + ch·g·group}. Lane results are clipped to uint8 and stored to the planar row:
   * channel c of pixel i at {@code out[o + c·width + i]}.
   */
  void horizontalBlock(byte[] src, int win, byte[] idx, int[] wts, int t, int taps, int group,
                       byte[] out, int o, int width, int ch, int n) {
    IntVector acc = IntVector.broadcast(I, HALF);
    for (int k0 = 0; k0 < taps; k0 += group) {
      int off = win + ch * k0;
      ByteVector window = off + BW.length() <= src.length
          ? ByteVector.fromArray(BW, src, off)
          : ByteVector.fromArray(BW, src, off, BW.indexInRange(off, src.length));
      for (int k = k0, end = Math.min(taps, k0 + group); k < end; k++, t += L) {
        IntVector px = (IntVector) ByteVector.fromArray(BW, idx, t).selectFrom(window)
            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        acc = acc.add(px.mul(IntVector.fromArray(I, wts, t)));
      }
    }
    ByteVector b = clip8(acc);
    int p = L / ch;
    long lanes = (1L << n) - 1;
    for (int c = 0; c < ch; c++) {
      b.intoArray(out, o + c * width - c * p, VectorMask.fromLong(BL, lanes << (c * p)));
    }
  }

  private static ByteVector clip8(IntVector acc) {
    return acc.lanewise(VectorOperators.ASHR, PRECISION_BITS).max(0).min(255)
        .convertShape(VectorOperators.I2B, BL, 0).reinterpretAsBytes();
  }

  /**
   * Vertical pass for one output row of one plane: {@code out[o + x] = clip8(½ + Σ_k w[wOff + k] ·
   * in[rows[k] + x])} for x in [0, width) rounded up to whole vectors; the bytes written past
   * {@code width} (at most L − 1) must be ones the caller writes later or never reads.
   */
  void verticalRow(byte[] in, int[] rows, int taps, int[] w, int wOff, byte[] out, int o, int width) {
    for (int x = 0; x < width; x += L) {
      IntVector acc = IntVector.broadcast(I, HALF);
      for (int k = 0; k < taps; k++) {
        IntVector px = (IntVector) ByteVector.fromArray(BL, in, rows[k] + x).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        acc = acc.add(px.mul(w[wOff + k]));
      }
      clip8(acc).intoArray(out, o + x);
    }
  }

  /**
   * {@link #verticalRow} whose uint8 results are mapped through {@code lut[lutOff + v]} (rescale and
   * normalize) into {@code out[o .. o + width)} (floats; nothing written past width).
   */
  void verticalRowToFloat(byte[] in, int[] rows, int taps, int[] w, int wOff, float[] lut, int lutOff,
                          float[] out, int o, int width, int[] scratch) {
    for (int x = 0; x < width; x += L) {
      IntVector acc = IntVector.broadcast(I, HALF);
      for (int k = 0; k < taps; k++) {
        IntVector px = (IntVector) ByteVector.fromArray(BL, in, rows[k] + x).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        acc = acc.add(px.mul(w[wOff + k]));
      }
      acc.lanewise(VectorOperators.ASHR, PRECISION_BITS).max(0).min(255).intoArray(scratch, 0);
      FloatVector f = FloatVector.fromArray(F, lut, lutOff, scratch, 0);
      if (x + L <= width) {
        f.intoArray(out, o + x);
      } else {
        f.intoArray(out, o + x, F.indexInRange(x, width));
      }
    }
  }
}
