package dev.bgevl.llava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgevl.BgeVlException;
import dev.bgevl.Embedding;
import dev.bgevl.testing.Fixtures;
import dev.bgevl.weights.SafeTensorsWriter;
import dev.bgevl.weights.TensorInfo;
import dev.bgevl.weights.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint layouts the loader accepts, and the one-line errors for broken folders and inputs. */
class MllmLoadingTest {
  @TempDir Path tmp;

  private Path copyTiny(boolean withWeights) throws IOException {
    Path dst = tmp.resolve("model");
    Files.createDirectories(dst);
    try (Stream<Path> files = Files.list(Fixtures.model("mllm-tiny"))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (withWeights || !f.getFileName().toString().endsWith(".safetensors")) {
          Files.copy(f, dst.resolve(f.getFileName()));
        }
      }
    }
    return dst;
  }

  /**
   * Two F32 shards + index with the newer key layout ({@code language_model.layers...}, no
   * {@code .model}): same values as the BF16 file, so the same embedding within the parity bound.
   */
  private Path shardedNewLayout() throws IOException {
    Path dst = copyTiny(false);
    StringBuilder index = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
    try (Weights w = Weights.open(Fixtures.model("mllm-tiny"))) {
      SafeTensorsWriter[] shards = {new SafeTensorsWriter(), new SafeTensorsWriter()};
      int i = 0;
      for (Map.Entry<String, TensorInfo> e : w.tensors().entrySet()) {
        String name = e.getKey().replace("language_model.model.", "language_model.");
        int s = name.contains("layers.1.") || name.startsWith("vision") ? 1 : 0;
        shards[s].put(name, Weights.toFloats(e.getValue()), e.getValue().shape());
        index.append(i++ == 0 ? "" : ",").append('"').append(name).append("\":\"model-0000")
            .append(s + 1).append("-of-00002.safetensors\"");
      }
      shards[0].write(dst.resolve("model-00001-of-00002.safetensors"));
      shards[1].write(dst.resolve("model-00002-of-00002.safetensors"));
    }
    Files.writeString(dst.resolve("model.safetensors.index.json"), index.append("}}").toString());
    return dst;
  }

  private static String fails(Runnable r) {
    BgeVlException e = assertThrows(BgeVlException.class, r::run);
    String m = e.getMessage();
    assertFalse(m.contains("\n"), "one line: " + m);
    return m;
  }

  @Test
  void shardedF32CheckpointWithNewerKeyLayoutGivesTheReferenceEmbedding() throws IOException {
    JsonNode item = null;
    for (JsonNode it : Fixtures.expected("mllm-tiny").get("items")) {
      if (it.get("name").asText().equals("q_inst_text")) {
        item = it;
      }
    }
    try (MllmEmbedder m = MllmEmbedder.load(shardedNewLayout())) {
      Embedding e = m.embed(MllmParityTest.input(item));
      MllmParityTest.check(item, e);
    }
  }

  @Test
  void missingShardIsNamed() throws IOException {
    Path dir = shardedNewLayout();
    Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
    String m = fails(() -> MllmEmbedder.load(dir).close());
    assertTrue(m.contains("model-00002-of-00002.safetensors"), m);
  }

  @Test
  void indexNamingAnAbsentFileIsNamed() throws IOException {
    Path dir = shardedNewLayout();
    Path idx = dir.resolve("model.safetensors.index.json");
    Files.writeString(idx, Files.readString(idx).replaceFirst("model-00001-of-00002",
        "model-00009-of-00009"));
    String m = fails(() -> MllmEmbedder.load(dir).close());
    assertTrue(m.contains("model-00009-of-00009.safetensors"), m);
  }

  @Test
  void missingTokenizerIsNamed() throws IOException {
    Path dir = copyTiny(true);
    Files.delete(dir.resolve("tokenizer.json"));
    String m = fails(() -> MllmEmbedder.load(dir).close());
    assertTrue(m.contains("tokenizer.json") && m.contains("missing"), m);
  }

  @Test
  void missingDecoderTensorIsNamed() throws IOException {
    Path dir = copyTiny(false);
    SafeTensorsWriter w = new SafeTensorsWriter();
    try (Weights src = Weights.open(Fixtures.model("mllm-tiny"))) {
      for (Map.Entry<String, TensorInfo> e : src.tensors().entrySet()) {
        if (!e.getKey().equals("language_model.model.layers.1.mlp.up_proj.weight")) {
          w.put(e.getKey(), Weights.toFloats(e.getValue()), e.getValue().shape());
        }
      }
    }
    w.write(dir.resolve("model.safetensors"));
    String m = fails(() -> MllmEmbedder.load(dir).close());
    assertTrue(m.contains("language_model.model.layers.1.mlp.up_proj.weight"), m);
  }

  @Test
  void promptLongerThanThePositionsIsRefused() throws IOException {
    Path dir = copyTiny(true);
    ObjectMapper om = new ObjectMapper();
    ObjectNode cfg = (ObjectNode) om.readTree(dir.resolve("config.json").toFile());
    ((ObjectNode) cfg.get("text_config")).put("max_position_embeddings", 16);
    om.writeValue(dir.resolve("config.json").toFile(), cfg);
    try (MllmEmbedder m = MllmEmbedder.load(dir)) {
      assertEquals(16, m.textConfig().maxTokens());
      // "[INST]  hi \n [/INST]" fits; a long text does not
      m.embed(new MllmEmbedder.TextInput(MllmRole.CANDIDATE, null, "hi"));
      String msg = fails(() -> m.embed(new MllmEmbedder.TextInput(MllmRole.CANDIDATE, null,
          "a long candidate text that certainly needs more than sixteen tokens to encode")));
      assertTrue(msg.contains("exceeds the model's 16 positions"), msg);
    }
  }

  /**
   * Image inputs: a text with its own {@code <image>} gives two placeholders for one image; an
   * expanded prompt (text + 88 image vectors) beyond the positions; a text-only {@code <image>}. Each
   * is one line naming the input, and the first two are refused before the vision tower runs.
   */
  @Test
  void imageInputsWithBadPlaceholdersOrTooManyTokensAreRefused() throws IOException {
    byte[] png = Files.readAllBytes(Fixtures.image("images/cir_candi_1.png"));
    dev.bgevl.image.ImageLimits l = dev.bgevl.image.ImageLimits.defaults();
    try (MllmEmbedder m = MllmEmbedder.load(Fixtures.model("mllm-tiny"))) {
      String two = fails(() -> m.embed(new MllmEmbedder.ImageInput(MllmRole.QUERY, null, "compare <image> with", png, "candi.png", true), l));
      assertEquals("candi.png: the prompt has 2 <image> placeholders but 1 image was given", two);
      String text = fails(() -> m.embed(new MllmEmbedder.TextInput(MllmRole.CANDIDATE, null, "see <image>")));
      assertEquals("text 'see <image>': contains '<image>', the image placeholder token, but no image was given"
          + " (send the image as an image input, or drop the literal)", text);
    }
    Path dir = copyTiny(true);
    ObjectMapper om = new ObjectMapper();
    ObjectNode cfg = (ObjectNode) om.readTree(dir.resolve("config.json").toFile());
    ((ObjectNode) cfg.get("text_config")).put("max_position_embeddings", 96);
    om.writeValue(dir.resolve("config.json").toFile(), cfg);
    try (MllmEmbedder m = MllmEmbedder.load(dir)) {
      // "[INST]  <image> [/INST]": 10 text tokens + 88 image vectors = 98 (the fixture's seq_len) > 96
      String msg = fails(() -> m.embed(new MllmEmbedder.ImageInput(MllmRole.CANDIDATE, null, null, png, "candi.png", true), l));
      assertEquals("candi.png: 98 tokens after image expansion (10 text + 88 image) exceed the model's 96 positions", msg);
      m.embed(new MllmEmbedder.TextInput(MllmRole.CANDIDATE, null, "a short text fits"));
    }
  }

  @Test
  void configDefaultsFollowTransformers() throws IOException {
    ObjectMapper om = new ObjectMapper();
    MistralConfig mistral = MistralConfig.from(om.readTree(
        "{\"model_type\":\"mistral\",\"rms_norm_eps\":1e-5,\"rope_theta\":1e6,"
            + "\"sliding_window\":null,\"vocab_size\":32064,\"max_position_embeddings\":32768}"), true);
    assertEquals(new MistralConfig(4096, 14336, 32, 32, 8, 128, 1e-5f, 1e6, 32768, 0, 32064, "silu"),
        mistral);
    // Mistral-7B has 7,241,732,096 parameters with vocab 32000 and its lm_head; without the lm_head
    // and with 64 more embedding rows: 7,241,732,096 − 32000·4096 + 64·4096
    assertEquals(7_110_922_240L, mistral.parameters());
    MistralConfig llama = MistralConfig.from(om.readTree("{}"), true);
    assertEquals(32, llama.numKeyValueHeads());
    assertEquals(11008, llama.intermediateSize());
    assertEquals(1e-6f, llama.rmsNormEps());
    assertEquals(4096, MistralConfig.from(om.readTree("{\"model_type\":\"mistral\"}"), true).slidingWindow());
    String m = fails(() -> MistralConfig.from(om.createObjectNode().put("num_key_value_heads", 5), false));
    assertTrue(m.contains("not a multiple"), m);
  }
}
