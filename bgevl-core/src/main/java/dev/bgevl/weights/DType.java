package dev.bgevl.weights;

import dev.bgevl.BgeVlException;

/** The element types a safetensors header may name, with their sizes in bytes. */
public enum DType {
  BOOL(1), U8(1), I8(1), F8_E4M3(1), F8_E5M2(1),
  I16(2), U16(2), F16(2), BF16(2),
  I32(4), U32(4), F32(4),
  I64(8), U64(8), F64(8);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  public int bytes() {
    return bytes;
  }

  /** True for the types the encoders can compute with (loaded into fp32). */
  public boolean isFloatWeight() {
    return this == F32 || this == F16 || this == BF16;
  }

  static DType parse(String name, String where) {
    try {
      return DType.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new BgeVlException(where + ": unknown dtype '" + name + "'");
    }
  }

  /** IEEE half → float, exact (subnormals, infinities and NaN included). */
  public static float f16ToF32(short h) {
    return Float.float16ToFloat(h);
  }

  /** bfloat16 → float: the upper 16 bits of an fp32, exact. */
  public static float bf16ToF32(short b) {
    return Float.intBitsToFloat((b & 0xffff) << 16);
  }
}
