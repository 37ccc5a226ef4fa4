package dev.verge.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultsTest {
  private static final BenchModel MNIST = BenchModels.mnist();
  private static final List<Results.Column> COLUMNS =
      List.of(
          new Results.Column("ort", "ONNX Runtime in-process (Java)"),
          new Results.Column("agent-http", "agent over HTTP"),
          new Results.Column("node", "onnxruntime-node over HTTP"));

  private static Results.Row row(
      Tensors tensors, Measurement ort, Measurement agent, Measurement node) {
    Map<String, Measurement> figures = new LinkedHashMap<>();
    figures.put("ort", ort);
    figures.put("agent-http", agent);
    if (node != null) {
      figures.put("node", node);
    }
    return new Results.Row(new Case(MNIST, 64, 1, tensors), figures);
  }

  @Test
  void a_row_shows_inferences_per_second_latencies_and_the_ratios() {
    Measurement ort = new Measurement(1_000, 2.0, 4.25, 9.0, 0);
    Measurement agent = new Measurement(400, 2.0, 300, 1_500, 0);
    Measurement node = new Measurement(200, 2.0, 95, 210, 0);
    String md =
        new Results(
                List.of("note"), COLUMNS, List.of(row(Tensors.BINARY, ort, agent, node)), List.of())
            .markdown();

    assertThat(md)
        .startsWith("note\n")
        .contains(
            "| model | batch | connections | tensors | ONNX Runtime in-process (Java) | agent over HTTP"
                + " | onnxruntime-node over HTTP | agent HTTP ÷ ORT | agent HTTP ÷ node |")
        // 1,000 requests in 2 s at batch 64: 32,000 inferences/s.
        .contains(
            "| MNIST CNN (1.7 MB) | 64 | 1 | binary | 32,000; 4.3 µs / 9.0 µs | 12,800; 300 µs / 1.5 ms"
                + " | 6,400; 95 µs / 210 µs | 0.40× | 2.00× |");
  }

  @Test
  void a_missing_contender_reads_as_a_dash_and_failures_are_shown() {
    Measurement ort = new Measurement(1_000, 1.0, 4, 9, 0);
    Measurement failing = new Measurement(100, 1.0, 300, 400, 3);
    String md =
        new Results(List.of(), COLUMNS, List.of(row(Tensors.JSON, ort, failing, null)), List.of())
            .markdown();

    assertThat(md).contains("| 6,400; 300 µs / 400 µs (3 failed) | — | 0.10× | — |");
  }

  @Test
  void a_cell_without_answers_says_so_and_has_no_ratio_and_few_answers_are_counted() {
    Measurement ort = new Measurement(12, 3.0, 250_000, 300_000, 0);
    Measurement none = new Measurement(0, 3.0, 0, 0, 0);
    String md =
        new Results(List.of(), COLUMNS, List.of(row(Tensors.BINARY, ort, none, none)), List.of())
            .markdown();

    assertThat(md)
        .contains(
            "| 256; 250.0 ms / 300.0 ms (12 answers) | none answered in 3 s | none answered in 3 s"
                + " | — | — |");
  }

  @Test
  void json_cost_per_float_is_the_p50_difference_over_the_input_floats() {
    Measurement ort = new Measurement(1_000, 1.0, 4, 9, 0);
    // 64 × 784 = 50,176 floats; 5,017.6 µs more with JSON: 100 ns a float.
    Measurement json = new Measurement(100, 1.0, 6_017.6, 7_000, 0);
    Measurement binary = new Measurement(500, 1.0, 1_000, 2_000, 0);
    String md =
        new Results(
                List.of(),
                COLUMNS,
                List.of(row(Tensors.JSON, ort, json, null), row(Tensors.BINARY, ort, binary, null)),
                List.of())
            .markdown();

    assertThat(md).contains("| MNIST CNN (1.7 MB) | 64 | 1 | 50,176 | 100 ns |");
  }

  @Test
  void memory_rows_show_mebibytes_and_a_dash_where_unknown() {
    String md =
        new Results(
                List.of(),
                COLUMNS,
                List.of(),
                List.of(
                    new Results.MemoryRow(
                        "agent over HTTP",
                        new Memory(143_360, 143_360),
                        new Memory(204_800, 262_144)),
                    new Results.MemoryRow("onnxruntime-node over HTTP", null, null)))
            .markdown();

    assertThat(md)
        .contains("| agent over HTTP | 140 MiB | 200 MiB | 256 MiB |")
        .contains("| onnxruntime-node over HTTP | — | — | — |");
  }

  @Test
  void the_ceiling_note_names_the_highest_infer_rate_over_http() {
    Measurement ort = new Measurement(90_000, 1.0, 4, 9, 0);
    Measurement agent = new Measurement(2_000, 1.0, 300, 400, 0);
    Measurement node = new Measurement(5_000, 1.0, 95, 200, 0);
    String note =
        ServeBench.ceilingNote(
            Map.of(
                "onnxruntime-node over HTTP, 1 connection",
                new Measurement(30_000, 1.0, 30, 50, 0)),
            List.of(row(Tensors.JSON, ort, agent, node)),
            List.of("agent-http", "node"));

    assertThat(note)
        .contains("onnxruntime-node over HTTP, 1 connection 30,000 requests/s (p50 30 µs)")
        .endsWith("The most requests/s of any infer cell over HTTP or gRPC: 5,000.");
  }
}
