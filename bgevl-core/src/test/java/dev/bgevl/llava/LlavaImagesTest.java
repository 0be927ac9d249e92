package dev.bgevl.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.image.ImageDecoder;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.image.RgbImage;
import dev.bgevl.testing.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The LLaVA-NeXT image path against {@code expected/mllm-tiny.json} (transformers 4.45 + Pillow 9.4). */
class LlavaImagesTest {
  /** Pillow modes whose pre-resize is reproduced: every mode of the fixture. */
  private static final Set<String> SUPPORTED_MODES = Set.of("RGB", "L", "P", "RGBA", "LA", "I", "CMYK");

  static JsonNode expected;
  static LlavaImageProcessor proc;
  static LlavaVisionFeatures features;

  @BeforeAll
  static void load() {
    expected = Fixtures.expected("mllm-tiny");
    proc = LlavaImageProcessor.load(Fixtures.model("mllm-tiny"));
    features = LlavaVisionFeatures.load(Fixtures.model("mllm-tiny"));
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static byte[] bytes(float[][] tiles) {
    ByteBuffer bb = ByteBuffer.allocate(tiles.length * tiles[0].length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] t : tiles) {
      for (float v : t) {
        bb.putFloat(v);
      }
    }
    return bb.array();
  }

  static RgbImage input(JsonNode item) throws Exception {
    java.nio.file.Path p = Fixtures.image(item.get("image").asText());
    if (item.get("bge_resize").asBoolean()) {
      return LlavaImageProcessor.bgePreResize(java.nio.file.Files.readAllBytes(p), p.toString(), ImageLimits.DEFAULT);
    }
    return ImageDecoder.decode(p, ImageLimits.DEFAULT);
  }

  static final int[][] REAL_PINPOINTS = {{336, 672}, {672, 336}, {672, 672}, {1008, 336}, {336, 1008}};

  @Test
  void imageTokenCountsWithRealGeometry() {
    assertEquals(2928, AnyResolution.numImageTokens(512, 512, REAL_PINPOINTS, 336, 14));
    assertEquals(2340, AnyResolution.numImageTokens(480, 640, REAL_PINPOINTS, 336, 14));
    // transformers' llava-next test: image_sizes (h, w) = (500, 316) → 1,526
    assertEquals(1526, AnyResolution.numImageTokens(500, 316, REAL_PINPOINTS, 336, 14));
    assertEquals(1512, AnyResolution.numImageTokens(316, 500, REAL_PINPOINTS, 336, 14));
    assertArrayEquals(new int[] {672, 672}, AnyResolution.bestResolution(512, 512, REAL_PINPOINTS));
    assertArrayEquals(new int[] {672, 336}, AnyResolution.bestResolution(500, 316, REAL_PINPOINTS));
    assertArrayEquals(new int[] {336, 672}, AnyResolution.bestResolution(316, 500, REAL_PINPOINTS));
  }

  @Test
  void geometryMatchesEveryFixtureItem() {
    int n = 0;
    for (JsonNode item : expected.get("items")) {
      JsonNode d = item.get("image_details");
      if (d == null) {
        assertEquals(0, item.get("num_image_tokens").asInt());
        continue;
      }
      int h = d.get("rgb_hw").get(0).asInt(), w = d.get("rgb_hw").get(1).asInt();
      String name = item.get("name").asText();
      int[] best = AnyResolution.bestResolution(h, w, proc.pinpoints());
      assertArrayEquals(Fixtures.ints(d.get("best_resolution_hw")), best, name);
      int[] rs = AnyResolution.resizedForPatching(h, w, best);
      assertArrayEquals(Fixtures.ints(d.get("resized_for_patching_hw")), rs, name);
      int[] pad = AnyResolution.padding(rs, best);
      JsonNode ep = d.get("padding_hw");
      assertArrayEquals(new int[] {ep.get(0).get(0).asInt(), ep.get(0).get(1).asInt(), ep.get(1).get(0).asInt(),
          ep.get(1).get(1).asInt()}, pad, name);
      assertEquals(item.get("num_image_tokens").asInt(), proc.numImageTokens(h, w, 14), name);
      n++;
    }
    assertEquals(23, n);
  }

  @Test
  void tilesMatchReferenceHashes() throws Exception {
    int checked = 0;
    for (JsonNode item : expected.get("items")) {
      JsonNode d = item.get("image_details");
      String path = item.path("image").asText("");
      if (d == null || !SUPPORTED_MODES.contains(d.get("decoded_mode").asText())) {
        continue;
      }
      String name = item.get("name").asText();
      RgbImage img = input(item);
      assertEquals(d.get("rgb_sha256").asText(), sha256(img.rgb()), name + " rgb");
      LlavaImageProcessor.Tiles t = proc.preprocess(img);
      assertEquals(d.get("num_tiles").asInt(), t.count(), name);
      assertEquals(d.get("pixel_values_sha256").asText(), sha256(bytes(t.pixelValues())), name + " pixel_values");
      checked++;
    }
    assertEquals(23, checked);
  }

  @Test
  void visionFeaturesProjectorAndPackingMatchIntermediates() throws Exception {
    JsonNode im = expected.get("intermediates");
    JsonNode item = expected.get("items").get(0);
    assertEquals(im.get("item").asText(), item.get("name").asText());
    LlavaImageProcessor.Tiles t = proc.preprocess(input(item));
    // pixel values: the first 8 of tile 0 / channel 0 / row 0, and per-tile sums in float64
    float[] first8 = java.util.Arrays.copyOf(t.pixelValues()[0], 8);
    assertTrue(Fixtures.maxAbsDiff(Fixtures.floats(im.get("pixel_values_tile0_channel0_row0_first8")), first8) < 1e-7);
    for (int k = 0; k < t.count(); k++) {
      double s = 0;
      for (float v : t.pixelValues()[k]) {
        s += v;
      }
      assertEquals(im.get("pixel_values_sum_per_tile_float64").get(k).asDouble(), s, 1e-6);
    }
    // vision hidden state -2 with CLS: compare CLS and the first patch of tile 0 (1e-5: fp32 tower)
    int vh = features.visionConfig().hiddenSize();
    float[][] selected = features.selectedFeatures(t.pixelValues());
    float[] firstPatch = java.util.Arrays.copyOf(selected[0], vh);
    assertTrue(Fixtures.maxAbsDiff(Fixtures.floats(im.get("vision_hidden_state_selected_tile0_token1_first_patch")), firstPatch) < 1e-5);
    float[][] projected = features.project(selected);
    int d = features.textHidden();
    assertTrue(Fixtures.maxAbsDiff(Fixtures.floats(im.get("projector_out_tile0_patch0")), java.util.Arrays.copyOf(projected[0], d)) < 1e-5);
    assertTrue(Fixtures.maxAbsDiff(Fixtures.floats(im.get("projector_out_tile1_patch0")), java.util.Arrays.copyOf(projected[1], d)) < 1e-5);
    float[] packed = features.pack(projected, t.height(), t.width());
    assertEquals(im.get("packed_num_vectors").asInt() * d, packed.length);
    assertEquals(item.get("num_image_tokens").asInt() * d, packed.length);
    // 512×512 → 112×112 grid of 2×2 tiles, 8×8 patches, nothing unpadded: base (16), then 8 rows of 8 + newline
    int nl = im.get("packed_index_of_first_newline").asInt();
    assertEquals(16 + 8, nl);
    assertArrayEquals(row(packed, 0, d), row(projected[0], 0, d));
    assertArrayEquals(row(packed, 16, d), row(projected[1], 0, d)); // grid (0, 0) = tile 1 patch 0
    assertArrayEquals(row(packed, 16 + 4, d), row(projected[2], 0, d)); // grid (0, 4) = tile 2 patch 0
    assertArrayEquals(row(packed, 16 + 9, d), row(projected[1], 4, d)); // grid (1, 0) = tile 1 patch 4
    assertArrayEquals(row(packed, 16 + 4 * 9, d), row(projected[3], 0, d)); // grid (4, 0) = tile 3
    assertArrayEquals(row(packed, 16 + 4 * 9 + 7, d), row(projected[4], 3, d)); // grid (4, 7) = tile 4 patch 3
    for (int r = 0; r < 8; r++) {
      assertArrayEquals(row(packed, nl, d), row(packed, nl + 9 * r, d)); // image_newline after every row
    }
    assertTrue(Fixtures.maxAbsDiff(row(packed, nl, d), row(packed, nl - 1, d)) > 1e-3);
  }

  static float[] row(float[] m, int i, int d) {
    return java.util.Arrays.copyOfRange(m, i * d, (i + 1) * d);
  }

  @Test
  void clsHiddenStateAndUnpaddedPacking() throws Exception {
    JsonNode im = expected.get("intermediates");
    JsonNode item = expected.get("items").get(0);
    LlavaImageProcessor.Tiles t = proc.preprocess(input(item));
    try (dev.bgevl.weights.Weights w = dev.bgevl.weights.Weights.open(Fixtures.model("mllm-tiny"))) {
      dev.bgevl.clip.ClipVisionModel tower = dev.bgevl.clip.ClipVisionModel.tower(w, "vision_tower.", features.visionConfig());
      float[][] hs = tower.hiddenStates(new float[][] {t.pixelValues()[0]}, 1); // layer -2 of 2
      assertTrue(Fixtures.maxAbsDiff(Fixtures.floats(im.get("vision_hidden_state_selected_tile0_token0_CLS")),
          java.util.Arrays.copyOf(hs[0], 32)) < 1e-5);
      assertThrows(IllegalStateException.class, () -> tower.imageFeatures(new float[][] {t.pixelValues()[0]}));
    }
    // raw (no pre-resize) 640×480: 112×112 grid, 2 rows dropped top and bottom → 16 + 6·9 = 70
    JsonNode raw = expected.get("items").get(24);
    assertEquals("raw_c_image_cir_candi_1", raw.get("name").asText());
    LlavaImageProcessor.Tiles rt = proc.preprocess(input(raw));
    float[][] projected = features.project(features.selectedFeatures(rt.pixelValues()));
    float[] packed = features.pack(projected, rt.height(), rt.width());
    assertEquals(70 * features.textHidden(), packed.length);
    assertArrayEquals(row(packed, 16, features.textHidden()), row(projected[1], 4, features.textHidden())); // grid (1, 0)
    assertThrows(dev.bgevl.BgeVlException.class, () -> features.pack(java.util.Arrays.copyOf(projected, 3), 480, 640));
  }
}
