package dev.bgevl.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API bodies against the scalar code they share every result with. Pillow and libjpeg
 * fixtures (ResamplerTest, PhotoResizeTest, ReferenceImagesTest, ImageDecoderTest) are the truth; this
 * adds an exhaustive YCbCr→RGB check and random shapes, windows and channel counts for the resampler.
 */
class PixelKernelsTest {
  @Test
  void vectorBodiesAreInUse() {
    // The build runs tests with --add-modules jdk.incubator.vector (bgevl.jvmArgs): the fixtures must
    // exercise the vector bodies, not only the scalar fallback.
    assertNotNull(PixelKernels.loaded(), "jdk.incubator.vector not loaded or vector bodies failed to link");
  }

  @Test
  void vectorBodiesTakeOverOnceWarm() throws InterruptedException {
    // Until the warm-up thread has run them enough for C2, callers get null (scalar); afterwards the
    // bodies. Liveness only: the bound is generous for a loaded machine, not a performance check.
    long deadline = System.nanoTime() + 300_000_000_000L;
    VectorPixels v = PixelKernels.vector();
    while (v == null && System.nanoTime() < deadline) {
      Thread.sleep(50);
      v = PixelKernels.vector();
    }
    assertNotNull(v, "vector bodies still not warm after 300 s");
  }

  @Test
  void yccToRgbVectorEqualsTablesForEveryTriple() {
    VectorPixels vec = PixelKernels.loaded();
    int w = 257, h = 256, stride = w * 3 + 7; // 257 % (lanes / 3) != 0: every row ends in the scalar tail
    byte[] ycc = new byte[5 + stride * h];
    for (int y = 0; y < 256; y++) {
      for (int cb = 0; cb < 256; cb++) {
        for (int cr = 0; cr < 257; cr++) {
          int p = 5 + cb * stride + cr * 3;
          ycc[p] = (byte) y;
          ycc[p + 1] = (byte) cb;
          ycc[p + 2] = (byte) (cr & 0xFF);
        }
      }
      byte[] want = new byte[w * h * 3], got = new byte[w * h * 3];
      ImageDecoder.Ycc.toRgb(ycc, 5, stride, w, h, want, null);
      ImageDecoder.Ycc.toRgb(ycc, 5, stride, w, h, got, vec);
      assertArrayEquals(want, got, "Y = " + y);
    }
  }

  @Test
  void resamplerVectorEqualsScalarOnRandomShapes() {
    VectorPixels vec = PixelKernels.loaded();
    Random rnd = new Random(7);
    for (int t = 0; t < 300; t++) {
      int ch = 1 + rnd.nextInt(4);
      int inW = 1 + rnd.nextInt(t < 150 ? 40 : 700), inH = 1 + rnd.nextInt(t < 150 ? 40 : 300);
      int outW = 1 + rnd.nextInt(2 * inW + 8), outH = 1 + rnd.nextInt(2 * inH + 8);
      Filter f = Filter.values()[rnd.nextInt(Filter.values().length)];
      byte[] src = new byte[inW * inH * ch];
      rnd.nextBytes(src);
      String label = ch + "ch " + inW + "x" + inH + " -> " + outW + "x" + outH + " " + f;
      assertArrayEquals(Resampler.resize(src, ch, inW, inH, outW, outH, f, null),
          Resampler.resize(src, ch, inW, inH, outW, outH, f, vec), label);
      if (ch == 3 && f != Filter.NEAREST && inW != outW && inH != outH) {
        float[] lut = new float[768];
        for (int i = 0; i < lut.length; i++) {
          lut[i] = rnd.nextFloat();
        }
        int w = 1 + rnd.nextInt(outW), h = 1 + rnd.nextInt(outH);
        int x0 = rnd.nextInt(outW - w + 1), y0 = rnd.nextInt(outH - h + 1);
        RgbImage img = new RgbImage(inW, inH, src);
        float[] scalar = Resampler.resizeCroppedToPlanes(img, outW, outH, f, x0, y0, w, h, lut, null);
        assertArrayEquals(scalar, Resampler.resizeCroppedToPlanes(img, outW, outH, f, x0, y0, w, h, lut, vec), label);
        byte[] window = Resampler.resizeCropped(img, outW, outH, f, x0, y0, w, h).rgb(); // via lut, by hand
        for (int c = 0; c < 3; c++) {
          for (int i = 0; i < w * h; i++) {
            if (scalar[c * w * h + i] != lut[c * 256 + (window[3 * i + c] & 0xFF)]) {
              throw new AssertionError(label + " window " + w + "x" + h + "+" + x0 + "+" + y0 + " c" + c + " i" + i);
            }
          }
        }
      }
    }
  }
}
