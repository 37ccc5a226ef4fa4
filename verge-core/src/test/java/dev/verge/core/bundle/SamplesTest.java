package dev.verge.core.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplesTest {
  private static Samples parse(String json) {
    return Samples.parse(json.getBytes(StandardCharsets.UTF_8), "samples.json");
  }

  private static BundleException refusal(String json) {
    try {
      parse(json);
    } catch (BundleException e) {
      assertThat(e.problem()).isEqualTo(BundleProblem.INVALID_SAMPLES);
      return e;
    }
    throw new AssertionError("accepted " + json);
  }

  @Test
  void reads_oip_tensors_as_inputs_and_expected_outputs() {
    Samples samples =
        parse(
            """
            {"tolerance": {"absolute": 0.01},
             "samples": [
               {"id": "ramp",
                "inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 3], "data": [[1, 2, 3]]},
                           {"name": "sr", "datatype": "INT64", "shape": [], "data": [16000]}],
                "outputs": [{"name": "y", "datatype": "FP32", "shape": [1], "data": [2.0]}]},
               {"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 1], "data": [0]},
                           {"name": "sr", "datatype": "INT64", "shape": [], "data": [8000]}],
                "tolerance": {"relative": 0.5}}]}
            """);

    assertThat(samples.samples()).hasSize(2);
    Sample ramp = samples.samples().getFirst();
    assertThat(ramp.id()).isEqualTo("ramp");
    assertThat(ramp.inputs())
        .containsExactly(
            new Tensor("x", DataType.FP32, new long[] {1, 3}, new float[] {1, 2, 3}),
            new Tensor("sr", DataType.INT64, new long[] {}, new long[] {16000}));
    assertThat(ramp.outputs())
        .containsExactly(new Tensor("y", DataType.FP32, new long[] {1}, new float[] {2}));
    assertThat(ramp.tolerance()).isEqualTo(new Tolerance(0.01, Tolerance.DEFAULT.relative()));
    Sample second = samples.samples().get(1);
    assertThat(second.id()).as("numbered when unnamed").isEqualTo("#2");
    assertThat(second.outputs()).as("outputs are optional: the sample must only run").isEmpty();
    assertThat(second.tolerance()).isEqualTo(new Tolerance(0.01, 0.5));
  }

  @Test
  void refuses_a_misspelt_field_rather_than_checking_nothing() {
    assertThat(
            refusal(
                    """
                {"samples": [{"id": "a",
                  "inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": [1]}],
                  "output": [{"name": "y", "datatype": "FP32", "shape": [1], "data": [1]}]}]}
                """)
                .getMessage())
        .isEqualTo(
            "samples.json, sample 1 has unknown field \"output\" (known: [id, inputs, outputs,"
                + " tolerance])");
  }

  @Test
  void names_the_sample_and_tensor_whose_data_is_wrong() {
    assertThat(
            refusal(
                    """
                {"samples": [{"id": "speech",
                  "inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": [1]}],
                  "outputs": [{"name": "y", "datatype": "FP32", "shape": [2], "data": [1]}]}]}
                """)
                .getMessage())
        .isEqualTo(
            "samples.json, sample 'speech', outputs: output 'y': shape [2] needs 2 elements, data"
                + " has 1");
    assertThat(
            refusal(
                    """
                {"samples": [{"inputs": [{"name": "x", "datatype": "FP33", "shape": [1],
                  "data": [1]}]}]}
                """)
                .getMessage())
        .startsWith("samples.json, sample '#1', inputs: input 'x'")
        .contains("FP33");
  }

  @Test
  void refuses_files_that_are_not_a_list_of_samples() {
    assertThat(refusal("[]").getMessage()).contains("not a JSON object");
    assertThat(refusal("{\"samples\": []}").getMessage()).contains("an empty one");
    assertThat(refusal("{\"samples\": [{\"id\": \"a\"}]}").getMessage())
        .isEqualTo("samples.json, sample 'a' has no \"inputs\"");
    assertThat(refusal("{\"samples\"").getMessage()).startsWith("samples.json is ");
    assertThat(
            refusal(
                    """
                {"samples": [{"id": "a", "inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
                  "data": [1]}]},
                  {"id": "a", "inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
                  "data": [1]}]}]}
                """)
                .getMessage())
        .isEqualTo("samples.json has two samples with id 'a'");
  }

  @Test
  void refuses_a_negative_tolerance() {
    assertThat(
            refusal(
                    """
                {"tolerance": {"absolute": -1},
                 "samples": [{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
                  "data": [1]}]}]}
                """)
                .getMessage())
        .startsWith("samples.json: tolerance must be finite and not negative");
  }

  @Test
  void refuses_more_samples_than_an_install_should_run() {
    String one =
        "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1], \"data\": [1]}]}";
    String many =
        "{\"samples\": [" + String.join(",", java.util.Collections.nCopies(33, one)) + "]}";

    assertThat(refusal(many).getMessage())
        .isEqualTo("samples.json holds 33 samples, more than the 32 allowed");
  }

  @Test
  void a_sample_matches_outputs_within_tolerance() {
    Sample sample =
        new Sample(
            "s",
            List.of(),
            List.of(new Tensor("y", DataType.FP32, new long[] {3}, new float[] {1, Float.NaN, 0})),
            new Tolerance(0.1, 0));

    assertThat(
            sample.mismatch(
                List.of(
                    new Tensor("other", DataType.INT64, new long[] {1}, new long[] {7}),
                    new Tensor(
                        "y",
                        DataType.FP32,
                        new long[] {3},
                        new float[] {1.05f, Float.NaN, -0.05f}))))
        .isEmpty();
  }

  @Test
  void a_mismatch_names_the_output_the_element_and_the_tolerance() {
    Sample sample =
        new Sample(
            "ramp",
            List.of(),
            List.of(new Tensor("y", DataType.FP32, new long[] {3}, new float[] {1, 2, 3})),
            new Tolerance(0.001, 0));

    assertThat(
            sample.mismatch(
                List.of(new Tensor("y", DataType.FP32, new long[] {3}, new float[] {1, 2.5f, 3}))))
        .contains(
            "sample 'ramp', output 'y' differs at 1 of 3 elements; element 1 is 2.5, expected 2.0"
                + " (largest difference 0.5, tolerance absolute 0.001 + relative 0.0)");
    assertThat(
            sample.mismatch(
                List.of(new Tensor("y", DataType.FP32, new long[] {1, 3}, new float[] {1, 2, 3}))))
        .contains("sample 'ramp', output 'y' has shape [1, 3], expected [3]");
    assertThat(
            sample.mismatch(
                List.of(new Tensor("y", DataType.FP64, new long[] {3}, new double[] {1, 2, 3}))))
        .contains("sample 'ramp', output 'y' is FP64, expected FP32");
    assertThat(sample.mismatch(List.of()))
        .contains("sample 'ramp', output 'y': the model answered no such output (it answered [])");
  }

  @Test
  void integer_and_text_outputs_compare_exactly() {
    Sample labels =
        new Sample(
            "labels",
            List.of(),
            List.of(
                new Tensor("u", DataType.UINT8, new long[] {2}, new byte[] {1, (byte) 200}),
                new Tensor("s", DataType.BYTES, new long[] {1}, new String[] {"on"})),
            new Tolerance(10, 10));

    assertThat(
            labels.mismatch(
                List.of(
                    new Tensor("u", DataType.UINT8, new long[] {2}, new byte[] {1, (byte) 201}),
                    new Tensor("s", DataType.BYTES, new long[] {1}, new String[] {"on"}))))
        .contains(
            "sample 'labels', output 'u' differs at 1 of 2 elements; element 1 is 201,"
                + " expected 200");
    assertThat(
            labels.mismatch(
                List.of(
                    new Tensor("u", DataType.UINT8, new long[] {2}, new byte[] {1, (byte) 200}),
                    new Tensor("s", DataType.BYTES, new long[] {1}, new String[] {"off"}))))
        .contains(
            "sample 'labels', output 's' differs at 1 of 1 elements; element 0 is \"off\","
                + " expected \"on\"");
  }
}
