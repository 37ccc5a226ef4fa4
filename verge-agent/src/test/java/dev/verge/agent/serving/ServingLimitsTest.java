package dev.verge.agent.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.Engines;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.oip.BinaryTensors;
import dev.verge.http.Limits;
import dev.verge.http.RawHttp;
import dev.verge.http.RequestObserver;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What requests may take: tensor bytes per request (inputs and outputs, checked before they are
 * allocated), bytes in flight together, infer calls at once. Each refusal names what did not fit.
 */
class ServingLimitsTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path dir;

  private final ModelRegistry registry = new ModelRegistry();
  private AgentStore store;
  private InferenceServer server;

  private void start(ServingLimits limits) {
    store = SqliteAgentStore.open(dir.resolve("agent.db"));
    registry.activate(Engines.ONNX.load(new ModelSource("pump", 1, TestModels.logistic())));
    registry.activate(Engines.ONNX.load(new ModelSource("grow", 1, TestModels.expands())));
    server =
        InferenceServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            registry,
            store,
            Optional::empty,
            () -> Map.of(),
            new InferenceServer.Options(
                Limits.forHeap(256 * MIB, InferenceServer.MAX_BODY_BYTES, 8 * MIB),
                Duration.ofSeconds(5),
                RequestObserver.NONE,
                limits));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    registry.close();
    if (store != null) {
      store.close();
    }
  }

  private RawHttp.Reply infer(String model, Map<String, String> headers, String body)
      throws IOException {
    return RawHttp.send(
        server.port(),
        "POST",
        "/v2/models/" + model + "/infer",
        headers,
        body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void a_json_input_declaring_a_shape_over_the_budget_is_413_naming_input_and_budget()
      throws IOException {
    start(new ServingLimits(MIB, 16 * MIB, 8));

    RawHttp.Reply reply =
        infer(
            "pump",
            Map.of(),
            "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1000000,2],"
                + "\"data\":[1,2]}]}");

    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.body())
        .contains("\"code\":\"TENSOR_TOO_LARGE\"")
        .contains("input 'input': shape [1000000, 2] of FP32 takes 8000000 bytes")
        .contains("1048576 bytes (max-request-mb)");
  }

  @Test
  void a_binary_input_declaring_a_shape_over_the_budget_is_413_before_its_bytes_are_read()
      throws IOException {
    start(new ServingLimits(MIB, 16 * MIB, 8));
    String json =
        "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1000000,2],"
            + "\"parameters\":{\"binary_data_size\":8000000}}]}";

    RawHttp.Reply reply =
        infer(
            "pump",
            Map.of(BinaryTensors.HEADER, Integer.toString(json.length())),
            json + "12345678");

    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.body()).contains("TENSOR_TOO_LARGE").contains("input 'input'");
  }

  @Test
  void a_binary_header_longer_than_the_body_is_400() throws IOException {
    start(ServingLimits.forHeap(256 * MIB));

    RawHttp.Reply reply = infer("pump", Map.of(BinaryTensors.HEADER, "99999"), "{\"inputs\":[]}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).contains(BinaryTensors.HEADER).contains("longer than the 13-byte");
  }

  @Test
  void an_output_over_the_budget_is_413_naming_the_output_and_a_small_one_is_answered()
      throws IOException {
    start(new ServingLimits(MIB, 16 * MIB, 8));
    String big =
        "{\"inputs\":[{\"name\":\"shape\",\"datatype\":\"INT64\",\"shape\":[2],"
            + "\"data\":[1000,1000]}]}";
    String small = big.replace("[1000,1000]", "[2,3]");

    RawHttp.Reply refused = infer("grow", Map.of(), big);
    RawHttp.Reply answered = infer("grow", Map.of(), small);

    assertThat(refused.status()).isEqualTo(413);
    assertThat(refused.body())
        .contains("output 'ones' of model grow v1: shape [1000, 1000] of FP32 takes 4000000 bytes")
        .contains("max-request-mb");
    assertThat(answered.status()).as(answered.body()).isEqualTo(200);
    assertThat(answered.body()).contains("\"shape\":[2,3]");
  }

  @Test
  void an_answer_whose_json_text_would_pass_the_budget_is_413() throws IOException {
    // 100 x 1000 floats take 400 KB as floats, up to 1.6 MB as JSON text (twice, while written).
    start(new ServingLimits(MIB, 16 * MIB, 8));

    RawHttp.Reply reply =
        infer(
            "grow",
            Map.of(),
            "{\"inputs\":[{\"name\":\"shape\",\"datatype\":\"INT64\",\"shape\":[2],"
                + "\"data\":[100,1000]}]}");

    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.body()).contains("output 'ones'").contains("max-request-mb");
  }

  @Test
  void a_shape_past_the_element_limit_is_413_not_400() throws IOException {
    start(ServingLimits.forHeap(256 * MIB));

    RawHttp.Reply reply =
        infer(
            "pump",
            Map.of(),
            "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\","
                + "\"shape\":[1048576,1048576],\"data\":[1]}]}");

    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.body()).contains("TENSOR_TOO_LARGE").contains("input 'input'");
  }

  @Test
  void one_infer_call_over_the_concurrent_limit_is_503_with_retry_after_while_the_first_goes_on()
      throws Exception {
    start(ServingLimits.forHeap(256 * MIB).withMaxConcurrentRequests(1));
    String body =
        "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1,2]}]}";
    try (SlowClient first = new SlowClient(server.port(), body)) {
      await("the first call holds its slot", () -> server.inferCallsRunning() == 1);

      RawHttp.Reply second = infer("pump", Map.of(), body);
      RawHttp.Reply metadata =
          RawHttp.send(server.port(), "GET", "/v2/models/pump", Map.of(), new byte[0]);

      assertThat(second.status()).isEqualTo(503);
      assertThat(second.head()).containsIgnoringCase("Retry-After: 1");
      assertThat(second.body()).contains("OVERLOADED").contains("max-concurrent-requests");
      assertThat(metadata.status()).isEqualTo(200);
      assertThat(first.finish()).as("the call in flight is answered").startsWith("HTTP/1.1 200");
    }
    assertThat(
            infer(
                    "pump",
                    Map.of(),
                    "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\","
                        + "\"shape\":[1,2],\"data\":[1,2]}]}")
                .status())
        .isEqualTo(200);
  }

  @Test
  void a_call_that_fits_alone_is_503_while_the_calls_in_flight_hold_the_shared_bytes()
      throws Exception {
    start(new ServingLimits(MIB, MIB + MIB / 2, 8));
    // A declared 1 MiB body is held from the moment its headers arrive.
    String padding = " ".repeat((int) MIB - 200);
    String body =
        "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1,2]}]}"
            + padding;
    try (SlowClient first = new SlowClient(server.port(), body)) {
      await("the first call holds its body's bytes", () -> server.bytesInFlight() >= MIB - 200);

      RawHttp.Reply second =
          infer(
              "pump",
              Map.of(),
              "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],"
                  + "\"data\":[1,2]}]}"
                  + " ".repeat((int) (MIB / 2 + 64 * 1024)));

      assertThat(second.status()).isEqualTo(503);
      assertThat(second.head()).containsIgnoringCase("Retry-After: 1");
      assertThat(second.body()).contains("OVERLOADED").contains("requests in flight hold");
      assertThat(first.finish()).startsWith("HTTP/1.1 200");
    }
    await("the bytes are given back", () -> server.bytesInFlight() == 0);
  }

  @Test
  void a_large_answer_is_recorded_without_its_data_so_records_stay_small() throws IOException {
    start(ServingLimits.forHeap(256 * MIB));

    RawHttp.Reply answered =
        infer(
            "grow",
            Map.of(),
            "{\"inputs\":[{\"name\":\"shape\",\"datatype\":\"INT64\",\"shape\":[2],"
                + "\"data\":[300,400]}]}");
    RawHttp.Reply small =
        infer(
            "grow",
            Map.of(),
            "{\"inputs\":[{\"name\":\"shape\",\"datatype\":\"INT64\",\"shape\":[2],"
                + "\"data\":[2,3]}]}");

    assertThat(answered.status()).isEqualTo(200);
    assertThat(small.status()).isEqualTo(200);
    List<PredictionRecord> records = store.unsynced(10);
    assertThat(records).hasSize(2);
    String large = records.get(0).outputs().toString();
    assertThat(large)
        .contains("\"shape\":[300,400]")
        .contains("data_omitted")
        .hasSizeLessThan(1024);
    assertThat(records.get(1).outputs().toString()).contains("[1.0,1.0,1.0,1.0,1.0,1.0]");
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(5);
    }
  }

  /** Sends an infer call's headers and all of its body but the last byte, then waits. */
  private static final class SlowClient implements AutoCloseable {
    private final Socket socket;
    private final byte[] body;

    SlowClient(int port, String text) throws IOException {
      this.body = text.getBytes(StandardCharsets.UTF_8);
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v2/models/pump/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                  + "Content-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.write(body, 0, body.length - 1);
      out.flush();
    }

    /** Sends the last byte and reads the answer. */
    String finish() throws IOException {
      socket.getOutputStream().write(body, body.length - 1, 1);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
