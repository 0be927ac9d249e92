package dev.bgevl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.llava.MllmEmbedder;
import dev.bgevl.llava.MllmModel;
import dev.bgevl.llava.MllmRole;
import dev.bgevl.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link EmbeddingModel}: family dispatch on the folder's config, and BGE-VL-MLLM roles and default
 * instructions through {@link Input#query}, checked against the reference fixture (1e-5, the spec's
 * bound) and against {@link MllmEmbedder} called directly (1e-6: same arithmetic, other batching).
 */
class EmbeddingModelTest {
  static Map<String, JsonNode> items() {
    Map<String, JsonNode> m = new HashMap<>();
    for (JsonNode it : Fixtures.expected("mllm-tiny").get("items")) {
      m.put(it.get("name").asText(), it);
    }
    return m;
  }

  @Test
  void loadPicksTheFamilyFromConfig() {
    try (EmbeddingModel clip = EmbeddingModel.load(Fixtures.model("clip-tiny"));
         EmbeddingModel mllm = EmbeddingModel.load(Fixtures.model("mllm-tiny"))) {
      assertInstanceOf(BgeVl.class, clip);
      assertEquals(EmbeddingModel.Family.CLIP, clip.family());
      assertInstanceOf(MllmModel.class, mllm);
      assertEquals(EmbeddingModel.Family.MLLM, mllm.family());
      assertEquals(64, mllm.dim());
      assertEquals("mllm-tiny", mllm.modelId());
    }
    BgeVlException e = assertThrows(BgeVlException.class, () -> EmbeddingModel.load(Path.of("no-such-model-folder")));
    assertEquals("no-such-model-folder: model folder not found", e.getMessage());
  }

  @Test
  void mllmRolesAndDefaultInstructionsMatchTheReference() throws Exception {
    Map<String, JsonNode> items = items();
    Path cirQuery = Fixtures.image("images/cir_query.png");
    Path candi = Fixtures.image("images/cir_candi_1.png");
    Path wide = Fixtures.image("images/edge/wide_1000x50.png");
    String cirText = items.get("q_cir_readme").get("text").asText();
    String instText = items.get("q_inst_text").get("text").asText();
    String instruction = items.get("q_inst_text").get("instruction").asText();
    List<Input> inputs = List.of(
        Input.query(Input.composed(Input.image(cirQuery), cirText), null), // default: the README's CIR instruction
        Input.query(Input.image(wide), null), // default for an image alone: no instruction
        Input.query(Input.text(items.get("q_noinst_text").get("text").asText()), null),
        Input.query(Input.text(instText), instruction),
        Input.image(candi), // unmarked: a candidate
        Input.text(items.get("c_text_plain").get("text").asText()),
        Input.composed(Input.image(Files.readAllBytes(candi), "candi bytes"), items.get("c_image_text").get("text").asText()));
    String[] names = {"q_cir_readme", "q_noinst_image", "q_noinst_text", "q_inst_text", "c_image_cir_candi_1", "c_text_plain", "c_image_text"};
    assertEquals(MllmModel.CIR_INSTRUCTION, items.get("q_cir_readme").get("instruction").asText());
    try (EmbeddingModel m = EmbeddingModel.load(Fixtures.model("mllm-tiny"))) {
      List<Embedding> batch = m.embedBatch(inputs);
      for (int i = 0; i < names.length; i++) {
        float[] want = Fixtures.floats(items.get(names[i]).get("embedding"));
        double d = Fixtures.maxAbsDiff(batch.get(i).vector(), want);
        assertTrue(d <= 1e-5, names[i] + " batched: " + d);
        double one = Fixtures.maxAbsDiff(m.embed(inputs.get(i)).vector(), want);
        assertTrue(one <= 1e-5, names[i] + " alone: " + one);
      }
      // the same through MllmEmbedder directly
      MllmEmbedder direct = ((MllmModel) m).embedder();
      float[] q = direct.embed(new MllmEmbedder.ImageInput(MllmRole.QUERY, MllmModel.CIR_INSTRUCTION, cirText,
          Files.readAllBytes(cirQuery), "q", true), ImageLimits.defaults()).vector();
      assertTrue(Fixtures.maxAbsDiff(q, batch.get(0).vector()) <= 1e-6);
      float[] t = direct.embed(new MllmEmbedder.TextInput(MllmRole.QUERY, instruction, instText)).vector();
      assertTrue(Fixtures.maxAbsDiff(t, batch.get(3).vector()) <= 1e-6);
      assertEquals(direct.tokenizer().encode("a red bus").ids().length, m.tokenCount("a red bus"));
    }
  }

  @Test
  void mllmRefusesDecodedImagesAndNamesMissingFiles() {
    try (EmbeddingModel m = EmbeddingModel.load(Fixtures.model("mllm-tiny"))) {
      BgeVlException b = assertThrows(BgeVlException.class,
          () -> m.embed(Input.image(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB))));
      assertTrue(b.getMessage().startsWith("image <BufferedImage>: BGE-VL-MLLM needs the encoded image file"), b.getMessage());
      BgeVlException f = assertThrows(BgeVlException.class, () -> m.embed(Input.image(Path.of("missing.png"))));
      assertEquals("missing.png: image file not found", f.getMessage());
    }
  }

  @Test
  void clipEmbedsQueriesAsDocumentsAndRefusesInstructions() {
    try (EmbeddingModel m = EmbeddingModel.load(Fixtures.model("clip-tiny"))) {
      Embedding doc = m.embed(Input.text("a red bus"));
      Embedding query = m.embed(Input.query(Input.text("a red bus"), null));
      assertEquals(0.0, Fixtures.maxAbsDiff(doc.vector(), query.vector()));
      BgeVlException e = assertThrows(BgeVlException.class, () -> m.embed(Input.query(Input.text("a red bus"), "Find it: ")));
      assertEquals("text \"a red bus\": clip-tiny is a BGE-VL-CLIP model, which takes no task instruction"
          + " (instructions are for BGE-VL-MLLM queries)", e.getMessage());
    }
  }
}
