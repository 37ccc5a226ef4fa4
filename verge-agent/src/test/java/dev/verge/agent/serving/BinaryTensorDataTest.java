package dev.verge.agent.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.Engines;
import dev.verge.agent.Http;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.json.Json;
import dev.verge.core.oip.BinaryTensors;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.HalfFloats;
import dev.verge.core.oip.InferInput;
import dev.verge.core.oip.Tensor;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binary tensor data extension end to end, over HTTP, on real ONNX models. */
class BinaryTensorDataTest {
  @TempDir Path dir;

  private final ModelRegistry registry = new ModelRegistry();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private AgentStore store;
  private InferenceServer server;
  private Http http;

  @BeforeEach
  void start() {
    store = SqliteAgentStore.open(dir.resolve("agent.db"));
    registry.activate(Engines.ONNX.load(new ModelSource("pump", 3, TestModels.logistic())));
    registry.activate(Engines.ONNX.load(new ModelSource("types", 1, TestModels.allTypes())));
    server =
        InferenceServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            registry,
            store,
            Optional::empty,
            () -> Map.of());
    http = new Http(base());
  }

  @AfterEach
  void stop() {
    client.close();
    http.close();
    server.close();
    registry.close();
    store.close();
  }

  @Test
  void binary_fp32_input_answers_exactly_as_the_json_request_does() {
    String header =
        """
        {"id":"r","inputs":[{"name":"input","shape":[1,2],"datatype":"FP32",
         "parameters":{"binary_data_size":8}}]}""";

    Raw binary = post("/v2/models/pump/infer", binaryBody(header, floats(3f, 3f)), header.length());
    Http.Response json = http.post("/v2/models/pump/infer", Http.logisticRequest("r", 3f, 3f));

    assertThat(binary.status()).isEqualTo(200);
    assertThat(binary.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(binary.headers().firstValue(BinaryTensors.HEADER)).isEmpty();
    assertThat(binary.text()).isEqualTo(json.body());
  }

  @Test
  void answers_outputs_in_binary_when_binary_data_output_is_set() {
    String request =
        """
        {"id":"b","parameters":{"binary_data_output":true},
         "inputs":[{"name":"input","shape":[2,2],"datatype":"FP32","data":[0,0,3,3]}]}""";
    String same = request.replace("\"parameters\":{\"binary_data_output\":true},", "");

    Raw response = post("/v2/models/pump/infer", request.getBytes(StandardCharsets.UTF_8), -1);
    JsonNode expected = http.post("/v2/models/pump/infer", same).json().path("outputs").get(0);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
    int length =
        Integer.parseInt(response.headers().firstValue(BinaryTensors.HEADER).orElseThrow());
    JsonNode json = Json.tree(Arrays.copyOf(response.body(), length));
    JsonNode output = json.path("outputs").get(0);
    assertThat(json.path("id").asText()).isEqualTo("b");
    assertThat(output.path("name").asText()).isEqualTo("output");
    assertThat(output.path("shape").toString()).isEqualTo("[2,2]");
    assertThat(output.path("parameters").toString()).isEqualTo("{\"binary_data_size\":16}");
    assertThat(output.has("data")).isFalse();
    assertThat(response.body()).hasSize(length + 16);
    ByteBuffer bytes = ByteBuffer.wrap(response.body(), length, 16).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 4; i++) {
      assertThat(bytes.getFloat()).isEqualTo((float) expected.path("data").get(i).asDouble());
    }
  }

  @Test
  void records_the_json_form_of_binary_outputs() {
    String request =
        """
        {"id":"rec","outputs":[{"name":"output","parameters":{"binary_data":true}}],
         "inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[3,3]}]}""";

    Raw response = post("/v2/models/pump/infer", request.getBytes(StandardCharsets.UTF_8), -1);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers().firstValue(BinaryTensors.HEADER)).isPresent();
    PredictionRecord record = store.unsynced(10).getFirst();
    assertThat(record.requestId()).isEqualTo("rec");
    JsonNode recorded = record.outputs().get(0);
    assertThat(recorded.path("data").size()).isEqualTo(2);
    assertThat(recorded.path("data").get(1).asDouble()).isGreaterThan(0.99);
    assertThat(recorded.has("parameters")).isFalse();
  }

  @Test
  void every_type_round_trips_with_binary_and_json_inputs_mixed_and_binary_outputs() {
    Map<String, Tensor> given = new LinkedHashMap<>();
    given.put("fp32", tensor("fp32", DataType.FP32, new float[] {1.5f, -2f, Float.MAX_VALUE}));
    given.put("fp64", tensor("fp64", DataType.FP64, new double[] {Math.PI}));
    given.put("int32", tensor("int32", DataType.INT32, new int[] {7, Integer.MIN_VALUE}));
    given.put("int64", tensor("int64", DataType.INT64, new long[] {1L << 60, -1}));
    given.put("uint8", tensor("uint8", DataType.UINT8, new byte[] {0, (byte) 255}));
    given.put("int8", tensor("int8", DataType.INT8, new byte[] {-128, 127}));
    given.put("int16", tensor("int16", DataType.INT16, new short[] {-300, 300}));
    given.put("bool", tensor("bool", DataType.BOOL, new boolean[] {true, false, true}));
    given.put("fp16", tensor("fp16", DataType.FP16, new short[] {HalfFloats.fp16(0.25f)}));
    given.put("bf16", tensor("bf16", DataType.BF16, new short[] {HalfFloats.bf16(-1e30f)}));
    given.put("uint16", tensor("uint16", DataType.UINT16, new short[] {(short) 65535}));
    given.put("uint32", tensor("uint32", DataType.UINT32, new int[] {-1, 5}));
    given.put("uint64", tensor("uint64", DataType.UINT64, new long[] {Long.MIN_VALUE}));
    given.put("bytes", tensor("bytes", DataType.BYTES, new String[] {"ok", "", "Süd 東京"}));
    List<String> asJson = List.of("fp64", "int16");
    List<Map<String, Object>> inputs = new ArrayList<>();
    ByteArrayOutputStream binary = new ByteArrayOutputStream();
    for (Tensor tensor : given.values()) {
      Map<String, Object> input = new LinkedHashMap<>();
      input.put("name", tensor.name());
      input.put("shape", tensor.shape());
      input.put("datatype", tensor.datatype().name());
      if (asJson.contains(tensor.name().substring(2))) {
        input.put("data", tensor.data());
      } else {
        byte[] section = BinaryTensors.encode(tensor);
        input.put("parameters", Map.of("binary_data_size", section.length));
        binary.writeBytes(section);
      }
      inputs.add(input);
    }
    byte[] header =
        Json.write(
            Map.of("inputs", inputs, "parameters", Map.of("binary_data_output", true), "id", "t"));

    Raw response =
        post("/v2/models/types/infer", concat(header, binary.toByteArray()), header.length);

    assertThat(response.status()).as(response.text()).isEqualTo(200);
    int length =
        Integer.parseInt(response.headers().firstValue(BinaryTensors.HEADER).orElseThrow());
    JsonNode outputs = Json.tree(Arrays.copyOf(response.body(), length)).path("outputs");
    assertThat(outputs.size()).isEqualTo(given.size());
    List<InferInput> described = new ArrayList<>();
    for (JsonNode output : outputs) {
      assertThat(output.has("data")).isFalse();
      described.add(Json.convert(output, InferInput.class));
    }
    List<Tensor> decoded =
        BinaryTensors.decode(
            described, ByteBuffer.wrap(response.body(), length, response.body().length - length));
    for (Tensor output : decoded) {
      Tensor input = given.get(output.name().substring(2));
      assertThat(output.datatype()).as(output.name()).isEqualTo(input.datatype());
      assertThat(output.shape()).as(output.name()).isEqualTo(input.shape());
      assertThat(output.data()).as(output.name()).isEqualTo(input.data());
    }
  }

  /** Seen as a new user: FP16, BF16 and the unsigned types beyond UINT8 were refused. */
  @Test
  void half_floats_and_wide_unsigned_types_travel_as_their_values_in_json() {
    StringBuilder inputs = new StringBuilder();
    for (String suffix : TestModels.ALL_TYPES.keySet()) {
      String data =
          switch (suffix) {
            case "fp16" -> "[0.5,-65504]";
            case "bf16" -> "[1.5,3.0e38]";
            case "uint16" -> "[65535,0]";
            case "uint32" -> "[4294967295,1]";
            case "uint64" -> "[18446744073709551615,9223372036854775808]";
            case "bool" -> "[true,false]";
            case "bytes" -> "[\"a\",\"b\"]";
            default -> "[1,2]";
          };
      DataType type = DataType.parse(TestModels.ALL_TYPES_OIP.get(suffix), suffix);
      inputs
          .append(inputs.isEmpty() ? "" : ",")
          .append("{\"name\":\"x_")
          .append(suffix)
          .append("\",\"shape\":[2],\"datatype\":\"")
          .append(type)
          .append("\",\"data\":")
          .append(data)
          .append('}');
    }

    Http.Response response = http.post("/v2/models/types/infer", "{\"inputs\":[" + inputs + "]}");

    assertThat(response.status()).as(response.body()).isEqualTo(200);
    Map<String, String> data = new LinkedHashMap<>();
    for (JsonNode output : response.json().path("outputs")) {
      data.put(output.path("name").asText(), output.path("data").toString());
    }
    assertThat(data)
        .containsEntry("y_fp16", "[0.5,-65504.0]")
        .containsEntry("y_bf16", "[1.5,3.0040553E38]")
        .containsEntry("y_uint16", "[65535,0]")
        .containsEntry("y_uint32", "[4294967295,1]")
        .containsEntry("y_uint64", "[18446744073709551615,9223372036854775808]");
    assertThat(
            http.post(
                    "/v2/models/types/infer",
                    "{\"inputs\":[" + inputs.toString().replace("[65535,0]", "[65536,0]") + "]}")
                .error())
        .contains("input 'x_uint16'")
        .contains("65536");
  }

  @Test
  void refuses_a_binary_data_size_that_does_not_fit_the_shape_naming_the_input() {
    String header =
        """
        {"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32",
         "parameters":{"binary_data_size":12}}]}""";

    Raw response =
        post("/v2/models/pump/infer", binaryBody(header, floats(1f, 2f, 3f)), header.length());

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.error())
        .isEqualTo("input 'input': binary_data_size is 12, but shape [1, 2] of FP32 needs 8 bytes");
    assertThat(store.counters().failed()).isEqualTo(1);
    assertThat(store.counters().pending()).isZero();
  }

  @Test
  void refuses_a_body_shorter_than_declared_naming_the_input() {
    String header =
        """
        {"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32",
         "parameters":{"binary_data_size":8}}]}""";

    Raw response =
        post("/v2/models/pump/infer", binaryBody(header, new byte[] {0, 0, 0}), header.length());

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.error())
        .isEqualTo(
            "input 'input': binary_data_size is 8, but only 3 bytes of binary data are left for"
                + " it");
  }

  @Test
  void refuses_a_header_length_beyond_the_body() {
    String header =
        """
        {"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32",
         "parameters":{"binary_data_size":8}}]}""";
    byte[] body = binaryBody(header, floats(1f, 2f));

    Raw response = post("/v2/models/pump/infer", body, body.length + 1);

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.error())
        .isEqualTo(
            "Inference-Header-Content-Length is "
                + (body.length + 1)
                + ", longer than the "
                + body.length
                + "-byte body");
  }

  @Test
  void refuses_a_binary_input_in_a_request_without_the_header() {
    String request =
        """
        {"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32",
         "parameters":{"binary_data_size":8}}]}""";

    Http.Response response = http.post("/v2/models/pump/infer", request);

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.error())
        .startsWith("input 'input' has binary_data_size 8, but the request has no binary data");
  }

  @Test
  void reads_gzip_and_deflate_compressed_binary_bodies() throws IOException {
    String header =
        """
        {"id":"gz","inputs":[{"name":"input","shape":[1,2],"datatype":"FP32",
         "parameters":{"binary_data_size":8}}]}""";
    byte[] body = binaryBody(header, floats(3f, 3f));
    String expected = http.post("/v2/models/pump/infer", Http.logisticRequest("gz", 3f, 3f)).body();

    ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(gzipped)) {
      out.write(body);
    }
    ByteArrayOutputStream deflated = new ByteArrayOutputStream();
    try (OutputStream out = new DeflaterOutputStream(deflated)) {
      out.write(body);
    }

    Raw gzip = post("/v2/models/pump/infer", gzipped.toByteArray(), header.length(), "gzip");
    Raw deflate = post("/v2/models/pump/infer", deflated.toByteArray(), header.length(), "deflate");

    assertThat(gzip.status()).as(gzip.text()).isEqualTo(200);
    assertThat(gzip.text()).isEqualTo(expected);
    assertThat(deflate.status()).as(deflate.text()).isEqualTo(200);
    assertThat(deflate.text()).isEqualTo(expected);
  }

  private record Raw(int status, byte[] body, HttpHeaders headers) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String error() {
      return Json.tree(body).path("error").asText();
    }
  }

  private Raw post(String path, byte[] body, int headerLength) {
    return post(path, body, headerLength, null);
  }

  /** Posts raw bytes; {@code headerLength} -1 leaves the binary header out. */
  private Raw post(String path, byte[] body, int headerLength, String encoding) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base().resolve(path))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (headerLength >= 0) {
      request.header(BinaryTensors.HEADER, Integer.toString(headerLength));
      request.header("Content-Type", BinaryTensors.CONTENT_TYPE);
    } else {
      request.header("Content-Type", "application/json");
    }
    if (encoding != null) {
      request.header("Content-Encoding", encoding);
    }
    try {
      HttpResponse<byte[]> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Raw(response.statusCode(), response.body(), response.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private URI base() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  private static Tensor tensor(String suffix, DataType type, Object data) {
    return new Tensor("x_" + suffix, type, new long[] {Array.getLength(data)}, data);
  }

  private static byte[] binaryBody(String header, byte[] binary) {
    return concat(header.getBytes(StandardCharsets.UTF_8), binary);
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }

  private static byte[] floats(float... values) {
    ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : values) {
      buffer.putFloat(value);
    }
    return buffer.array();
  }
}
