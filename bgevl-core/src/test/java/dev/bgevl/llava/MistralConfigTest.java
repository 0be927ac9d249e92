package dev.bgevl.llava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import org.junit.jupiter.api.Test;

/** transformers 4.45 defaults for absent keys, and one-line errors for unsupported configs. */
class MistralConfigTest {
  private static MistralConfig parse(String json) throws Exception {
    return MistralConfig.fromJson(new ObjectMapper().readTree(json));
  }

  @Test
  void mistralDefaults() throws Exception {
    MistralConfig c = parse("{\"text_config\": {\"model_type\": \"mistral\"}}");
    assertEquals(new MistralConfig("mistral", 32000, 4096, 14336, 32, 32, 8, 128, 1e-6f, 10000.0, 131072, 4096), c);
    assertEquals(4, c.groups());
    assertEquals(1024, c.kvDim());
  }

  @Test
  void llavaNextMistral7bTextConfig() throws Exception {
    MistralConfig c = parse("{\"text_config\": {\"model_type\": \"mistral\", \"rms_norm_eps\": 1e-05, "
        + "\"rope_theta\": 1000000.0, \"sliding_window\": null, \"vocab_size\": 32064, \"max_position_embeddings\": 32768}}");
    assertEquals(0, c.slidingWindow());
    assertEquals(1e-5f, c.rmsNormEps());
    assertEquals(1e6, c.ropeTheta());
    assertEquals(32064, c.vocabSize());
  }

  @Test
  void textConfigWithoutModelTypeIsLlama() throws Exception {
    MistralConfig c = parse("{\"text_config\": {}}");
    assertEquals("llama", c.modelType());
    assertEquals(32, c.numKeyValueHeads());
    assertEquals(11008, c.intermediateSize());
    assertEquals(0, c.slidingWindow());
  }

  @Test
  void errors() {
    BgeVlException e = assertThrows(BgeVlException.class,
        () -> parse("{\"text_config\": {\"model_type\": \"mistral\", \"num_attention_heads\": 6, \"num_key_value_heads\": 4}}"));
    assertTrue(e.getMessage().contains("num_attention_heads 6 is not a multiple of num_key_value_heads 4"), e.getMessage());
    e = assertThrows(BgeVlException.class, () -> parse("{\"text_config\": {\"model_type\": \"qwen2\"}}"));
    assertTrue(e.getMessage().contains("'qwen2' is not supported"), e.getMessage());
    e = assertThrows(BgeVlException.class,
        () -> parse("{\"text_config\": {\"model_type\": \"mistral\", \"rope_scaling\": {\"type\": \"linear\"}}}"));
    assertTrue(e.getMessage().contains("rope_scaling"), e.getMessage());
  }
}
