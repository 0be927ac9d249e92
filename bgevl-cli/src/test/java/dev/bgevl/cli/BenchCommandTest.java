package dev.bgevl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.clip.ClipConfig;
import dev.bgevl.clip.ClipModel;
import dev.bgevl.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {

  @Test
  void flopCountsMatchTheHandCountedModelSizes() {
    // 2·M·N·K over every GEMM (patch conv, qkv, out, fc1, fc2, projection) + q·kᵀ and p·v
    assertEquals(35.13, BenchCommand.visionFlopsPerImage(ClipConfig.base()) / 1e9, 0.005);
    assertEquals(162.0, BenchCommand.visionFlopsPerImage(ClipConfig.large()) / 1e9, 0.05);
    // one text layer at 12 tokens, base: 2·12·512·(4·512 + 2·2048) + 4·12²·512
    double layer = 2.0 * 12 * 512 * (4 * 512 + 2 * 2048) + 4.0 * 12 * 12 * 512;
    assertEquals(12 * layer + 2.0 * 512 * 512, BenchCommand.textFlopsPerQuery(ClipConfig.base(), 12), 1);
  }

  @Test
  void quantilesInterpolateLikeNumpy() {
    double[] s = {5, 1, 4, 2, 3};
    assertEquals(3, BenchCommand.median(s));
    assertEquals(4.6, BenchCommand.quantile(s, 0.9), 1e-12);
    assertEquals(2.5, BenchCommand.median(new double[] {3, 2}), 1e-12);
  }

  @Test
  void measuresTheTinyModelAndReportsEveryPart() throws Exception {
    var r = CliRunner.run("bench", "--model", Fixtures.model("clip-tiny").toString(), "--batch", "1,2",
        "--runs", "2", "--warmup", "0", "--latency-runs", "3", "--skip", "roofline", "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode o = new ObjectMapper().readTree(r.out());
    assertEquals(2, o.get("images").size());
    assertEquals(2, o.get("images").get(1).get("batch").asInt());
    assertTrue(o.get("images").get(1).get("images_per_s").asDouble() > 0);
    assertEquals(12, o.get("texts").get(0).get("tokens").asInt());
    assertTrue(o.get("texts").get(0).get("texts_per_s").asDouble() > 0);
    JsonNode lat = o.get("latency_ms").get("text_query");
    assertEquals(3, lat.get("runs").asInt());
    assertTrue(lat.get("p50").asDouble() <= lat.get("p90").asDouble() && lat.get("p90").asDouble() <= lat.get("p99").asDouble());
    assertTrue(o.get("memory").get("peak_rss_bytes").asLong() >= o.get("memory").get("rss_bytes").asLong());
    assertEquals(ClipModel.load(Fixtures.model("clip-tiny")).parameterCount(), o.get("parameters").asLong());
    assertEquals("safetensors mmap", o.get("load").get("path").asText());
    assertFalse(o.has("roofline"));
  }

  @Test
  void writtenSyntheticCheckpointLoadsToTheSameModel(@TempDir Path dir) throws Exception {
    // a ViT/text pair small enough for a unit test, written and read back through safetensors
    ClipConfig c = new ClipConfig(
        new ClipConfig.Text(300, 32, 64, 1, 4, 16, dev.bgevl.tensor.Activation.QUICK_GELU, 1e-5f, 1, 298, 299),
        new ClipConfig.Vision(32, 64, 1, 4, 3, 16, 8, dev.bgevl.tensor.Activation.QUICK_GELU, 1e-5f), 24);
    BenchCommand.writeSynthetic(c, dir);
    ClipModel loaded = ClipModel.load(dir);
    ClipModel direct = ClipModel.create(c, new dev.bgevl.weights.SyntheticWeights(42));
    assertEquals(c, loaded.config());
    float[] px = new float[3 * 16 * 16];
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) Math.sin(i);
    }
    assertEquals(java.util.Arrays.toString(direct.vision().imageFeatures(new float[][] {px})[0]),
        java.util.Arrays.toString(loaded.vision().imageFeatures(new float[][] {px})[0]));
    int[][] ids = {{298, 5, 7, 299}};
    assertEquals(java.util.Arrays.toString(direct.text().textFeatures(ids)[0]),
        java.util.Arrays.toString(loaded.text().textFeatures(ids)[0]));
    assertTrue(Files.size(dir.resolve("model.safetensors")) > 4 * loaded.parameterCount());
  }

  @Test
  void badArgumentsGiveOneLineErrors() {
    var r = CliRunner.run("bench", "--synthetic", "huge");
    assertEquals(Main.EXIT_FAILURE, r.exit());
    assertEquals("error: --synthetic huge: unknown architecture (base or large)", r.err().strip());
    r = CliRunner.run("bench", "--synthetic", "base", "--batch", "0");
    assertEquals(Main.EXIT_FAILURE, r.exit());
    assertEquals("error: --batch sizes must be at least 1, got 0", r.err().strip());
    r = CliRunner.run("bench", "--skip", "everything");
    assertEquals("error: --skip everything: unknown part (images, texts, latency, roofline)", r.err().strip());
  }
}
