package dev.bgevl.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of a model folder: {@code model.safetensors}, or the shards listed by
 * {@code model.safetensors.index.json}, memory-mapped once. Closing it unmaps every shard, so
 * nothing read from {@link #segment} may be used afterwards; {@link #floats} copies.
 */
public final class Weights implements TensorSource, AutoCloseable {
  public static final String SINGLE_FILE = "model.safetensors";
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final Arena arena;
  private final Map<String, TensorInfo> tensors;
  private final Path folder;

  private Weights(Path folder, Arena arena, Map<String, TensorInfo> tensors) {
    this.folder = folder;
    this.arena = arena;
    this.tensors = tensors;
  }

  /** Maps the weights of a Hugging Face model folder. */
  public static Weights open(Path folder) {
    Path single = folder.resolve(SINGLE_FILE);
    Path index = folder.resolve(INDEX_FILE);
    Arena arena = Arena.ofShared();
    try {
      Map<String, TensorInfo> all = new LinkedHashMap<>();
      if (Files.isRegularFile(single)) {
        all.putAll(SafeTensorsFile.open(single, arena).tensors());
      } else if (Files.isRegularFile(index)) {
        Map<String, String> weightMap = readIndex(index);
        Set<String> shards = new LinkedHashSet<>(weightMap.values());
        Map<String, Map<String, TensorInfo>> byShard = new LinkedHashMap<>();
        for (String shard : shards) {
          Path p = folder.resolve(shard).normalize();
          if (!p.startsWith(folder.normalize())) {
            throw new BgeVlException(index + ": shard name '" + shard + "' points outside the model folder");
          }
          if (!Files.isRegularFile(p)) {
            throw new BgeVlException(index + ": names shard '" + shard + "', which is missing from " + folder);
          }
          byShard.put(shard, SafeTensorsFile.open(p, arena).tensors());
        }
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
          TensorInfo t = byShard.get(e.getValue()).get(e.getKey());
          if (t == null) {
            throw new BgeVlException(index + ": tensor '" + e.getKey() + "' is listed in shard '" + e.getValue() + "' but that shard does not contain it");
          }
          all.put(e.getKey(), t);
        }
      } else {
        throw new BgeVlException(folder + ": no weights (neither " + SINGLE_FILE + " nor " + INDEX_FILE + " found)");
      }
      return new Weights(folder, arena, Collections.unmodifiableMap(all));
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  private static Map<String, String> readIndex(Path index) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(index));
    } catch (NoSuchFileException e) {
      throw new BgeVlException(index + ": file not found");
    } catch (IOException e) {
      throw new BgeVlException(index + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new BgeVlException(index + ": missing the \"weight_map\" object");
    }
    Map<String, String> out = new LinkedHashMap<>();
    map.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  public Path folder() {
    return folder;
  }

  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  public boolean has(String name) {
    return tensors.containsKey(name);
  }

  /** The tensor {@code name}, checked to have exactly {@code shape}. */
  public TensorInfo tensor(String name, long... shape) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new BgeVlException(folder + ": missing tensor '" + name + "' (expected shape " + Arrays.toString(shape) + ")");
    }
    if (!Arrays.equals(t.shape(), shape)) {
      throw new BgeVlException(folder + ": tensor '" + name + "' has shape " + t.shapeString() + ", the config needs " + Arrays.toString(shape));
    }
    if (!t.dtype().isFloatWeight()) {
      throw new BgeVlException(folder + ": tensor '" + name + "' has dtype " + t.dtype() + "; weights must be F32, F16 or BF16");
    }
    return t;
  }

  /** The tensor {@code name} as fp32 (copied and converted from F32, F16 or BF16), shape-checked. */
  @Override
  public float[] floats(String name, long... shape) {
    TensorInfo t = tensor(name, shape);
    float[] out = fp32Array(t);
    // The copy is all we keep: drop the file pages from this process's resident set as each chunk is
    // copied (they stay in the page cache, and re-fault from the file if read again), so a load's
    // peak RSS is the converted weights plus one chunk, not plus the whole tensor (CLIP's token
    // embedding is 101 MB) or the whole mapped checkpoint.
    MemorySegment s = t.data();
    long esize = t.dtype().bytes();
    for (int at = 0; at < out.length; at += COPY_CHUNK) {
      int len = Math.min(COPY_CHUNK, out.length - at);
      convert(t, s.asSlice(at * esize, len * esize), out, at, len);
      unloadAround(s, at * esize, len * esize);
    }
    return out;
  }

  /**
   * Rows read straight from the mapped checkpoint and converted to fp32, a few at a time; the file
   * pages of rows already read are dropped from this process's resident set as it goes.
   */
  @Override
  public dev.bgevl.tensor.RowSource rows(String name, long... shape) {
    TensorInfo t = tensor(name, shape);
    int cols = Math.toIntExact(t.numel() / Math.max(1, shape.length == 0 ? 1 : shape[0]));
    MemorySegment s = t.data();
    long esize = t.dtype().bytes();
    return (row0, count, dst) -> {
      int n = count * cols;
      long from = (long) row0 * cols * esize;
      convert(t, s.asSlice(from, n * esize), dst, 0, n);
      unloadAround(s, from, n * esize);
    };
  }

  /** The raw mapped bytes of a shape-checked tensor (valid until {@link #close}). */
  public MemorySegment segment(String name, long... shape) {
    return tensor(name, shape).data();
  }

  public static float[] toFloats(TensorInfo t) {
    float[] out = fp32Array(t);
    convert(t, t.data(), out, 0, out.length);
    return out;
  }

  /** An fp32 array for all of t's elements (a one-line error when one array cannot hold them). */
  private static float[] fp32Array(TensorInfo t) {
    long n = t.numel();
    if (n > Integer.MAX_VALUE - 8) {
      throw new BgeVlException(t.file() + ": tensor '" + t.name() + "' has " + n + " elements, too many for one fp32 array");
    }
    return new float[(int) n];
  }

  /**
   * Drops the file pages of bytes [from, from + len) of {@code s} from this process's resident set,
   * and those within {@link #FAULT_AROUND} on either side: a page fault maps the neighbouring pages
   * already in the page cache too (Linux's fault-around, 64 KB by default), so reading a range also
   * maps pages of the ranges before and after it, and dropping only the range read left ~40% of a
   * checkpoint resident until the load ended (the peak RSS of a load).
   */
  private static void unloadAround(MemorySegment s, long from, long len) {
    long lo = Math.max(0, from - FAULT_AROUND);
    long hi = Math.min(s.byteSize(), from + len + FAULT_AROUND);
    s.asSlice(lo, hi - lo).unload();
  }

  private static final long FAULT_AROUND = 256 << 10;

  /** Elements copied (and their file pages dropped) at a time by {@link #floats}: 4 MB of fp32. */
  private static final int COPY_CHUNK = 1 << 20;

  /** dst[at, at + n) = the first n values of {@code src} (elements of t's dtype), as fp32. */
  private static void convert(TensorInfo t, MemorySegment src, float[] dst, int at, int n) {
    switch (t.dtype()) {
      case F32 -> MemorySegment.copy(src, F32_LE, 0, dst, at, n);
      case F16 -> {
        for (int i = 0; i < n; i++) {
          dst[at + i] = DType.f16ToF32(src.getAtIndex(I16_LE, i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          dst[at + i] = DType.bf16ToF32(src.getAtIndex(I16_LE, i));
        }
      }
      default -> throw new BgeVlException(t.file() + ": tensor '" + t.name() + "' has dtype " + t.dtype() + ", not a float weight");
    }
  }

  /** The dtype most weights are stored in (for {@code bgevl info}). */
  public DType dominantDType() {
    Map<DType, Long> bytes = new LinkedHashMap<>();
    for (TensorInfo t : tensors.values()) {
      bytes.merge(t.dtype(), t.numel(), Long::sum);
    }
    return bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(DType.F32);
  }

  @Override
  public void close() {
    arena.close();
  }
}
