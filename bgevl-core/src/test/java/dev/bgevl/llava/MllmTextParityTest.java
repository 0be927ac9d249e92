package dev.bgevl.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.BgeVlException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Mistral decoder against the mllm-tiny golden outputs (transformers 4.45 semantics, fp32 compute
 * with the BF16 weights upcast) on every text-only item, one by one and as one packed batch.
 * Tolerances: 1e-4 max abs on the final hidden state and 1e-5 on the normalized embedding (the
 * fixture's suggestion; the only differences are fp32 summation orders).
 */
class MllmTextParityTest {
  static MllmEmbedder embedder;

  @BeforeAll
  static void load() {
    embedder = MllmEmbedder.load(MllmFixtures.tinyDir());
  }

  static List<JsonNode> textItems() {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode item : MllmFixtures.expected().path("items")) if (item.path("image").isNull()) out.add(item);
    return out;
  }

  static MllmEmbedder.Input input(JsonNode item) {
    return new MllmEmbedder.Input(MllmPrompts.Role.parse(item.path("role").asText()),
        item.path("text").isNull() ? null : item.path("text").asText(),
        item.path("instruction").isNull() ? null : item.path("instruction").asText(), null);
  }

  @Test
  void configAndRope() {
    MistralConfig c = embedder.model().config();
    assertEquals(64, c.hiddenSize());
    assertEquals(4, c.numAttentionHeads());
    assertEquals(2, c.numKeyValueHeads());
    assertEquals(16, c.headDim());
    assertEquals(0, c.slidingWindow());
    assertEquals("language_model.model.", embedder.model().weightPrefix());
    float[] expected = MllmFixtures.floats(MllmFixtures.expected().path("model_summary").path("rope_inv_freq_float32"));
    float[] got = embedder.model().ropeInvFreq();
    for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got[i], Math.ulp(expected[i]), "inv_freq " + i);
  }

  @Test
  void textItemsOneByOne() {
    List<JsonNode> items = textItems();
    assertTrue(items.size() >= 5, "text-only items: " + items.size());
    double worstHidden = 0;
    double worstEmb = 0;
    for (JsonNode item : items) {
      MllmEmbedder.Result r = embedder.embed(input(item));
      assertArrayEquals(MllmFixtures.ints(item.path("input_ids")), r.inputIds(), item.path("name").asText());
      assertEquals(item.path("seq_len").asInt(), r.sequenceLength());
      worstHidden = Math.max(worstHidden, maxAbs(MllmFixtures.floats(item.path("last_hidden")), r.lastHidden()));
      worstEmb = Math.max(worstEmb, maxAbs(MllmFixtures.floats(item.path("embedding")), r.embedding()));
    }
    System.out.printf("mllm-tiny text items: %d, max |Δ| hidden %.3g, embedding %.3g%n", items.size(), worstHidden, worstEmb);
    assertTrue(worstHidden < 1e-4, "hidden max abs diff " + worstHidden);
    assertTrue(worstEmb < 1e-5, "embedding max abs diff " + worstEmb);
  }

  @Test
  void packedBatchEqualsOneByOne() {
    List<JsonNode> items = textItems();
    List<MllmEmbedder.Input> inputs = items.stream().map(MllmTextParityTest::input).toList();
    List<MllmEmbedder.Result> batch = embedder.embedBatch(inputs);
    assertEquals(items.size(), batch.size());
    for (int i = 0; i < items.size(); i++) {
      MllmEmbedder.Result single = embedder.embed(inputs.get(i));
      assertTrue(maxAbs(single.embedding(), batch.get(i).embedding()) < 1e-6, items.get(i).path("name").asText());
      assertTrue(maxAbs(MllmFixtures.floats(items.get(i).path("embedding")), batch.get(i).embedding()) < 1e-5);
    }
  }

  /** Replacing {@code <image>} by the embedding rows of some tokens equals running those tokens. */
  @Test
  void imageExpansionPutsVectorsInPlace() {
    MistralModel m = embedder.model();
    int hidden = embedder.dim();
    String words = "a red bus";
    int[] wordIds = embedder.tokenizer().tokenIds(words);   // "▁a ▁red ▁bus"
    float[] features = new float[wordIds.length * hidden];
    for (int i = 0; i < wordIds.length; i++) m.embedToken(wordIds[i], features, i * hidden);
    MllmEmbedder.Result withImage = embedder.embed(new MllmEmbedder.Input(MllmPrompts.Role.CANDIDATE, null, null, features));
    // "[INST]  <image> [/INST]" with the image replaced by "▁a▁red▁bus" ids
    int[] imageIds = withImage.inputIds();
    int pos = -1;
    for (int i = 0; i < imageIds.length; i++) if (imageIds[i] == 32000) pos = i;
    assertTrue(pos > 0);
    assertEquals(imageIds.length - 1 + wordIds.length, withImage.sequenceLength());
    float[] embeds = new float[withImage.sequenceLength() * hidden];
    int row = 0;
    for (int i = 0; i < imageIds.length; i++) {
      if (i == pos) {
        for (int w : wordIds) m.embedToken(w, embeds, (row++) * hidden);
      } else {
        m.embedToken(imageIds[i], embeds, (row++) * hidden);
      }
    }
    float[] direct = m.lastHiddenStates(embeds, new int[] {row});
    assertTrue(maxAbs(direct, withImage.lastHidden()) < 1e-6);
    // and differs from the same prompt without the image
    float[] textOnly = embedder.embed(MllmEmbedder.Input.candidate("x")).lastHidden();
    assertTrue(maxAbs(textOnly, withImage.lastHidden()) > 1e-3);
  }

  @Test
  void badInputsGiveOneLineErrors(@TempDir Path tmp) throws Exception {
    MllmEmbedder.Input longOne = MllmEmbedder.Input.candidate("word ".repeat(40_000));
    BgeVlException tooLong = assertThrows(BgeVlException.class, () -> embedder.embed(longOne));
    assertTrue(tooLong.getMessage().contains("more than max_position_embeddings 32768"), tooLong.getMessage());
    assertEquals(1, tooLong.getMessage().lines().count());

    BgeVlException literal = assertThrows(BgeVlException.class,
        () -> embedder.embed(MllmEmbedder.Input.candidate("look: <image>")));
    assertTrue(literal.getMessage().contains("image tokens"), literal.getMessage());

    BgeVlException badFeatures = assertThrows(BgeVlException.class,
        () -> embedder.embed(new MllmEmbedder.Input(MllmPrompts.Role.CANDIDATE, null, null, new float[65])));
    assertTrue(badFeatures.getMessage().contains("not a positive multiple of the hidden size 64"), badFeatures.getMessage());

    // a sharded folder whose index names a missing shard
    Path dir = tmp.resolve("sharded");
    Files.createDirectories(dir);
    for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
      Files.copy(MllmFixtures.tinyDir().resolve(f), dir.resolve(f));
    }
    Files.writeString(dir.resolve("model.safetensors.index.json"),
        "{\"weight_map\": {\"language_model.model.norm.weight\": \"model-00002-of-00002.safetensors\"}}");
    BgeVlException missing = assertThrows(BgeVlException.class, () -> MllmEmbedder.load(dir));
    assertTrue(missing.getMessage().contains("model-00002-of-00002.safetensors"), missing.getMessage());
    assertEquals(1, missing.getMessage().lines().count());

    Files.delete(dir.resolve("config.json"));
    BgeVlException noConfig = assertThrows(BgeVlException.class, () -> MllmEmbedder.load(dir));
    assertTrue(noConfig.getMessage().contains("config.json: file not found"), noConfig.getMessage());
  }

  static double maxAbs(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double m = 0;
    for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
    return m;
  }
}
