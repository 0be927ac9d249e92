package dev.bgevl.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URL;
import java.nio.file.Path;

/** The mllm-tiny fixture (copied from the shared fixtures) and its expected outputs, from test resources. */
final class MllmFixtures {
  private static JsonNode expected;

  private MllmFixtures() {}

  static Path tinyDir() {
    return resource("/fixtures/mllm-tiny/config.json").getParent();
  }

  static synchronized JsonNode expected() {
    if (expected == null) {
      try {
        expected = new ObjectMapper().readTree(resource("/fixtures/expected/mllm-tiny.json").toFile());
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return expected;
  }

  static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = (float) array.get(i).asDouble();
    return out;
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
    return out;
  }

  private static Path resource(String name) {
    URL url = MllmFixtures.class.getResource(name);
    if (url == null) throw new IllegalStateException("test resource " + name + " missing");
    try {
      return Path.of(url.toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
