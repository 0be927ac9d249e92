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
}
