package dev.bgevl.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config forms, output sizes, centre crop with padding and the float32 value pipeline. */
class ClipImageProcessorTest {
  private static ClipImageProcessor fromJson(String json) throws IOException {
    return ClipImageProcessor.fromJson(new ObjectMapper().readTree(json), "test");
  }

  @Test
  void sizeAndCropAcceptIntsAndDicts() throws IOException {
    ClipImageProcessor a = fromJson("{\"size\": 224, \"crop_size\": 224}");
    ClipImageProcessor b = fromJson("{\"size\": {\"shortest_edge\": 224}, \"crop_size\": {\"height\": 224, \"width\": 224}}");
    for (ClipImageProcessor p : new ClipImageProcessor[] {a, b}) {
      assertEquals(224, p.cropHeight());
      assertEquals(224, p.cropWidth());
      assertArrayEquals(new int[] {224, 298}, p.resizedSize(640, 480)); // int(224 * 640 / 480) = 298
      assertArrayEquals(new int[] {335, 224}, p.resizedSize(427, 640)); // int(224 * 640 / 427) = int(335.74) = 335
    }
  }

  @Test
  void resizedSizeTruncatesLikePython() throws IOException {
    ClipImageProcessor p = fromJson("{\"size\": 336, \"crop_size\": 336}");
    // int(336 * 640 / 480) = 448; int(336 * 500 / 37) = 4540 (4540.54); square stays square
    assertArrayEquals(new int[] {336, 448}, p.resizedSize(640, 480));
    assertArrayEquals(new int[] {4540, 336}, p.resizedSize(37, 500));
    assertArrayEquals(new int[] {336, 336}, p.resizedSize(10, 10));
    ClipImageProcessor fixed = fromJson("{\"size\": {\"height\": 20, \"width\": 30}, \"crop_size\": 10}");
    assertArrayEquals(new int[] {20, 30}, fixed.resizedSize(640, 480));
  }

  @Test
  void defaultsAreClipDefaults() throws IOException {
    ClipImageProcessor p = fromJson("{}");
    assertEquals(224, p.cropHeight());
    assertEquals(Filter.BICUBIC, p.resample());
    // white pixel: (float32(255 / 255) - float32(0.48145466)) / float32(0.26862954)
    float[] v = p.preprocess(new RgbImage(1, 1, new byte[] {(byte) 255, (byte) 255, (byte) 255}));
    assertEquals((1f - 0.48145466f) / 0.26862954f, v[0]);
    assertEquals((1f - 0.40821073f) / 0.27577711f, v[2 * 224 * 224]);
  }

  @Test
  void rescaleIsFloat64ThenFloat32() throws IOException {
    ClipImageProcessor p = fromJson("{\"size\": 2, \"crop_size\": 2, \"do_normalize\": false}");
    float[] v = p.preprocess(new RgbImage(2, 2, new byte[] {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}));
    assertEquals((float) (7 * (1.0 / 255)), v[0]);
  }

  @Test
  void centerCropOriginMatchesTransformers() {
    // no padding: top = (orig - crop) // 2
    assertArrayEquals(new int[] {200, 32}, ClipImageProcessor.cropOrigin(432, 32));
    assertArrayEquals(new int[] {5, 32}, ClipImageProcessor.cropOrigin(42, 32));
    assertArrayEquals(new int[] {0, 32}, ClipImageProcessor.cropOrigin(32, 32));
    // padding: canvas max(crop, orig), image at ceil((canvas - orig) / 2); window (orig - crop) // 2 + pad
    assertArrayEquals(new int[] {-3, 10}, ClipImageProcessor.cropOrigin(5, 10));  // pad 3 (ceil 2.5)
    assertArrayEquals(new int[] {-2, 10}, ClipImageProcessor.cropOrigin(6, 10));  // pad 2
    assertArrayEquals(new int[] {-1, 3}, ClipImageProcessor.cropOrigin(1, 3));
  }

  @Test
  void cropLargerThanResizedImageIsZeroPadded() throws IOException {
    ClipImageProcessor p = fromJson("{\"size\": 4, \"crop_size\": {\"height\": 8, \"width\": 6}, \"resample\": 0}");
    byte[] px = new byte[4 * 4 * 3];
    java.util.Arrays.fill(px, (byte) 200);
    float[] v = p.preprocess(new RgbImage(4, 4, px));
    assertEquals(3 * 8 * 6, v.length);
    float zero = (0f - 0.48145466f) / 0.26862954f;
    float full = ((float) (200 * (1.0 / 255)) - 0.48145466f) / 0.26862954f;
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 6; x++) {
        boolean inside = y >= 2 && y < 6 && x >= 1 && x < 5; // pads: ceil(4/2) = 2 rows, ceil(2/2) = 1 column
        assertEquals(inside ? full : zero, v[y * 6 + x], "(" + y + "," + x + ")");
      }
    }
  }

  @Test
  void quirkFlagMarksHeightsOneAndThree() {
    assertTrue(ClipImageProcessor.hfMisreadsChannels(new RgbImage(1, 1, new byte[3])));
    assertTrue(ClipImageProcessor.hfMisreadsChannels(new RgbImage(50, 3, new byte[450])));
    assertFalse(ClipImageProcessor.hfMisreadsChannels(new RgbImage(3, 50, new byte[450])));
    assertFalse(ClipImageProcessor.hfMisreadsChannels(new RgbImage(5, 7, new byte[105])));
  }

  @Test
  void badConfigsAreOneLineErrors(@TempDir Path dir) throws IOException {
    BgeVlException missing = assertThrows(BgeVlException.class, () -> ClipImageProcessor.load(dir));
    assertTrue(missing.getMessage().endsWith("preprocessor_config.json: preprocessor config not found"), missing.getMessage());
    Files.writeString(dir.resolve("preprocessor_config.json"), "{\"size\": 224, \"resample\": 9}");
    BgeVlException bad = assertThrows(BgeVlException.class, () -> ClipImageProcessor.load(dir));
    assertTrue(bad.getMessage().contains("unknown Pillow resampling filter 9"), bad.getMessage());
    Files.writeString(dir.resolve("preprocessor_config.json"), "{\"image_mean\": [0.5, 0.5]}");
    BgeVlException mean = assertThrows(BgeVlException.class, () -> ClipImageProcessor.load(dir));
    assertTrue(mean.getMessage().contains("image_mean must be 3 numbers"), mean.getMessage());
    Files.writeString(dir.resolve("preprocessor_config.json"), "{\"size\": {\"longest_edge\": 5}}");
    assertThrows(BgeVlException.class, () -> ClipImageProcessor.load(dir));
    Files.writeString(dir.resolve("preprocessor_config.json"), "{not json");
    BgeVlException json = assertThrows(BgeVlException.class, () -> ClipImageProcessor.load(dir));
    assertTrue(json.getMessage().contains("invalid JSON"), json.getMessage());
    assertFalse(json.getMessage().contains("\n"));
  }

  @Test
  void npyRoundTrip() {
    float[] data = {1f, -2.5f, 3e-7f, Float.MAX_VALUE, 0f, 7f};
    byte[] b = Npy.toBytes(data, 1, 2, 3);
    assertEquals(0, (10 + ((b[8] & 0xFF) | (b[9] & 0xFF) << 8)) % 64, "header padded to 64 bytes");
    Npy.Array a = Npy.read(b, "x");
    assertArrayEquals(new int[] {1, 2, 3}, a.shape());
    assertArrayEquals(data, a.data());
  }
}
