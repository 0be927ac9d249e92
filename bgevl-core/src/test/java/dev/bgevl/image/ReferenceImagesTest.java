package dev.bgevl.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every image of the reference fixtures (Pillow 9.4 decode + transformers 4.45 slow CLIPImageProcessor
 * on clip-tiny: shortest edge 32, crop 32): decoded size and RGB hash, resized size, and pixel_values
 * against the reference .npy.
 *
 * <p>Tolerance: all fixtures, JPEGs included, must be bit-identical (decoded RGB sha256 and pixel_values
 * sha256). The JDK's libjpeg (ISLOW IDCT, fancy upsampling) matches libjpeg-turbo on every fixture once
 * colour conversion is done by us from the raw components; a JPEG decoder difference would show here as a
 * hash mismatch, with the max abs difference in the message.
 */
class ReferenceImagesTest {
  private static ClipImageProcessor processor;

  @BeforeAll
  static void load() {
    processor = ClipImageProcessor.load(TestFixtures.resource("clip-tiny"));
  }

  static Stream<JsonNode> images() throws IOException {
    JsonNode root = new ObjectMapper().readTree(Files.readAllBytes(TestFixtures.resource("expected/clip-tiny.json")));
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode it : root.get("items")) {
      if (it.get("kind").asText().equals("image")) {
        out.add(it);
      }
    }
    assertEquals(33, out.size());
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("images")
  void decodesAndPreprocessesLikeReference(JsonNode item) throws IOException {
    String rel = item.get("image").asText();
    JsonNode d = item.get("details");
    RgbImage img = ImageDecoder.decode(TestFixtures.resource(rel), ImageLimits.DEFAULT);
    assertEquals(d.get("decoded_hw").get(0).asInt(), img.height(), rel + " height");
    assertEquals(d.get("decoded_hw").get(1).asInt(), img.width(), rel + " width");
    assertEquals(d.get("decoded_rgb_sha256").asText(), TestFixtures.sha256(img.rgb()), rel + " decoded RGB sha256");
    assertEquals(d.get("hf_channel_inference_quirk").asBoolean(), ClipImageProcessor.hfMisreadsChannels(img), rel + " quirk flag");

    int[] resized = processor.resizedSize(img.width(), img.height());
    assertEquals(d.get("resized_hw").get(0).asInt(), resized[0], rel + " resized height");
    assertEquals(d.get("resized_hw").get(1).asInt(), resized[1], rel + " resized width");

    float[] pv = processor.preprocess(img);
    String npyName = "pixels/clip-tiny/" + rel.substring("images/".length()).replace('/', '_').replaceFirst("_", "__");
    if (!rel.substring("images/".length()).contains("/")) {
      npyName = "pixels/clip-tiny/" + rel.substring("images/".length());
    }
    Npy.Array expected = Npy.read(Files.readAllBytes(TestFixtures.resource(npyName + ".npy")), npyName);
    assertArrayEquals(new int[] {3, 32, 32}, expected.shape());
    float maxAbs = 0;
    for (int i = 0; i < pv.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(pv[i] - expected.data()[i]));
    }
    assertTrue(maxAbs <= 1e-6f, rel + " pixel_values max abs diff " + maxAbs);
    assertEquals(d.get("pixel_values_sha256").asText(), TestFixtures.sha256(pv), rel + " pixel_values sha256");
  }

  @Test
  void processorReadsTinyConfig() {
    assertEquals(32, processor.cropHeight());
    assertEquals(32, processor.cropWidth());
    assertEquals(Filter.BICUBIC, processor.resample());
  }
}
