package dev.bgevl.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgevl.BgeVlException;
import dev.bgevl.clip.ClipModel;
import dev.bgevl.testing.Fixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a model folder can be broken is refused with one line naming the file and the problem. */
class BadModelFolderTest {
  @TempDir Path tmp;

  private Path copyTiny() throws IOException {
    Path dst = tmp.resolve("model");
    Files.createDirectories(dst);
    try (Stream<Path> files = Files.list(Fixtures.model("clip-tiny"))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, dst.resolve(f.getFileName()));
      }
    }
    return dst;
  }

  private static String fails(Path dir) {
    BgeVlException e = assertThrows(BgeVlException.class, () -> ClipModel.load(dir));
    String m = e.getMessage();
    assertFalse(m.contains("\n"), "one line: " + m);
    return m;
  }

  /** Writes a safetensors file from a raw header string and a data section of {@code dataBytes}. */
  private static void writeSafetensors(Path file, String header, int dataBytes) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    Files.write(file, b.array());
  }

  @Test
  void missingConfig() throws IOException {
    Path dir = copyTiny();
    Files.delete(dir.resolve("config.json"));
    String m = fails(dir);
    assertTrue(m.contains("config.json not found"), m);
  }

  @Test
  void missingWeights() throws IOException {
    Path dir = copyTiny();
    Files.delete(dir.resolve("model.safetensors"));
    String m = fails(dir);
    assertTrue(m.contains("no weights") && m.contains("model.safetensors"), m);
  }

  @Test
  void truncatedSafetensors() throws IOException {
    Path dir = copyTiny();
    Path f = dir.resolve("model.safetensors");
    byte[] all = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(all, all.length - 1000));
    String m = fails(dir);
    assertTrue(m.contains("model.safetensors") && m.contains("exceeds the data section"), m);
    Files.write(f, java.util.Arrays.copyOf(all, 5));
    m = fails(dir);
    assertTrue(m.contains("truncated safetensors file"), m);
    Files.write(f, java.util.Arrays.copyOf(all, 100));
    m = fails(dir);
    assertTrue(m.contains("truncated safetensors file") && m.contains("header needs"), m);
  }

  @Test
  void offsetsPastTheFile() throws IOException {
    Path f = tmp.resolve("x.safetensors");
    writeSafetensors(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
    BgeVlException e = assertThrows(BgeVlException.class, () -> SafeTensorsFile.open(f, java.lang.foreign.Arena.ofAuto()));
    assertEquals(f + ": tensor 'a': data [0, 16) exceeds the data section of 8 bytes (file truncated or header corrupt)", e.getMessage());
  }

  @Test
  void overlappingOffsets() throws IOException {
    Path f = tmp.resolve("x.safetensors");
    writeSafetensors(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24);
    BgeVlException e = assertThrows(BgeVlException.class, () -> SafeTensorsFile.open(f, java.lang.foreign.Arena.ofAuto()));
    assertTrue(e.getMessage().contains("tensors 'a' [0, 16] and 'b' [8, 24] overlap"), e.getMessage());
  }

  @Test
  void sizeNotMatchingShape() throws IOException {
    Path f = tmp.resolve("x.safetensors");
    writeSafetensors(f, "{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16);
    BgeVlException e = assertThrows(BgeVlException.class, () -> SafeTensorsFile.open(f, java.lang.foreign.Arena.ofAuto()));
    assertTrue(e.getMessage().contains("data_offsets span 16 bytes but F16 [4] needs 8"), e.getMessage());
  }

  @Test
  void unknownDtype() throws IOException {
    Path f = tmp.resolve("x.safetensors");
    writeSafetensors(f, "{\"a\":{\"dtype\":\"F12\",\"shape\":[4],\"data_offsets\":[0,6]}}", 6);
    BgeVlException e = assertThrows(BgeVlException.class, () -> SafeTensorsFile.open(f, java.lang.foreign.Arena.ofAuto()));
    assertEquals(f + ": tensor 'a': unknown dtype 'F12'", e.getMessage());
  }

  @Test
  void headerNotJson() throws IOException {
    Path f = tmp.resolve("x.safetensors");
    writeSafetensors(f, "{not json}", 0);
    BgeVlException e = assertThrows(BgeVlException.class, () -> SafeTensorsFile.open(f, java.lang.foreign.Arena.ofAuto()));
    assertTrue(e.getMessage().startsWith(f + ": safetensors header is not valid JSON"), e.getMessage());
  }

  @Test
  void shapeMismatchNamesTensorAndBothShapes() throws IOException {
    Path dir = copyTiny();
    ObjectMapper json = new ObjectMapper();
    ObjectNode cfg = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
    cfg.put("projection_dim", 48);
    json.writeValue(dir.resolve("config.json").toFile(), cfg);
    String m = fails(dir);
    assertTrue(m.contains("tensor 'visual_projection.weight' has shape [40, 64], the config needs [48, 64]"), m);
  }

  @Test
  void missingTensor() throws IOException {
    Path dir = copyTiny();
    ObjectMapper json = new ObjectMapper();
    ObjectNode cfg = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
    ((ObjectNode) cfg.get("text_config")).put("num_hidden_layers", 3);
    json.writeValue(dir.resolve("config.json").toFile(), cfg);
    String m = fails(dir);
    assertTrue(m.contains("missing tensor 'text_model.encoder.layers.2."), m);
  }

  @Test
  void configMissingRequiredKeys() throws IOException {
    Path dir = copyTiny();
    ObjectMapper json = new ObjectMapper();
    ObjectNode cfg = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
    cfg.remove("vision_config");
    json.writeValue(dir.resolve("config.json").toFile(), cfg);
    String m = fails(dir);
    assertTrue(m.contains("config.json: missing required key \"vision_config\""), m);
  }

  @Test
  void configWithWrongTypesOrValues() throws IOException {
    Path dir = copyTiny();
    ObjectMapper json = new ObjectMapper();
    ObjectNode cfg = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
    ((ObjectNode) cfg.get("vision_config")).put("hidden_size", "wide");
    json.writeValue(dir.resolve("config.json").toFile(), cfg);
    assertTrue(fails(dir).contains("vision_config.hidden_size must be an integer, got \"wide\""));
    ((ObjectNode) cfg.get("vision_config")).put("hidden_size", 64);
    ((ObjectNode) cfg.get("vision_config")).put("hidden_act", "relu");
    json.writeValue(dir.resolve("config.json").toFile(), cfg);
    assertTrue(fails(dir).contains("vision_config.hidden_act 'relu' is not supported"));
    Files.writeString(dir.resolve("config.json"), "{\"text_config\": ");
    assertTrue(fails(dir).contains("config.json: not valid JSON"));
  }

  @Test
  void shardedIndexNamingAMissingShard() throws IOException {
    Path dir = copyTiny();
    Files.move(dir.resolve("model.safetensors"), dir.resolve("model-00001-of-00001.safetensors"));
    Files.writeString(dir.resolve("model.safetensors.index.json"),
        "{\"metadata\":{},\"weight_map\":{\"logit_scale\":\"model-00001-of-00002.safetensors\"}}");
    String m = fails(dir);
    assertTrue(m.contains("names shard 'model-00001-of-00002.safetensors', which is missing"), m);
  }
}
