package dev.verge.core.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.ApiError;
import dev.verge.core.json.Json;
import dev.verge.core.json.JsonFormatException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The protocol's JSON as clients and servers put it on the wire. */
class OipJsonTest {
  private static final String REQUEST =
      """
      {
        "id": "req-42",
        "parameters": {"sequence_id": 7},
        "inputs": [
          {
            "name": "input",
            "shape": [2, 3],
            "datatype": "FP32",
            "data": [[0.5, 1, 1.5], [2, 2.5, 3]]
          },
          {
            "name": "site",
            "shape": [1],
            "datatype": "BYTES",
            "parameters": {"content_type": "str"},
            "data": ["plant-7"]
          },
          {
            "name": "pixels",
            "shape": [2, 2],
            "datatype": "UINT8",
            "data": [0, 64, 128, 255]
          }
        ],
        "outputs": [{"name": "output"}]
      }
      """;

  @Test
  void client_request_reads_and_decodes() {
    InferRequest request = Json.read(REQUEST.getBytes(StandardCharsets.UTF_8), InferRequest.class);

    assertThat(request.id()).isEqualTo("req-42");
    assertThat(request.parameters()).containsEntry("sequence_id", 7);
    assertThat(request.outputs())
        .extracting(InferRequest.RequestedOutput::name)
        .containsExactly("output");
    assertThat(request.inputs()).hasSize(3);

    List<Tensor> tensors = request.inputs().stream().map(TensorCodec::decode).toList();

    assertThat(tensors.get(0))
        .isEqualTo(
            new Tensor(
                "input",
                DataType.FP32,
                new long[] {2, 3},
                new float[] {0.5f, 1f, 1.5f, 2f, 2.5f, 3f}));
    assertThat(tensors.get(1))
        .isEqualTo(new Tensor("site", DataType.BYTES, new long[] {1}, new String[] {"plant-7"}));
    assertThat(request.inputs().get(1).parameters()).containsEntry("content_type", "str");
    assertThat((byte[]) tensors.get(2).data()).containsExactly(0, 64, (byte) 128, (byte) 255);
  }

  @Test
  void request_without_outputs_asks_for_all_of_them() {
    InferRequest request =
        Json.read(
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT64\",\"data\":[5]}]}"
                .getBytes(StandardCharsets.UTF_8),
            InferRequest.class);

    assertThat(request.outputs()).isNull();
    assertThat(request.id()).isNull();
    assertThat((long[]) TensorCodec.decode(request.inputs().get(0)).data()).containsExactly(5L);
  }

  @Test
  void request_with_a_string_shape_is_malformed_json_with_location() {
    byte[] body =
        "{\"inputs\": [\n {\"name\": \"x\", \"shape\": \"2x3\", \"datatype\": \"FP32\", \"data\": []}]}"
            .getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> Json.read(body, InferRequest.class))
        .isInstanceOf(JsonFormatException.class)
        .hasMessageContaining("at line 2");
  }

  @Test
  void response_uses_snake_case_model_name_and_version() {
    Tensor scores =
        new Tensor("output", DataType.FP32, new long[] {1, 2}, new float[] {0.25f, 0.75f});
    InferResponse response =
        new InferResponse("pump-anomaly", "3", "req-42", null, List.of(TensorCodec.encode(scores)));

    JsonNode json = Json.tree(Json.write(response));

    assertThat(json.get("model_name").asText()).isEqualTo("pump-anomaly");
    assertThat(json.get("model_version").asText()).isEqualTo("3");
    assertThat(json.has("modelName")).isFalse();
    assertThat(json.has("modelVersion")).isFalse();
    assertThat(json.has("parameters")).isFalse();
    assertThat(json.get("id").asText()).isEqualTo("req-42");
    JsonNode output = json.get("outputs").get(0);
    assertThat(output.get("name").asText()).isEqualTo("output");
    assertThat(output.get("datatype").asText()).isEqualTo("FP32");
    assertThat(output.get("shape").toString()).isEqualTo("[1,2]");
    assertThat(output.get("data").toString()).isEqualTo("[0.25,0.75]");
  }

  @Test
  void response_reads_back_from_its_json() {
    InferResponse response =
        Json.read(
            "{\"model_name\":\"pump\",\"model_version\":\"2\",\"outputs\":[]}".getBytes(),
            InferResponse.class);

    assertThat(response.modelName()).isEqualTo("pump");
    assertThat(response.modelVersion()).isEqualTo("2");
  }

  @Test
  void error_body_has_the_protocol_shape_plus_a_code() {
    assertThat(Json.writeString(new ApiError("input 'x' has no data", "BAD_REQUEST")))
        .isEqualTo("{\"error\":\"input 'x' has no data\",\"code\":\"BAD_REQUEST\"}");
  }
}
