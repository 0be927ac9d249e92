package dev.bgevl.llava;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.llava.AnyResolution.Size;
import dev.bgevl.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnyResolutionTest {
  static final List<Size> REAL = List.of(new Size(336, 672), new Size(672, 336),
      new Size(672, 672), new Size(1008, 336), new Size(336, 1008));

  @Test
  void realGeometryMatchesTransformersAndTheSpec() {
    // transformers' own processor test: a 500 (h) × 316 (w) image → 1,526 tokens
    assertEquals(1526, AnyResolution.numImageTokens(500, 316, REAL, 336, 14));
    assertEquals(2928, AnyResolution.numImageTokens(512, 512, REAL, 336, 14));
    assertEquals(new Size(672, 672), AnyResolution.bestResolution(512, 512, REAL));
    assertEquals(2340, AnyResolution.numImageTokens(480, 640, REAL, 336, 14));
  }

  @Test
  void everyFixtureImageItem() {
    JsonNode exp = Fixtures.expected("mllm-tiny");
    List<Size> tiny = List.of(new Size(56, 112), new Size(112, 56), new Size(112, 112),
        new Size(168, 56), new Size(56, 168));
    int n = 0;
    for (JsonNode it : exp.get("items")) {
      JsonNode d = it.get("image_details");
      if (d == null) {
        continue;
      }
      int h = d.get("rgb_hw").get(0).asInt();
      int w = d.get("rgb_hw").get(1).asInt();
      Size best = AnyResolution.bestResolution(h, w, tiny);
      assertEquals(d.get("best_resolution_hw").get(0).asInt(), best.height(), it.get("name").asText());
      assertEquals(d.get("best_resolution_hw").get(1).asInt(), best.width(), it.get("name").asText());
      assertEquals(it.get("num_image_tokens").asInt(), AnyResolution.numImageTokens(h, w, tiny, 56, 14),
          it.get("name").asText());
      n++;
    }
    assertEquals(23, n);
  }
}
