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
