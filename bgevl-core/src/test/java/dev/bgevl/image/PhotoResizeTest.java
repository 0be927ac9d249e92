package dev.bgevl.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bit-exactness against Pillow 9.4 at real photo sizes (golden hashes from
 * tools/gen_photo_resize_fixtures.py): 640×480 and portrait/landscape COCO JPEGs and a 3504×2336 PNG,
 * resized to the CLIP sizes (298×224, 448×336, ...), up, and strongly down (where the horizontal pass
 * uses narrow blocks with several windows), in RGB, L (the R samples) and RGBA (G samples as alpha), every filter;
 * and CLIP pixel_values (shortest edge = crop = 224 and 336). Each case runs twice, with the Vector API
 * bodies and scalar only ({@code vec = null}, the path without the incubator module). Tolerance: none
 * (sha256 of the uint8 output, of the float32 pixel_values).
 */
class PhotoResizeTest {
  private static final Map<String, RgbImage> DECODED = new HashMap<>();

  static Stream<Arguments> sources() throws IOException {
    JsonNode root = new ObjectMapper().readTree(Files.readAllBytes(TestFixtures.resource("resize/photos.json")));
    List<Arguments> out = new ArrayList<>();
    for (JsonNode s : root.get("sources")) {
      out.add(Arguments.of(s.get("image").asText(), s));
    }
    assertEquals(4, out.size());
    return out.stream();
  }

  private static RgbImage decoded(JsonNode s) {
    String rel = s.get("image").asText();
    return DECODED.computeIfAbsent(rel, r -> {
      RgbImage img = ImageDecoder.decode(TestFixtures.resource(r), ImageLimits.DEFAULT);
      assertEquals(s.get("width").asInt(), img.width(), r);
      assertEquals(s.get("height").asInt(), img.height(), r);
      assertEquals(s.get("rgb_sha256").asText(), TestFixtures.sha256(img.rgb()), r + " decoded RGB");
      return img;
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sources")
  void resizeMatchesPillow(String rel, JsonNode s) {
    RgbImage img = decoded(s);
    byte[] rgb = img.rgb();
    int n = img.width() * img.height();
    byte[] l = new byte[n], rgba = new byte[n * 4];
    for (int i = 0; i < n; i++) {
      l[i] = rgb[3 * i];
      rgba[4 * i] = rgb[3 * i];
      rgba[4 * i + 1] = rgb[3 * i + 1];
      rgba[4 * i + 2] = rgb[3 * i + 2];
      rgba[4 * i + 3] = rgb[3 * i + 1];
    }
    int cases = 0;
    for (JsonNode c : s.get("cases")) {
      Filter f = Filter.valueOf(c.get("filter").asText());
      int w = c.get("width").asInt(), h = c.get("height").asInt();
      String mode = c.get("mode").asText();
      String label = rel + " " + mode + " -> " + w + "x" + h + " " + f;
      for (VectorPixels vec : new VectorPixels[] {PixelKernels.loaded(), null}) {
        byte[] got = switch (mode) {
          case "RGB" -> Resampler.resize(rgb, 3, img.width(), img.height(), w, h, f, vec);
          case "L" -> Resampler.resize(l, 1, img.width(), img.height(), w, h, f, vec);
          case "RGBA" -> Resampler.resizeRgba(rgba, img.width(), img.height(), w, h, f, vec);
          default -> throw new AssertionError(mode);
        };
        assertEquals(c.get("sha256").asText(), TestFixtures.sha256(got), label + (vec == null ? " (scalar)" : " (vector)"));
      }
      cases++;
    }
    assertTrue(cases >= 12, rel);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sources")
  void clipPixelValuesMatchReference(String rel, JsonNode s) throws IOException {
    RgbImage img = decoded(s);
    for (JsonNode c : s.get("clip")) {
      int size = c.get("size").asInt();
      ClipImageProcessor p = ClipImageProcessor.fromJson(new ObjectMapper().readTree(
          "{\"size\": " + size + ", \"crop_size\": " + size + ", \"resample\": 3}"), "test");
      for (VectorPixels vec : new VectorPixels[] {PixelKernels.loaded(), null}) {
        float[] pv = p.preprocess(img, vec);
        assertEquals(3 * size * size, pv.length);
        assertEquals(c.get("pixel_values_sha256").asText(), TestFixtures.sha256(pv),
            rel + " pixel_values " + size + (vec == null ? " (scalar)" : " (vector)"));
      }
    }
  }
}
