package dev.bgevl.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.Embedding;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.image.RgbImage;
import dev.bgevl.testing.Fixtures;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A second tiny LLaVA-NeXT model ({@code fixtures/mllm-tiny2}) with another geometry and dtype than
 * mllm-tiny (tile 42, eight pinpoints up to a 3×3 grid, vision_feature_layer −1, GQA group 2, head dim
 * 8, rope theta 1e4, F16 weights), generated and evaluated by the independent torch/Pillow reference
 * {@code tools/llava_next_ref.py}. Prompt strings and ids (ours vs the reference's HF-tokenizer ids),
 * RGB and pixel-value hashes bit for bit, embeddings within 1e-5 (fp32 compute over F16 weights on
 * both sides), one by one and as one padded batch.
 */
class MllmTiny2ParityTest {
  @Test
  void everyItemMatchesTheIndependentReference() throws Exception {
    JsonNode items = Fixtures.expected("mllm-tiny2").get("items");
    LlavaImageProcessor proc = LlavaImageProcessor.load(Fixtures.model("mllm-tiny2"));
    List<MllmEmbedder.ImageInput> inputs = new ArrayList<>();
    double worst = 0;
    try (MllmEmbedder m = MllmEmbedder.load(Fixtures.model("mllm-tiny2"))) {
      for (JsonNode it : items) {
        String name = it.get("name").asText();
        MllmRole role = MllmRole.parse(it.get("role").asText());
        String instruction = it.get("instruction").isNull() ? null : it.get("instruction").asText();
        String text = it.get("text").isNull() ? null : it.get("text").asText();
        String prompt = MllmPrompts.prompt(role, role == MllmRole.QUERY ? instruction : null, text, true);
        assertEquals(it.get("prompt").asText(), prompt, name);
        assertArrayEquals(Fixtures.ints(it.get("input_ids")), m.tokenizer().encode(prompt).ids(), name);
        String path = it.get("image").asText();
        byte[] bytes = Files.readAllBytes(Fixtures.image(path));
        boolean bge = it.get("bge_resize").asBoolean();
        JsonNode d = it.get("image_details");
        RgbImage rgb = bge ? LlavaImageProcessor.bgePreResize(bytes, path, ImageLimits.defaults())
            : dev.bgevl.image.ImageDecoder.decode(bytes, path, ImageLimits.defaults());
        assertEquals(d.get("rgb_sha256").asText(), LlavaImagesTest.sha256(rgb.rgb()), name + " rgb");
        LlavaImageProcessor.Tiles t = proc.preprocess(rgb);
        assertEquals(d.get("num_tiles").asInt(), t.count(), name);
        assertArrayEquals(Fixtures.ints(d.get("best_resolution_hw")), t.bestResolution(), name);
        assertEquals(d.get("pixel_values_sha256").asText(), LlavaImagesTest.sha256(LlavaImagesTest.bytes(t.pixelValues())), name + " pixel_values");
        assertEquals(it.get("num_image_tokens").asInt(), proc.numImageTokens(t.height(), t.width(), 14), name);
        MllmEmbedder.ImageInput in = new MllmEmbedder.ImageInput(role, instruction, text, bytes, path, bge);
        Embedding e = m.embed(in, ImageLimits.defaults());
        double diff = Fixtures.maxAbsDiff(e.vector(), Fixtures.floats(it.get("embedding")));
        worst = Math.max(worst, diff);
        assertTrue(diff <= 1e-5, name + ": max abs diff " + diff);
        inputs.add(in);
      }
      List<Embedding> batch = m.embedImages(inputs, ImageLimits.defaults());
      for (int i = 0; i < batch.size(); i++) {
        double diff = Fixtures.maxAbsDiff(batch.get(i).vector(), Fixtures.floats(items.get(i).get("embedding")));
        assertTrue(diff <= 1e-5, items.get(i).get("name").asText() + " batched: " + diff);
      }
    }
    assertEquals(13, inputs.size());
    System.out.printf("mllm-tiny2: %d items, worst max abs %.3g%n", inputs.size(), worst);
  }
}
