package dev.bgevl.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bgevl.clip.ClipModel;
import dev.bgevl.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedWeightsTest {
  @TempDir Path tmp;

  /** Splitting the tiny model into two shards plus an index gives the same weights and outputs. */
  @Test
  void shardedFolderLoadsLikeTheSingleFile() throws IOException {
    Path src = Fixtures.model("clip-tiny");
    Path dst = tmp.resolve("sharded");
    Files.createDirectories(dst);
    for (String f : List.of("config.json", "tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json",
        "special_tokens_map.json", "preprocessor_config.json")) {
      Files.copy(src.resolve(f), dst.resolve(f));
    }
    StringBuilder index = new StringBuilder("{\"metadata\":{\"total_size\":0},\"weight_map\":{");
    try (Weights w = Weights.open(src)) {
      SafeTensorsWriter[] shards = {new SafeTensorsWriter(), new SafeTensorsWriter()};
      int i = 0;
      for (Map.Entry<String, TensorInfo> e : w.tensors().entrySet()) {
        int s = e.getKey().startsWith("vision") ? 0 : 1;
        shards[s].put(e.getKey(), Weights.toFloats(e.getValue()), e.getValue().shape());
        index.append(i++ == 0 ? "" : ",").append('"').append(e.getKey()).append("\":\"model-0000").append(s + 1).append("-of-00002.safetensors\"");
      }
      shards[0].write(dst.resolve("model-00001-of-00002.safetensors"));
      shards[1].write(dst.resolve("model-00002-of-00002.safetensors"));
    }
    Files.writeString(dst.resolve("model.safetensors.index.json"), index.append("}}").toString());
    try (Weights a = Weights.open(src); Weights b = Weights.open(dst)) {
      assertEquals(a.tensors().keySet(), b.tensors().keySet());
      for (String name : a.tensors().keySet()) {
        assertArrayEquals(Weights.toFloats(a.tensors().get(name)), Weights.toFloats(b.tensors().get(name)), name);
      }
    }
    ClipModel m1 = ClipModel.load(src);
    ClipModel m2 = ClipModel.load(dst);
    int[] ids = {49406, 320, 1125, 539, 320, 2368, 49407};
    assertArrayEquals(m1.text().textFeatures(new int[][] {ids})[0], m2.text().textFeatures(new int[][] {ids})[0]);
  }
}
