package dev.bgevl.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes fp32 tensors as a safetensors file (used for synthetic full-size models, shard tests and
 * tools). Tensors are written in insertion order; the header is padded with spaces to 8 bytes.
 */
public final class SafeTensorsWriter {
  private final Map<String, float[]> data = new LinkedHashMap<>();
  private final Map<String, long[]> shapes = new LinkedHashMap<>();

  public SafeTensorsWriter put(String name, float[] values, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n != values.length) {
      throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + java.util.Arrays.toString(shape));
    }
    data.put(name, values);
    shapes.put(name, shape);
    return this;
  }

  public void write(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode header = json.createObjectNode();
    header.putObject("__metadata__").put("format", "pt");
    long offset = 0;
    for (Map.Entry<String, float[]> e : data.entrySet()) {
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", "F32");
      ArrayNode shape = t.putArray("shape");
      for (long d : shapes.get(e.getKey())) {
        shape.add(d);
      }
      long bytes = 4L * e.getValue().length;
      t.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] h = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    int padded = (h.length + 7) / 8 * 8;
    try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
      out.write(len.array());
      out.write(h);
      for (int i = h.length; i < padded; i++) {
        out.write(' ');
      }
      ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (float[] values : data.values()) {
        for (float v : values) {
          if (!buf.hasRemaining()) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
          }
          buf.putFloat(v);
        }
      }
      out.write(buf.array(), 0, buf.position());
    }
  }
}
