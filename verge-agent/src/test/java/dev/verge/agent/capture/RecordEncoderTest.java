package dev.verge.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorCodec;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordEncoderTest {
  /** Two elements of every datatype, edge values included. */
  private static Object twoOf(DataType type) {
    return switch (type) {
      case FP32 -> new float[] {Float.MIN_VALUE, -1.25e-7f};
      case FP64 -> new double[] {Double.MAX_VALUE, -0.0};
      case INT8, UINT8 -> new byte[] {(byte) 0xff, 7};
      case INT16, UINT16, FP16, BF16 -> new short[] {(short) 0xbc00, 0x3c00};
      case INT32, UINT32 -> new int[] {-1, Integer.MIN_VALUE};
      case INT64, UINT64 -> new long[] {-1L, Long.MAX_VALUE};
      case BOOL -> new boolean[] {true, false};
      case BYTES -> new String[] {"é \"quoted\"", ""};
    };
  }

  @Test
  void writesWhatTheDataBoundFormWroteForEveryDatatype() {
    // Records stored before the streaming encoder, and the hub that reads them, know this form.
    List<Tensor> tensors = new ArrayList<>();
    for (DataType type : Tensor.SUPPORTED) {
      Object data = twoOf(type);
      tensors.add(new Tensor("t_" + type, type, new long[] {1, Array.getLength(data)}, data));
    }
    String expected = Json.writeString(tensors.stream().map(TensorCodec::encode).toList());

    assertThat(RecordEncoder.within(tensors, 1 << 20)).isEqualTo(expected);
  }

  @Test
  void givesUpPastTheCapWithoutWritingTheRest() {
    float[] large = new float[100_000];
    List<Tensor> tensors = List.of(new Tensor("x", DataType.FP32, new long[] {100_000}, large));

    assertThat(RecordEncoder.within(tensors, 64 * 1024)).isNull();
    assertThat(RecordEncoder.within(tensors, 1 << 20)).startsWith("[{\"name\":\"x\"");
  }
}
