package dev.verge.hub.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.TensorSpec;
import dev.verge.hub.device.DeviceStore;
import dev.verge.hub.device.NewDevice;
import dev.verge.hub.model.ModelVersion;
import dev.verge.hub.telemetry.Prediction;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/** Values the store contract suites share. */
public final class StoreFixtures {
  public static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private StoreFixtures() {}

  public static ModelVersion version(String name, long version, String digest) {
    return new ModelVersion(
        name,
        version,
        digest,
        1234,
        "abcdef0123456789",
        T0,
        List.of(new TensorSpec("input", DataType.FP32, List.of(-1L, 4L))),
        List.of(new TensorSpec("output", DataType.INT64, List.of(-1L))),
        Map.of("framework", "test"));
  }

  public static String digest(char c) {
    return String.valueOf(c).repeat(64);
  }

  public static NewDevice device(String id, Map<String, String> labels) {
    return new NewDevice(id, "name-" + id, labels, "cred-" + id, "0.1.0", "linux", T0);
  }

  public static void enroll(DeviceStore devices, String id, Map<String, String> labels) {
    devices.addEnrollmentToken("token-" + id, T0, T0.plusSeconds(60), null);
    assertThat(devices.enroll("token-" + id, T0, device(id, labels))).isTrue();
  }

  public static List<Prediction> records(long from, long to) {
    return LongStream.rangeClosed(from, to)
        .mapToObj(
            s ->
                new Prediction(
                    s,
                    T0.plusNanos(s * 1_001),
                    "iris",
                    2,
                    100 + s,
                    s % 2 == 0 ? "req-" + s : null,
                    Json.tree(("{\"label\": " + s + "}").getBytes()),
                    s % 3 == 0
                        ? Json.tree(("[{\"name\": \"x\", \"data\": [" + s + "]}]").getBytes())
                        : null))
        .toList();
  }
}
