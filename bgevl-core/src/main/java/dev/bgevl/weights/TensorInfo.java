package dev.bgevl.weights;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor of a safetensors file: its name, dtype, shape and the mapped bytes that hold it
 * (little-endian, row-major).
 */
public record TensorInfo(String name, DType dtype, long[] shape, MemorySegment data, String file) {

  public long numel() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  public String shapeString() {
    return Arrays.toString(shape);
  }
}
