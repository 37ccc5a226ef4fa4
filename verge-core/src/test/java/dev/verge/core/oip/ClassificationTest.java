package dev.verge.core.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassificationTest {
  @Test
  void keeps_the_highest_classes_of_each_row_highest_first_ties_to_the_lower_index() {
    Tensor scores =
        new Tensor(
            "probabilities",
            DataType.FP32,
            new long[] {2, 4},
            new float[] {0.1f, 0.6f, 0.2f, 0.1f, 0.3f, 0.3f, 0.4f, 0.0f});

    Tensor top = Classification.top(scores, 2);

    assertThat(top.datatype()).isEqualTo(DataType.BYTES);
    assertThat(top.shape()).containsExactly(2, 2);
    assertThat((String[]) top.data()).containsExactly("0.6:1", "0.2:2", "0.4:2", "0.3:0");
  }

  @Test
  void gives_every_class_when_more_are_asked_than_there_are() {
    Tensor scores = new Tensor("s", DataType.INT64, new long[] {3}, new long[] {5, 9, 7});

    Tensor top = Classification.top(scores, 10);

    assertThat(top.shape()).containsExactly(3);
    assertThat((String[]) top.data()).containsExactly("9:1", "7:2", "5:0");
  }

  @Test
  void reads_both_parameter_names_and_refuses_a_count_that_is_not_a_whole_number() {
    List<InferRequest.RequestedOutput> outputs =
        List.of(
            new InferRequest.RequestedOutput("a", Map.of("classification", 3)),
            new InferRequest.RequestedOutput("b", Map.of("class_count", 1)),
            new InferRequest.RequestedOutput("c", Map.of("binary_data", true)));

    assertThat(Classification.requested(outputs))
        .containsExactly(Map.entry("a", 3), Map.entry("b", 1));
    assertThatThrownBy(
            () ->
                Classification.requested(
                    List.of(new InferRequest.RequestedOutput("a", Map.of("classification", 0.5)))))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("output 'a'")
        .hasMessageContaining("whole number");
    assertThatThrownBy(
            () ->
                Classification.requested(
                    List.of(new InferRequest.RequestedOutput("a", Map.of("classification", "2")))))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void refuses_text_outputs_and_scalars() {
    assertThatThrownBy(
            () ->
                Classification.top(
                    new Tensor("t", DataType.BYTES, new long[] {1}, new String[] {"x"}), 1))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("only numeric outputs");
    assertThatThrownBy(
            () ->
                Classification.top(
                    new Tensor("t", DataType.FP32, new long[] {}, new float[] {1}), 1))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("scalar");
  }
}
