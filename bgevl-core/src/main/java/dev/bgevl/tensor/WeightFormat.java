package dev.bgevl.tensor;

/**
 * How {@link Linear} stores its packed weights. 16-bit formats halve the memory and the weight
 * traffic; products and sums stay fp32 (each weight is widened exactly before its fma).
 *
 * <p>F16 holds BGE-VL's F16 checkpoints exactly; BF16 holds BF16 checkpoints (the MLLM) exactly.
 * Packing fp32 values into a 16-bit format rounds each to nearest-even.
 */
public enum WeightFormat {
  /** 32-bit IEEE float. */
  F32(4),
  /** IEEE binary16: 10-bit mantissa, max 65504. */
  F16(2),
  /** bfloat16: fp32's exponent range, 7-bit mantissa. */
  BF16(2);

  private final int bytes;

  WeightFormat(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per stored weight. */
  public int bytes() {
    return bytes;
  }

  /** The 16-bit pattern of {@code v} rounded to nearest-even (F16 or BF16 only). */
  short encode(float v) {
    return switch (this) {
      case F16 -> Float.floatToFloat16(v);
      case BF16 -> {
        int bits = Float.floatToRawIntBits(v);
        yield (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
      }
      case F32 -> throw new IllegalStateException("F32 weights are not 16-bit");
    };
  }

  /** The float a 16-bit pattern stands for (exact). */
  float decode(short h) {
    return switch (this) {
      case F16 -> Float.float16ToFloat(h);
      case BF16 -> Float.intBitsToFloat((h & 0xffff) << 16);
      case F32 -> throw new IllegalStateException("F32 weights are not 16-bit");
    };
  }

  /** {@code v} as stored in this format and read back. */
  public float round(float v) {
    return this == F32 ? v : decode(encode(v));
  }
}
