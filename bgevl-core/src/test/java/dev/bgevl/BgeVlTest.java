package dev.bgevl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end through the public API: files and strings in, the reference's embeddings out.
 *
 * <p>Tolerance 1e-5 max abs for every item, as for the model alone: tokenization, resizing and
 * decoding are exact. That includes the JPEGs: the decoder reads the JDK's raw YCbCr/CMYK samples and
 * converts them with libjpeg-turbo's own tables (and its 4:4:0 chroma smoothing), so every fixture
 * JPEG decodes to the reference's bytes (see ReferenceImagesTest). A decoder that rounded differently
 * by ±1 level would move a tiny-model embedding by ~1e-3 and fail here; the cosine is also reported.
 */
class BgeVlTest {
  static BgeVl model;
  static JsonNode items;

  @BeforeAll
  static void load() {
    model = BgeVl.load(Fixtures.model("clip-tiny"));
    items = Fixtures.expected("clip-tiny").get("items");
  }

  @AfterAll
  static void close() {
    model.close();
  }

  static Input toInput(JsonNode item) {
    String kind = item.get("kind").asText();
    return switch (kind) {
      case "text" -> Input.text(item.get("text").asText());
      case "image" -> Input.image(Fixtures.image(item.get("image").asText()));
      case "composed" -> Input.composed(Input.image(Fixtures.image(item.get("image").asText())), item.get("text").asText());
      default -> throw new AssertionError(kind);
    };
  }

  static boolean isJpeg(JsonNode item) {
    return item.has("image") && item.get("image").asText().toLowerCase().matches(".*\\.jpe?g$");
  }

  @Test
  void everyFixtureItemMatchesTheReference() {
    int lossless = 0;
    int jpeg = 0;
    double worstJpeg = 0;
    double worstCos = 1;
    for (JsonNode item : items) {
      if (item.get("embedding").isNull()) {
        continue;
      }
      Embedding e = model.embed(toInput(item));
      float[] want = Fixtures.floats(item.get("embedding"));
      double d = Fixtures.maxAbsDiff(e.vector(), want);
      String what = "item " + item.get("index") + " " + toInput(item).describe();
      if (isJpeg(item)) {
        double cos = 0;
        for (int i = 0; i < want.length; i++) {
          cos += (double) want[i] * e.vector()[i];
        }
        worstCos = Math.min(worstCos, cos);
        worstJpeg = Math.max(worstJpeg, d);
        assertTrue(cos >= 0.9999 && d <= 1e-5, what + ": cosine " + cos + ", max abs " + d);
        jpeg++;
      } else {
        assertTrue(d <= 1e-5, what + ": max abs diff " + d);
        lossless++;
      }
      assertEquals(item.has("truncation"), e.truncated(), what + " truncated flag");
    }
    assertEquals(59, lossless + jpeg);
    System.out.printf("lossless items: %d; JPEG items: %d, worst max abs %.3g, worst cosine %.7f%n", lossless, jpeg, worstJpeg, worstCos);
  }

  @Test
  void batchOfSevenMixedInputsEqualsOneByOne() {
    List<Input> inputs = new ArrayList<>();
    int[] pick = {0, 33, 56, 12, 35, 53, 60};
    for (int i : pick) {
      inputs.add(toInput(items.get(i)));
    }
    List<Embedding> batch = model.embedBatch(inputs);
    assertEquals(7, batch.size());
    for (int i = 0; i < 7; i++) {
      Embedding one = model.embed(inputs.get(i));
      double d = Fixtures.maxAbsDiff(batch.get(i).vector(), one.vector());
      assertTrue(d <= 1e-6, inputs.get(i).describe() + ": batched vs alone " + d);
    }
  }

  @Test
  void composedIsTheNormalizedSumOfTextAndImageFeatures() {
    Input.Image img = Input.image(Fixtures.image("images/cir_query.png"));
    String text = "Make the background dark";
    Embedding i = model.embed(img);
    Embedding t = model.embed(Input.text(text));
    Embedding c = model.embed(Input.composed(img, text));
    float[] sum = new float[model.dim()];
    double norm = 0;
    for (int k = 0; k < sum.length; k++) {
      sum[k] = i.raw()[k] + t.raw()[k];
      norm += (double) sum[k] * sum[k];
    }
    for (int k = 0; k < sum.length; k++) {
      assertEquals(sum[k] / Math.sqrt(norm), c.vector()[k], 1e-6);
      assertEquals(sum[k], c.raw()[k], 1e-6);
    }
    assertEquals(1.0, c.score(c), 1e-5);
  }

  @Test
  void overlongTextCanBeRefused() {
    String longText = "cat ".repeat(100);
    Embedding e = model.embed(Input.text(longText));
    assertTrue(e.truncated());
    try (BgeVl strict = BgeVl.load(Fixtures.model("clip-tiny"), BgeVl.Options.defaults().withTextOverflow(BgeVl.TextOverflow.ERROR))) {
      BgeVlException ex = assertThrows(BgeVlException.class, () -> strict.embed(Input.text(longText)));
      assertTrue(ex.getMessage().contains("longer than the model's 77 token positions"), ex.getMessage());
      assertFalse(strict.embed(Input.text("a cat")).truncated());
    }
  }

  @Test
  void imagesFromBytesAndFilesAgree() throws Exception {
    Path p = Fixtures.image("images/edge/palette.png");
    Embedding a = model.embed(Input.image(p));
    Embedding b = model.embed(Input.image(Files.readAllBytes(p), "palette.png"));
    assertEquals(0.0, Fixtures.maxAbsDiff(a.vector(), b.vector()));
  }

  @Test
  void unreadableImageNamesTheFile() {
    Path missing = Path.of("no/such/image.png");
    BgeVlException e = assertThrows(BgeVlException.class, () -> model.embed(Input.image(missing)));
    assertTrue(e.getMessage().contains("image.png"), e.getMessage());
  }

  @Test
  void modelIdComesFromTheHubCacheLayout() {
    assertEquals("BAAI/BGE-VL-base", BgeVl.deriveModelId(Path.of("/x/hub/models--BAAI--BGE-VL-base/snapshots/abc123")));
    assertEquals("clip-tiny", BgeVl.deriveModelId(Fixtures.model("clip-tiny")));
  }
}
