package dev.verge.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HarnessTest {
  @Test
  void the_check_accepts_rounding_and_names_the_first_value_that_differs() {
    float[] reference = {0.25f, 0.75f};

    assertThat(OutputCheck.mismatch("node", reference, new float[] {0.250001f, 0.749999f}))
        .isEmpty();
    assertThat(OutputCheck.mismatch("node", reference, new float[] {0.25f, 0.76f}))
        .hasValueSatisfying(
            m -> assertThat(m).startsWith("node: output value 1 is 0.76, the reference 0.75"));
    assertThat(OutputCheck.mismatch("node", reference, new float[] {0.25f, Float.NaN})).isPresent();
    assertThat(OutputCheck.mismatch("agent-http", reference, new float[] {0.25f}))
        .hasValue("agent-http: 1 output values, the reference 2");
  }

  @Test
  void reads_the_figures_wrk_s_script_prints() throws IOException {
    String output =
        "Running 3s test @ http://127.0.0.1:1/v2/models/mnist/infer\n"
            + "verge-bench-wrk {\"requests\":9000,\"duration_us\":3000000,\"p50_us\":250,\"p99_us\":900,\"errors\":2}\n";

    Measurement m = Wrk.parse(output);

    assertThat(m.requestsPerSecond()).isEqualTo(3_000);
    assertThat(m.inferencesPerSecond(64)).isEqualTo(192_000);
    assertThat(m.p50Micros()).isEqualTo(250);
    assertThat(m.p99Micros()).isEqualTo(900);
    assertThat(m.errors()).isEqualTo(2);
    assertThatThrownBy(() -> Wrk.parse("unable to connect to 127.0.0.1:1 Connection refused"))
        .hasMessageContaining("wrk printed no figures: unable to connect");
  }

  @Test
  void wrk_s_script_sends_the_binary_body_from_its_file_with_the_header_length() {
    Body body = Body.of(BenchModels.tabular(), 1, Tensors.BINARY);

    String lua = Wrk.script(Path.of("dir with \"quote\"", "body.bin"), body);

    assertThat(lua)
        .contains("io.open(\"dir with \\\"quote\\\"/body.bin\", \"rb\")")
        .contains("wrk.headers[\"Content-Type\"] = \"application/octet-stream\"")
        .contains(
            "wrk.headers[\"Inference-Header-Content-Length\"] = \"" + body.jsonLength() + "\"")
        .contains("function done(summary, latency, requests)");
  }

  @Test
  void a_binary_body_is_its_json_header_then_the_little_endian_floats() {
    BenchModel model = BenchModels.tabular();
    Body body = Body.of(model, 3, Tensors.BINARY);

    String header = new String(body.bytes(), 0, body.jsonLength(), StandardCharsets.UTF_8);
    assertThat(header)
        .contains("\"shape\":[3,2]")
        .contains("\"binary_data_size\":24")
        .contains("\"binary_data_output\":true");
    float[] sent = new float[6];
    ByteBuffer.wrap(body.bytes(), body.jsonLength(), 24)
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(sent);
    assertThat(sent).containsExactly(model.input(3));
    assertThat(body.bytes()).hasSize(body.jsonLength() + 24);
  }

  @Test
  void a_json_body_carries_the_same_floats_exactly() throws IOException {
    BenchModel model = BenchModels.tabular();
    Body body = Body.of(model, 2, Tensors.JSON);

    assertThat(body.jsonLength()).isEqualTo(-1);
    // The request's inputs read back as an answer's outputs: the same JSON shape of data.
    String asAnswer =
        new String(body.bytes(), StandardCharsets.UTF_8).replace("\"inputs\"", "\"outputs\"");
    assertThat(Answers.parse(asAnswer.getBytes(StandardCharsets.UTF_8), -1, "test"))
        .containsExactly(model.input(2));
  }

  @Test
  void reads_a_binary_answer_s_output_section() throws IOException {
    byte[] json =
        "{\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data_size\":8}}]}"
            .getBytes(StandardCharsets.UTF_8);
    ByteBuffer answer = ByteBuffer.allocate(json.length + 8).order(ByteOrder.LITTLE_ENDIAN);
    answer.put(json).putFloat(0.5f).putFloat(2f);

    assertThat(Answers.parse(answer.array(), json.length, "test")).containsExactly(0.5f, 2f);
    assertThatThrownBy(() -> Answers.parse(json, json.length, "agent"))
        .hasMessageContaining("agent answered binary_data_size 8 without as many bytes");
  }

  @Test
  void inputs_are_the_same_on_every_call_and_differ_between_batches() {
    BenchModel model = BenchModels.mnist();

    assertThat(model.input(1)).hasSize(784).containsExactly(BenchModels.mnist().input(1));
    assertThat(model.input(64)).hasSize(64 * 784);
    assertThat(model.shape(64)).containsExactly(64, 1, 28, 28);
  }

  @Test
  void in_process_load_counts_calls_and_failures_and_orders_latencies() throws Exception {
    AtomicInteger calls = new AtomicInteger();

    Measurement m =
        InProcessLoad.run(
            2,
            Duration.ZERO,
            Duration.ofMillis(200),
            () -> {
              if (calls.incrementAndGet() % 10 == 0) {
                throw new IllegalStateException("every tenth fails");
              }
              return null;
            });

    assertThat(m.requests()).isPositive();
    assertThat(m.errors()).isPositive().isLessThan(m.requests());
    assertThat(m.p99Micros()).isGreaterThanOrEqualTo(m.p50Micros());
    assertThat(InProcessLoad.percentile(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 50))
        .isEqualTo(5);
    assertThat(InProcessLoad.percentile(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99))
        .isEqualTo(10);
    assertThat(InProcessLoad.percentile(new long[0], 99)).isZero();
  }

  @Test
  void in_process_load_fails_when_every_call_fails() {
    assertThatThrownBy(
            () ->
                InProcessLoad.run(
                    1,
                    Duration.ZERO,
                    Duration.ofMillis(50),
                    () -> {
                      throw new IOException("engine gone");
                    }))
        .hasMessage("every in-process call failed")
        .hasRootCauseMessage("engine gone");
  }

  @Test
  void reads_resident_and_peak_memory_from_proc_status() {
    assertThat(Memory.parse("Name:\tjava\nVmHWM:\t  262144 kB\nVmRSS:\t  143360 kB\n"))
        .isEqualTo(new Memory(143_360, 262_144));
    assertThat(Memory.parse("Name:\tkthreadd\n")).isNull();
  }
}
