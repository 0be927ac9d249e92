package dev.bgevl.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.Embedding;
import dev.bgevl.testing.Fixtures;
import dev.bgevl.tokenize.LlamaTokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tiny random LLaVA-NeXT against the independent reference (expected/mllm-tiny.json, fp32
 * compute from BF16 weights). Tolerances: 1e-4 max abs on the final hidden state (values ~1-3,
 * fp32 with a different summation order than torch) and 1e-5 on the normalized embedding, the
 * fixture's suggested bounds; the reference's own float64 cross-check agrees to 6.2e-7.
 */
class MllmParityTest {
  static MllmEmbedder model;
  static JsonNode expected;

  @BeforeAll
  static void load() {
    model = MllmEmbedder.load(Fixtures.model("mllm-tiny"));
    expected = Fixtures.expected("mllm-tiny");
  }

  @AfterAll
  static void close() {
    model.close();
  }

  static MllmRole role(JsonNode item) {
    return MllmRole.parse(item.get("role").asText());
  }

  static String textOrNull(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  static float[] floats(JsonNode a) {
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) a.get(i).asDouble();
    }
    return out;
  }

  static List<JsonNode> textItems() {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode it : expected.get("items")) {
      if (it.get("image").isNull()) {
        out.add(it);
      }
    }
    return out;
  }

  static MllmEmbedder.TextInput input(JsonNode it) {
    return new MllmEmbedder.TextInput(role(it), textOrNull(it.get("instruction")),
        it.get("text").asText());
  }

  @Test
  void promptsAndIdsMatchForEveryItemImagesIncluded() {
    LlamaTokenizer tok = model.tokenizer();
    int n = 0;
    for (JsonNode it : expected.get("items")) {
      String name = it.get("name").asText();
      String instruction = role(it) == MllmRole.QUERY ? textOrNull(it.get("instruction")) : null;
      String prompt = MllmPrompts.prompt(role(it), instruction, textOrNull(it.get("text")),
          !it.get("image").isNull());
      assertEquals(it.get("prompt").asText(), prompt, name);
      assertArrayEquals(ints(it.get("input_ids")), tok.encode(prompt).ids(), name);
      n++;
    }
    assertEquals(28, n);
  }

  @Test
  void ropeInverseFrequenciesMatchTheReferenceFp32Values() {
    float[] want = floats(expected.get("model_summary").get("rope_inv_freq_float32"));
    float[] got = MistralModel.ropeInvFreq(1e6, 16);
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], Math.ulp(want[i]), "inv_freq[" + i + "]");
    }
  }

  @Test
  void textItemsOneByOne() {
    List<JsonNode> items = textItems();
    assertEquals(5, items.size(), "text items (queries with and without instruction, candidates)");
    for (JsonNode it : items) {
      assertEquals(it.get("prompt").asText(), MllmEmbedder.prompt(input(it)));
      check(it, model.embed(input(it)));
    }
  }

  @Test
  void textItemsBatchedWithPaddingEqualOneByOne() {
    List<JsonNode> items = textItems();
    List<MllmEmbedder.TextInput> ins = items.stream().map(MllmParityTest::input).toList();
    List<Embedding> batch = model.embedBatch(ins);
    for (int i = 0; i < items.size(); i++) {
      check(items.get(i), batch.get(i));
      // rows of different lengths share one padded batch: batch-invariant kernels give the same bits
      assertArrayEquals(model.embed(ins.get(i)).vector(), batch.get(i).vector(),
          items.get(i).get("name").asText());
    }
  }

  static void check(JsonNode it, Embedding e) {
    String name = it.get("name").asText();
    float[] hidden = floats(it.get("last_hidden"));
    float[] emb = floats(it.get("embedding"));
    assertEquals(hidden.length, e.raw().length, name);
    float dh = 0;
    float de = 0;
    for (int i = 0; i < hidden.length; i++) {
      dh = Math.max(dh, Math.abs(hidden[i] - e.raw()[i]));
      de = Math.max(de, Math.abs(emb[i] - e.vector()[i]));
    }
    assertTrue(dh <= 1e-4f, name + ": last hidden max abs diff " + dh);
    assertTrue(de <= 1e-5f, name + ": embedding max abs diff " + de);
  }
}
