package dev.bgevl.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped safetensors file.
 *
 * <p>Layout: an 8-byte little-endian header length {@code n}, then {@code n} bytes of JSON mapping
 * each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end)}} (offsets relative to
 * the first byte after the header), an optional {@code "__metadata__"} object, then the data. Every
 * offset is validated against the file size, the dtype and shape, and the other tensors before a
 * tensor is handed out, so a truncated or hostile file fails at load with one line, never later
 * with a wild read.
 */
public final class SafeTensorsFile {
  /** Headers larger than this are refused (the format's reference implementation uses 100 MB). */
  static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafeTensorsFile(Path path, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    this.path = path;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Maps {@code path} into {@code arena}; the mapping lives as long as the arena. */
  public static SafeTensorsFile open(Path path, Arena arena) {
    String where = path.toString();
    MemorySegment file;
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new BgeVlException(where + ": truncated safetensors file (" + size + " bytes, the header length alone needs 8)");
      }
      file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
    } catch (NoSuchFileException e) {
      throw new BgeVlException(where + ": file not found");
    } catch (IOException e) {
      throw new BgeVlException(where + ": cannot read (" + e.getMessage() + ")", e);
    }
    long size = file.byteSize();
    long headerLen = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
    if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
      throw new BgeVlException(where + ": not a safetensors file (header length " + Long.toUnsignedString(headerLen) + " is implausible)");
    }
    if (8 + headerLen > size) {
      throw new BgeVlException(where + ": truncated safetensors file (header needs " + (8 + headerLen) + " bytes, file has " + size + ")");
    }
    byte[] headerBytes = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
    JsonNode header;
    try {
      header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      throw new BgeVlException(where + ": safetensors header is not valid JSON (" + firstLine(e.getMessage()) + ")");
    }
    if (header == null || !header.isObject()) {
      throw new BgeVlException(where + ": safetensors header is not a JSON object");
    }
    long dataStart = 8 + headerLen;
    long dataSize = size - dataStart;
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    List<long[]> ranges = new ArrayList<>();
    List<String> rangeNames = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode t = e.getValue();
      if (name.equals("__metadata__")) {
        t.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      String tw = where + ": tensor '" + name + "'";
      JsonNode dtypeNode = t.get("dtype");
      JsonNode shapeNode = t.get("shape");
      JsonNode offNode = t.get("data_offsets");
      if (dtypeNode == null || shapeNode == null || !shapeNode.isArray() || offNode == null || !offNode.isArray() || offNode.size() != 2) {
        throw new BgeVlException(tw + ": header entry needs dtype, shape and data_offsets [begin, end]");
      }
      DType dtype = DType.parse(dtypeNode.asText(), tw);
      long[] shape = new long[shapeNode.size()];
      long numel = 1;
      for (int i = 0; i < shape.length; i++) {
        JsonNode d = shapeNode.get(i);
        if (!d.canConvertToLong() || d.asLong() < 0) {
          throw new BgeVlException(tw + ": invalid shape " + shapeNode);
        }
        shape[i] = d.asLong();
        numel = Math.multiplyExact(numel, shape[i]);
      }
      long begin = offNode.get(0).asLong(-1);
      long end = offNode.get(1).asLong(-1);
      if (begin < 0 || end < begin) {
        throw new BgeVlException(tw + ": invalid data_offsets " + offNode);
      }
      if (end > dataSize) {
        throw new BgeVlException(tw + ": data [" + begin + ", " + end + ") exceeds the data section of " + dataSize + " bytes (file truncated or header corrupt)");
      }
      long expectBytes = numel * dtype.bytes();
      if (end - begin != expectBytes) {
        throw new BgeVlException(tw + ": data_offsets span " + (end - begin) + " bytes but " + dtype + " " + shapeNode + " needs " + expectBytes);
      }
      ranges.add(new long[] {begin, end});
      rangeNames.add(name);
      tensors.put(name, new TensorInfo(name, dtype, shape, file.asSlice(dataStart + begin, end - begin), where));
    }
    checkNoOverlap(where, ranges, rangeNames);
    return new SafeTensorsFile(path, tensors, metadata);
  }

  private static void checkNoOverlap(String where, List<long[]> ranges, List<String> names) {
    Integer[] order = new Integer[ranges.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, Comparator.comparingLong((Integer i) -> ranges.get(i)[0]).thenComparingLong(i -> ranges.get(i)[1]));
    for (int k = 1; k < order.length; k++) {
      long[] prev = ranges.get(order[k - 1]);
      long[] cur = ranges.get(order[k]);
      if (cur[0] < prev[1] && cur[1] > cur[0] && prev[1] > prev[0]) {
        throw new BgeVlException(where + ": tensors '" + names.get(order[k - 1]) + "' " + java.util.Arrays.toString(prev)
            + " and '" + names.get(order[k]) + "' " + java.util.Arrays.toString(cur) + " overlap");
      }
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  public Path path() {
    return path;
  }

  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  public Map<String, String> metadata() {
    return metadata;
  }
}
