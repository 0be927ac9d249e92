package dev.bgevl.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.bgevl.testing.Fixtures;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Mode rules of {@link PillowModeResize}; exact bytes are checked against Pillow in LlavaImagesTest. */
class PillowModeResizeTest {
  static byte[] bytes(String rel) throws Exception {
    return Files.readAllBytes(Fixtures.image("images/" + rel));
  }

  @Test
  void sniffsModesFromHeaders() throws Exception {
    assertEquals(PillowModeResize.SourceMode.PALETTE, PillowModeResize.sourceMode(bytes("edge/palette.png")));
    assertEquals(PillowModeResize.SourceMode.PALETTE, PillowModeResize.sourceMode(bytes("edge/palette_trns.png")));
    assertEquals(PillowModeResize.SourceMode.ALPHA, PillowModeResize.sourceMode(bytes("edge/rgba_transparent.png")));
    assertEquals(PillowModeResize.SourceMode.ALPHA, PillowModeResize.sourceMode(bytes("edge/gray_alpha.png")));
    assertEquals(PillowModeResize.SourceMode.RGB_LIKE, PillowModeResize.sourceMode(bytes("edge/gray.png")));
    assertEquals(PillowModeResize.SourceMode.INT32_GREY, PillowModeResize.sourceMode(bytes("edge/gray16.png")));
    assertEquals(PillowModeResize.SourceMode.RGB_LIKE, PillowModeResize.sourceMode(bytes("edge/rgb16.png")));
    assertEquals(PillowModeResize.SourceMode.RGB_LIKE, PillowModeResize.sourceMode(bytes("cir_query.png"))); // a JPEG
    assertEquals(PillowModeResize.SourceMode.RGB_LIKE, PillowModeResize.sourceMode(new byte[0]));
    assertEquals(PillowModeResize.SourceMode.CMYK, PillowModeResize.sourceMode(bytes("edge/cmyk.jpg")));
    assertEquals(PillowModeResize.SourceMode.RGB_LIKE, PillowModeResize.sourceMode(bytes("edge/progressive.jpg")));
  }

  @Test
  void sixteenBitGreyResizesBeforeClipping() throws Exception {
    byte[] g16 = bytes("edge/gray16.png");
    RgbImage clipped = ImageDecoder.decode(g16, "g", ImageLimits.DEFAULT);
    RgbImage modeI = PillowModeResize.decodeResized(g16, "g", ImageLimits.DEFAULT, 40, 30, Filter.BICUBIC);
    assertFalse(Arrays.equals(Resampler.resize(clipped, 40, 30, Filter.BICUBIC).rgb(), modeI.rgb()));
    // same size: no resample, only the i2rgb clip, which is what the decoder does
    assertArrayEquals(clipped.rgb(), PillowModeResize.decodeResized(g16, "g", ImageLimits.DEFAULT,
        clipped.width(), clipped.height(), Filter.BICUBIC).rgb());
  }

  @Test
  void paletteUsesNearestAndAlphaIsPremultiplied() throws Exception {
    byte[] pal = bytes("edge/palette.png");
    RgbImage rgb = ImageDecoder.decode(pal, "p", ImageLimits.DEFAULT);
    RgbImage viaMode = PillowModeResize.decodeResized(pal, "p", ImageLimits.DEFAULT, 64, 48, Filter.BICUBIC);
    assertArrayEquals(Resampler.resize(rgb, 64, 48, Filter.NEAREST).rgb(), viaMode.rgb());
    assertFalse(Arrays.equals(Resampler.resize(rgb, 64, 48, Filter.BICUBIC).rgb(), viaMode.rgb()));

    byte[] rgba = bytes("edge/rgba_transparent.png");
    RgbImage dropped = ImageDecoder.decode(rgba, "a", ImageLimits.DEFAULT);
    RgbImage premul = PillowModeResize.decodeResized(rgba, "a", ImageLimits.DEFAULT, 64, 48, Filter.BICUBIC);
    assertEquals(64, premul.width());
    assertFalse(Arrays.equals(Resampler.resize(dropped, 64, 48, Filter.BICUBIC).rgb(), premul.rgb()));
    // NEAREST never premultiplies: same as resizing the RGB conversion
    assertArrayEquals(Resampler.resize(dropped, 64, 48, Filter.NEAREST).rgb(),
        PillowModeResize.decodeResized(rgba, "a", ImageLimits.DEFAULT, 64, 48, Filter.NEAREST).rgb());
  }

  /**
   * CMYK JPEGs resize in CMYK (4 channels, no premultiplication), then {@code cmyk2rgb}. Hashes from
   * Pillow 9.4: {@code sha256(Image.open(p).tobytes())}, {@code ....resize((512, 512)).tobytes()} and
   * {@code ....resize((w, h)).convert("RGB").tobytes()}.
   */
  @Test
  void cmykJpegResizesInCmyk() throws Exception {
    byte[] adobe = bytes("edge/cmyk.jpg");
    CmykImage raw = ImageDecoder.decodeCmyk(adobe, "c", ImageLimits.DEFAULT);
    assertEquals(110, raw.width());
    assertEquals(90, raw.height());
    assertEquals("da68fb64a02aa66ffb16547d44bbb3b150ea62ad33e91ea78fcbb2c771c6cc34", TestFixtures.sha256(raw.cmyk()));
    assertEquals("8c5938d03335a2a57e626d3e330ee3b1ba04ecce089848a56ebfccd6f1f8447d",
        TestFixtures.sha256(raw.resize(512, 512, Filter.BICUBIC).cmyk()));
    // the unresized conversion is the decoder's RGB (Image.open(p).convert("RGB"), the CLIP path)
    assertArrayEquals(ImageDecoder.decode(adobe, "c", ImageLimits.DEFAULT).rgb(), raw.toRgb().rgb());
    assertEquals("b27841bd33c096edf75771c03f0a4444b80c0dabc3b48cb3af969145ee855231",
        TestFixtures.sha256(PillowModeResize.decodeResized(adobe, "c", ImageLimits.DEFAULT, 37, 41, Filter.BICUBIC).rgb()));
    // resizing the RGB conversion instead gives other bytes
    RgbImage rgbFirst = Resampler.resize(ImageDecoder.decode(adobe, "c", ImageLimits.DEFAULT), 37, 41, Filter.BICUBIC);
    assertFalse(Arrays.equals(rgbFirst.rgb(),
        PillowModeResize.decodeResized(adobe, "c", ImageLimits.DEFAULT, 37, 41, Filter.BICUBIC).rgb()));
    // no Adobe marker: Pillow still reads "CMYK;I"
    byte[] plain = Files.readAllBytes(TestFixtures.resource("decode/cmyk_no_adobe.jpg"));
    assertEquals("8745e5ddb73614b1f843da2f1948bc1595949cbcf989193b7bc8ee426258ac36",
        TestFixtures.sha256(PillowModeResize.decodeResized(plain, "n", ImageLimits.DEFAULT, 50, 30, Filter.BICUBIC).rgb()));
  }

  @Test
  void decodeCmykRefusesOtherImages() throws Exception {
    dev.bgevl.BgeVlException png = org.junit.jupiter.api.Assertions.assertThrows(dev.bgevl.BgeVlException.class,
        () -> ImageDecoder.decodeCmyk(bytes("edge/gray.png"), "gray.png", ImageLimits.DEFAULT));
    assertEquals("gray.png: not a CMYK JPEG (a PNG image)", png.getMessage());
    dev.bgevl.BgeVlException jpg = org.junit.jupiter.api.Assertions.assertThrows(dev.bgevl.BgeVlException.class,
        () -> ImageDecoder.decodeCmyk(bytes("edge/progressive.jpg"), "p.jpg", ImageLimits.DEFAULT));
    assertEquals("p.jpg: not a CMYK JPEG (3 components, YCBCR)", jpg.getMessage());
  }
}
