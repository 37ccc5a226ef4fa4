package dev.verge.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verge.agent.serving.InferResult;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.grpc.proto.InferTensorContents;
import dev.verge.grpc.proto.ModelInferRequest;
import dev.verge.grpc.proto.ModelInferResponse;
import dev.verge.runtime.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same model on the same input answers the same FP32 bits through every door: in process, REST
 * with JSON and with binary tensors, gRPC with raw and with typed contents.
 */
class DoorParityTest {
  private static final int BATCH = 64;
  private static final ObjectMapper EXACT =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  @TempDir Path dir;

  private Served served;
  private HttpClient http;
  private float[] input;

  @BeforeEach
  void start() {
    served = new Served(dir);
    served.serve("pump", 3, TestModels.logistic(0.3f));
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    // Multiples of 1/64 in [-8, 8): exact in JSON text, so every door sees the same input bits,
    // and the outputs (softmax of sums) are far from round numbers.
    Random random = new Random(8);
    input = new float[BATCH * 2];
    for (int i = 0; i < input.length; i++) {
      input[i] = (random.nextInt(1024) - 512) / 64f;
    }
  }

  @AfterEach
  void stop() throws InterruptedException {
    http.close();
    served.close();
  }

  @Test
  void every_door_answers_the_same_fp32_bits() throws Exception {
    float[] local = inProcess();

    assertThat(local).hasSize(BATCH * 2);
    assertThat(bits(restJson())).isEqualTo(bits(local));
    assertThat(bits(restBinary())).isEqualTo(bits(local));
    assertThat(bits(grpcRaw())).isEqualTo(bits(local));
    assertThat(bits(grpcTyped())).isEqualTo(bits(local));
    // Not a trivially constant answer: the probabilities spread.
    assertThat(Arrays.stream(bits(local)).distinct().count()).isGreaterThan(BATCH / 2);
  }

  private float[] inProcess() {
    InferResult result =
        served
            .local()
            .model("pump")
            .infer(new Tensor("input", DataType.FP32, new long[] {BATCH, 2}, input.clone()));
    return (float[]) result.outputs().getFirst().data();
  }

  private float[] restJson() throws Exception {
    StringBuilder data = new StringBuilder();
    for (float value : input) {
      data.append(data.isEmpty() ? "" : ",").append(value);
    }
    String body =
        "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":["
            + BATCH
            + ",2],\"data\":["
            + data
            + "]}]}";
    HttpResponse<byte[]> response =
        http.send(
            post("application/json", body.getBytes(StandardCharsets.UTF_8)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode())
        .as(new String(response.body(), StandardCharsets.UTF_8))
        .isEqualTo(200);
    JsonNode values = EXACT.readTree(response.body()).path("outputs").get(0).path("data");
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      // Parsed once from the decimal text, never through a double.
      out[i] = Float.parseFloat(values.get(i).decimalValue().toString());
    }
    return out;
  }

  private float[] restBinary() throws Exception {
    byte[] header =
        ("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":["
                + BATCH
                + ",2],\"parameters\":{\"binary_data_size\":"
                + input.length * 4
                + "}}],\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] tensor = GrpcConformanceTest.raw(input).toByteArray();
    byte[] body = Arrays.copyOf(header, header.length + tensor.length);
    System.arraycopy(tensor, 0, body, header.length, tensor.length);
    HttpResponse<byte[]> response =
        http.send(
            post("application/octet-stream", body)
                .header("Inference-Header-Content-Length", Integer.toString(header.length))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    int json =
        Integer.parseInt(
            response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    ByteBuffer rest =
        ByteBuffer.wrap(response.body(), json, response.body().length - json)
            .order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[rest.remaining() / 4];
    rest.asFloatBuffer().get(out);
    return out;
  }

  private float[] grpcRaw() {
    ModelInferResponse response =
        served
            .stub()
            .modelInfer(
                GrpcConformanceTest.request()
                    .addInputs(GrpcConformanceTest.input("input", "FP32", BATCH, 2))
                    .addRawInputContents(GrpcConformanceTest.raw(input))
                    .build());
    return GrpcConformanceTest.floats(response.getRawOutputContents(0));
  }

  private float[] grpcTyped() {
    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
    for (float value : input) {
      contents.addFp32Contents(value);
    }
    ModelInferRequest request =
        GrpcConformanceTest.request()
            .addInputs(GrpcConformanceTest.input("input", "FP32", BATCH, 2).setContents(contents))
            .build();
    ModelInferResponse response = served.stub().modelInfer(request);
    float[] out = new float[response.getOutputs(0).getContents().getFp32ContentsCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = response.getOutputs(0).getContents().getFp32Contents(i);
    }
    return out;
  }

  private HttpRequest.Builder post(String type, byte[] body) {
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + served.rest.port() + "/v2/models/pump/infer"))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }
}
