package dev.verge.core.oip;

import java.util.Locale;

/** Tensor element types, spelled as the Open Inference Protocol spells them. */
public enum DataType {
  BOOL(1),
  UINT8(1),
  UINT16(2),
  UINT32(4),
  UINT64(8),
  INT8(1),
  INT16(2),
  INT32(4),
  INT64(8),
  FP16(2),
  BF16(2),
  FP32(4),
  FP64(8),
  /** Variable-length byte strings (text). */
  BYTES(-1);

  private final int byteSize;

  DataType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element, or -1 for {@link #BYTES}. */
  public int byteSize() {
    return byteSize;
  }

  /**
   * Parses a protocol spelling, case-insensitively.
   *
   * @throws ProtocolException naming the value when it is not a known datatype
   */
  public static DataType parse(String text, String what) {
    if (text == null) {
      throw new ProtocolException(what + " has no datatype");
    }
    try {
      return valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(what + " has unknown datatype '" + text + "'");
    }
  }
}
