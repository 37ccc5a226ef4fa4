package dev.verge.core.oip;

/**
 * The two 16-bit float formats a tensor may hold: IEEE 754 binary16 (FP16, through the JDK's own
 * conversions) and bfloat16 (BF16: the upper half of an FP32, rounded to nearest, ties to even).
 */
public final class HalfFloats {
  /** The largest finite FP16 value. */
  public static final float FP16_MAX = 65504f;

  private HalfFloats() {}

  public static short fp16(float value) {
    return Float.floatToFloat16(value);
  }

  public static float fromFp16(short bits) {
    return Float.float16ToFloat(bits);
  }

  public static short bf16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if (Float.isNaN(value)) {
      // Keep it a NaN whatever its payload: truncating could leave only the exponent, an infinity.
      return (short) ((bits >>> 16) | 0x0040);
    }
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  public static float fromBf16(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }
}
