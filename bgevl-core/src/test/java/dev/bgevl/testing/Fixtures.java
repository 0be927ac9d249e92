package dev.bgevl.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The reference fixtures copied into {@code bgevl-core/src/test/resources/fixtures} (tiny CLIP
 * models, expected embeddings, pixel tensors, images). Found by walking up from the working
 * directory, so tests of every module share one copy.
 */
public final class Fixtures {
  private Fixtures() {}

  public static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      Path candidate = p.resolve("bgevl-core/src/test/resources/fixtures");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      if (p.getFileName() != null && p.getFileName().toString().equals("bgevl-core") && Files.isDirectory(p.resolve("src/test/resources/fixtures"))) {
        return p.resolve("src/test/resources/fixtures");
      }
    }
    throw new IllegalStateException("test fixtures not found above " + dir);
  }

  public static Path model(String name) {
    return root().resolve(name);
  }

  public static Path image(String relative) {
    return root().resolve(relative);
  }

  /** {@code expected/<model>.json}. */
  public static JsonNode expected(String model) {
    try {
      return new ObjectMapper().readTree(root().resolve("expected/" + model + ".json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) array.get(i).asDouble();
    }
    return out;
  }

  public static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  /** The reference {@code pixel_values} for a fixture image path such as {@code images/cir_query.png}. */
  public static float[] pixels(String imagePath) {
    try {
      JsonNode index = new ObjectMapper().readTree(root().resolve("pixels/clip-tiny/index.json").toFile());
      return readNpyFloat32(root().resolve(index.get(imagePath).asText()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a little-endian float32 C-order {@code .npy} file (any shape) as a flat array. */
  public static float[] readNpyFloat32(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    if (b.length < 10 || b[0] != (byte) 0x93 || b[1] != 'N' || b[2] != 'U' || b[3] != 'M' || b[4] != 'P' || b[5] != 'Y') {
      throw new IOException(file + ": not a .npy file");
    }
    int major = b[6];
    int headerLen;
    int start;
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    if (major == 1) {
      headerLen = Short.toUnsignedInt(bb.getShort(8));
      start = 10;
    } else {
      headerLen = bb.getInt(8);
      start = 12;
    }
    String header = new String(b, start, headerLen, StandardCharsets.ISO_8859_1);
    if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
      throw new IOException(file + ": expected little-endian float32 C order, header " + header.trim());
    }
    int off = start + headerLen;
    float[] out = new float[(b.length - off) / 4];
    bb.position(off);
    bb.asFloatBuffer().get(out);
    return out;
  }

  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("length " + a.length + " vs " + b.length);
    }
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }
}
