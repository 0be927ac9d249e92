package dev.bgevl.llava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.Embedding;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.testing.Fixtures;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Image and composed MLLM items of {@code expected/mllm-tiny.json} end to end: pre-resize, tiling,
 * vision tower, projector, packing, merge at {@code <image>}, decoder.
 *
 * <p>Tolerance 1e-5 on normalized embeddings (the spec's bound; the decoder and vision tower run in
 * fp32 over BF16 weights, as the reference does). All 23 image items, {@code c_image_cmyk} included
 * (pre-resized in CMYK, then converted, as Pillow does).
 */
class MllmImageParityTest {
  @Test
  void imageAndComposedItemsMatchTheReference() throws Exception {
    JsonNode items = Fixtures.expected("mllm-tiny").get("items");
    List<String> checked = new ArrayList<>();
    List<MllmEmbedder.ImageInput> inputs = new ArrayList<>();
    List<float[]> expected = new ArrayList<>();
    double worst = 0;
    try (MllmEmbedder m = MllmEmbedder.load(Fixtures.model("mllm-tiny"))) {
      for (JsonNode it : items) {
        if (it.get("image").isNull()) {
          continue;
        }
        String path = it.get("image").asText();
        MllmEmbedder.ImageInput in = new MllmEmbedder.ImageInput(
            MllmRole.parse(it.get("role").asText()),
            it.get("instruction").isNull() ? null : it.get("instruction").asText(),
            it.get("text").isNull() ? null : it.get("text").asText(),
            Files.readAllBytes(Fixtures.image(path)), path, it.get("bge_resize").asBoolean());
        Embedding e = m.embed(in, ImageLimits.defaults());
        double d = Fixtures.maxAbsDiff(e.vector(), Fixtures.floats(it.get("embedding")));
        worst = Math.max(worst, d);
        assertTrue(d <= 1e-5, it.get("name").asText() + ": max abs diff " + d);
        checked.add(it.get("name").asText());
        if (!it.get("name").asText().startsWith("c_long")) {
          inputs.add(in);
          expected.add(Fixtures.floats(it.get("embedding")));
        }
      }
      // the same inputs as one padded batch (the ~2,900-token item left out to keep the batch small)
      List<Embedding> batch = m.embedImages(inputs, ImageLimits.defaults());
      for (int i = 0; i < batch.size(); i++) {
        double d = Fixtures.maxAbsDiff(batch.get(i).vector(), expected.get(i));
        assertTrue(d <= 1e-5, "batched item " + i + ": max abs diff " + d);
      }
    }
    assertEquals(23, checked.size(), "image items checked: " + checked);
    System.out.printf("MLLM image/composed items: %d, worst max abs %.3g%n", checked.size(), worst);
  }
}
