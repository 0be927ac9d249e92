package dev.bgevl.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decoding against Pillow 9.4 {@code Image.open(p).convert("RGB")} on files made by
 * tools/gen_decode_fixtures.py (formats and layouts the reference images lack), and the refusals:
 * truncated, corrupt, empty, unrecognized, decompression bomb, size limits.
 */
class ImageDecoderTest {
  /**
   * Files whose decoder is not equivalent to Pillow's: lossy WebP (TwelveMonkeys' VP8 decoder vs
   * libwebp 1.2.4, which upsamples chroma differently). Bounds are the measured {max, mean} abs
   * difference in uint8 levels, rounded up: a regression past them fails.
   */
  private static final Map<String, double[]> LOOSE = Map.of(
      "lossy_photo.webp", new double[] {52, 1.7},
      "lossy_synthetic.webp", new double[] {64, 5.1});

  static JsonNode expected() throws IOException {
    return new ObjectMapper().readTree(Files.readAllBytes(TestFixtures.resource("decode/expected.json"))).get("files");
  }

  static Stream<String> decodable() throws IOException {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = expected().fieldNames(); it.hasNext(); ) {
      String n = it.next();
      if (!expected().get(n).has("pillow") && !n.endsWith(".rgb")) {
        names.add(n);
      }
    }
    assertTrue(names.size() >= 25);
    return names.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decodable")
  void decodesLikePillow(String name) throws IOException {
    JsonNode e = expected().get(name);
    RgbImage img = ImageDecoder.decode(TestFixtures.resource("decode/" + name), ImageLimits.DEFAULT);
    assertEquals(e.get("width").asInt(), img.width(), name + " width");
    assertEquals(e.get("height").asInt(), img.height(), name + " height");
    if (LOOSE.containsKey(name)) {
      byte[] ref = Files.readAllBytes(TestFixtures.resource("decode/" + name + ".rgb"));
      int max = 0;
      long sum = 0;
      for (int i = 0; i < ref.length; i++) {
        int d = Math.abs((ref[i] & 0xFF) - (img.rgb()[i] & 0xFF));
        max = Math.max(max, d);
        sum += d;
      }
      double mean = (double) sum / ref.length;
      double[] bound = LOOSE.get(name);
      System.out.printf("%s: max abs diff %d, mean %.3f (uint8 levels) vs Pillow%n", name, max, mean);
      assertTrue(max <= bound[0] && mean <= bound[1], name + " max abs diff " + max + ", mean " + mean);
    } else {
      assertEquals(e.get("rgb_sha256").asText(), TestFixtures.sha256(img.rgb()), name + " (Pillow mode " + e.get("mode").asText() + ")");
    }
  }

  @Test
  void exifOrientationIgnoredByDefaultAppliedOnRequest() throws IOException {
    JsonNode e = expected().get("exif6.jpg");
    Path p = TestFixtures.resource("decode/exif6.jpg");
    RgbImage stored = ImageDecoder.decode(p, ImageLimits.DEFAULT);
    assertEquals(e.get("rgb_sha256").asText(), TestFixtures.sha256(stored.rgb()));
    RgbImage turned = ImageDecoder.decode(p, ImageLimits.DEFAULT, true);
    JsonNode t = e.get("transposed");
    assertEquals(t.get("width").asInt(), turned.width());
    assertEquals(t.get("height").asInt(), turned.height());
    assertEquals(t.get("rgb_sha256").asText(), TestFixtures.sha256(turned.rgb()));
  }

  @Test
  void allEightOrientationsAreConsistent() {
    // 2x3 image with distinct pixels; each orientation's inverse composed with it restores the original.
    byte[] px = new byte[18];
    for (int i = 0; i < 18; i++) {
      px[i] = (byte) (i * 13);
    }
    RgbImage img = new RgbImage(2, 3, px);
    int[] inverse = {0, 1, 2, 3, 4, 5, 8, 7, 6};
    for (int o = 1; o <= 8; o++) {
      RgbImage t = Orientation.apply(img, o);
      assertEquals(o >= 5 ? 3 : 2, t.width(), "orientation " + o);
      RgbImage back = Orientation.apply(t, inverse[o]);
      assertEquals(TestFixtures.sha256(px), TestFixtures.sha256(back.rgb()), "orientation " + o);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"truncated.png", "truncated.jpg", "corrupt.png", "empty.png", "not_an_image.png", "bomb.png",
      "truncated_pal.gif", "truncated_rgb24.bmp", "truncated_rgb.tif", "truncated_lossy_photo.webp"})
  void refusesBrokenFilesWithOneLine(String name) {
    Path p = TestFixtures.resource("decode/" + name);
    BgeVlException e = assertThrows(BgeVlException.class, () -> ImageDecoder.decode(p, ImageLimits.DEFAULT));
    String m = e.getMessage();
    assertTrue(m.startsWith(p.toString() + ": "), m);
    assertFalse(m.contains("\n"), m);
    String want = switch (name) {
      case "truncated.png", "truncated.jpg", "truncated_rgb24.bmp", "truncated_rgb.tif", "truncated_lossy_photo.webp" -> "truncated";
      case "truncated_pal.gif" -> "corrupt GIF image"; // the JDK's GIF reader reports a generic I/O error
      case "corrupt.png" -> "corrupt";
      case "empty.png" -> "empty";
      case "not_an_image.png" -> "unsupported or unrecognized image format";
      default -> "decompression bomb";
    };
    assertTrue(m.contains(want), m);
  }

  @Test
  void arithmeticCodedJpegIsRefusedClearly() {
    // Pillow (libjpeg-turbo) decodes these; the JDK's libjpeg 6b cannot, so we say so in one line.
    Path p = TestFixtures.resource("decode/arithmetic.jpg");
    BgeVlException e = assertThrows(BgeVlException.class, () -> ImageDecoder.decode(p, ImageLimits.DEFAULT));
    assertEquals(p + ": unsupported JPEG: arithmetic coding (SOF 0xc9) is not supported by the JDK decoder; "
        + "re-encode it with Huffman coding", e.getMessage());
  }

  @Test
  void bombIsRefusedFromTheHeaderWithoutAllocating() throws IOException {
    Path p = TestFixtures.resource("decode/bomb.png");
    assertTrue(Files.size(p) < 200, "the bomb is a tiny file");
    Runtime rt = Runtime.getRuntime();
    long before = rt.totalMemory() - rt.freeMemory();
    BgeVlException e = assertThrows(BgeVlException.class, () -> ImageDecoder.decode(p, ImageLimits.DEFAULT));
    assertTrue(e.getMessage().contains("100000x100000 = 10000000000 pixels"), e.getMessage());
    assertTrue(e.getMessage().contains("refused before decoding"), e.getMessage());
    long after = rt.totalMemory() - rt.freeMemory();
    // 10^10 RGB pixels would need 30 GB; the heap is 4 GB, so any attempt would have thrown OOM instead.
    assertTrue(after - before < 512L << 20, "allocated " + (after - before));
  }

  @Test
  void limitsAreConfigurable(@TempDir Path dir) throws IOException {
    Path p = TestFixtures.resource("decode/rgb24.bmp");
    BgeVlException px = assertThrows(BgeVlException.class, () -> ImageDecoder.decode(p, ImageLimits.DEFAULT.withMaxPixels(100)));
    assertTrue(px.getMessage().contains("19x13 = 247 pixels, above the limit of 100"), px.getMessage());
    BgeVlException sz = assertThrows(BgeVlException.class, () -> ImageDecoder.decode(p, ImageLimits.DEFAULT.withMaxFileBytes(50)));
    assertTrue(sz.getMessage().contains("above the limit of 50 bytes"), sz.getMessage());
    assertEquals(2 * 89_478_485L, ImageLimits.DEFAULT.maxPixels());
    assertThrows(IllegalArgumentException.class, () -> new ImageLimits(0, 10));
  }

  @Test
  void missingFileAndDirectory(@TempDir Path dir) {
    BgeVlException e = assertThrows(BgeVlException.class, () -> ImageDecoder.decode(dir.resolve("nope.jpg"), ImageLimits.DEFAULT));
    assertEquals(dir.resolve("nope.jpg") + ": image file not found", e.getMessage());
    BgeVlException d = assertThrows(BgeVlException.class, () -> ImageDecoder.decode(dir, ImageLimits.DEFAULT));
    assertTrue(d.getMessage().contains("is a directory"), d.getMessage());
  }

  @Test
  void bytesAndPathDecodeAlike() throws IOException {
    Path p = TestFixtures.resource("images/edge/cmyk.jpg");
    RgbImage a = ImageDecoder.decode(p, ImageLimits.DEFAULT);
    RgbImage b = ImageDecoder.decode(Files.readAllBytes(p), "cmyk.jpg", ImageLimits.DEFAULT);
    assertEquals(TestFixtures.sha256(a.rgb()), TestFixtures.sha256(b.rgb()));
  }

  @Test
  void fromBufferedImageReadsRawSamples() {
    BufferedImage bi = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    bi.setRGB(0, 0, 0x00FF8040); // fully transparent: colour kept, not composited
    bi.setRGB(1, 0, 0x80102030);
    RgbImage img = ImageDecoder.fromBufferedImage(bi);
    assertEquals(0xFF, img.get(0, 0, 0));
    assertEquals(0x80, img.get(0, 0, 1));
    assertEquals(0x40, img.get(0, 0, 2));
    assertEquals(0x10, img.get(1, 0, 0));
    assertEquals(0x30, img.get(1, 0, 2));
    BufferedImage g = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
    g.getRaster().setSample(0, 0, 0, 77);
    RgbImage gi = ImageDecoder.fromBufferedImage(g);
    assertEquals(77, gi.get(0, 0, 0));
    assertEquals(77, gi.get(0, 0, 2));
  }
}
