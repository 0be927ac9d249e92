package dev.bgevl.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bit-exactness against Pillow 9.4 {@code Image.resize} (golden hashes from tools/gen_resize_fixtures.py):
 * L, RGB and RGBA (premultiplied path) sources, every filter, up- and down-scaling, odd sizes, 1-pixel
 * sources and targets, one-axis-only resizes. Tolerance: none (sha256 of the uint8 output).
 */
class ResamplerTest {
  record Source(int width, int height, String mode, byte[] data) {}

  static Stream<Arguments> cases() throws IOException {
    JsonNode root = new ObjectMapper().readTree(Files.readAllBytes(TestFixtures.resource("resize/cases.json")));
    Map<String, Source> sources = new HashMap<>();
    for (JsonNode s : root.get("sources")) {
      byte[] data = Files.readAllBytes(TestFixtures.resource("resize/" + s.get("name").asText() + ".bin"));
      assertEquals(s.get("sha256").asText(), TestFixtures.sha256(data));
      sources.put(s.get("name").asText(), new Source(s.get("width").asInt(), s.get("height").asInt(), s.get("mode").asText(), data));
    }
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : root.get("cases")) {
      Source s = sources.get(c.get("source").asText());
      out.add(Arguments.of(c.get("source").asText() + " -> " + c.get("width").asInt() + "x" + c.get("height").asInt()
          + " " + c.get("filter").asText(), s, Filter.valueOf(c.get("filter").asText()),
          c.get("width").asInt(), c.get("height").asInt(), c.get("sha256").asText()));
    }
    assertTrue(out.size() > 200);
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesPillow(String label, Source s, Filter f, int w, int h, String sha) {
    byte[] out = switch (s.mode()) {
      case "L" -> Resampler.resize(s.data(), 1, s.width(), s.height(), w, h, f);
      case "RGB" -> Resampler.resize(new RgbImage(s.width(), s.height(), s.data()), w, h, f).rgb();
      case "RGBA" -> Resampler.resizeRgba(s.data(), s.width(), s.height(), w, h, f);
      default -> throw new AssertionError(s.mode());
    };
    assertEquals(sha, TestFixtures.sha256(out), label);
  }

  @Test
  void croppedResizeEqualsCropOfResize() {
    java.util.Random rnd = new java.util.Random(11);
    int[][] shapes = {{640, 480, 298, 224}, {37, 500, 32, 432}, {50, 40, 50, 17}, {50, 40, 23, 40}, {7, 5, 30, 20}, {1, 1, 9, 9}};
    for (int[] s : shapes) {
      byte[] px = new byte[s[0] * s[1] * 3];
      rnd.nextBytes(px);
      RgbImage img = new RgbImage(s[0], s[1], px);
      for (Filter f : Filter.values()) {
        RgbImage full = Resampler.resize(img, s[2], s[3], f);
        for (int t = 0; t < 4; t++) {
          int w = 1 + rnd.nextInt(s[2]), h = 1 + rnd.nextInt(s[3]);
          int x0 = rnd.nextInt(s[2] - w + 1), y0 = rnd.nextInt(s[3] - h + 1);
          RgbImage win = Resampler.resizeCropped(img, s[2], s[3], f, x0, y0, w, h);
          byte[] want = new byte[w * h * 3];
          for (int y = 0; y < h; y++) {
            System.arraycopy(full.rgb(), ((y0 + y) * s[2] + x0) * 3, want, y * w * 3, w * 3);
          }
          assertArrayEquals(want, win.rgb(), f + " " + java.util.Arrays.toString(s) + " window " + w + "x" + h + "+" + x0 + "+" + y0);
        }
      }
    }
  }

  @Test
  void sameSizeIsACopy() {
    byte[] px = {1, 2, 3, 4, 5, 6};
    RgbImage img = new RgbImage(2, 1, px);
    RgbImage r = Resampler.resize(img, 2, 1, Filter.BICUBIC);
    assertArrayEquals(px, r.rgb());
    assertTrue(r.rgb() != px);
  }

  @Test
  void rejectsBadSizes() {
    RgbImage img = new RgbImage(1, 1, new byte[3]);
    assertThrows(IllegalArgumentException.class, () -> Resampler.resize(img, 0, 5, Filter.BICUBIC));
    assertThrows(IllegalArgumentException.class, () -> Resampler.resize(new byte[5], 3, 1, 1, 2, 2, Filter.BILINEAR));
  }

  @Test
  void bicubicWeightsSumToOneInFixedPoint() {
    // Pillow normalizes each output's kernel to 1.0 before rounding, so the 22-bit weights sum to 2^22 ± taps.
    Resampler.Coeffs c = Resampler.Coeffs.compute(640, 42, Filter.BICUBIC);
    for (int o = 0; o < 42; o++) {
      int sum = 0;
      for (int k = 0; k < c.count[o]; k++) {
        sum += c.weights[o * c.ksize + k];
      }
      assertTrue(Math.abs(sum - (1 << 22)) <= c.count[o], "output " + o + " sum " + sum);
    }
  }
}
