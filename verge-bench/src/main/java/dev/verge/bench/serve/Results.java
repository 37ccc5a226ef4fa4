package dev.verge.bench.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one run measured, and its markdown: one row per case, one column per contender (cells
 * "inferences/s; p50 / p99"), the throughput ratios the floors are stated in, the JSON cost
 * per input float, and each server process's resident memory.
 */
record Results(List<String> notes, List<Column> columns, List<Row> rows, List<MemoryRow> memory) {
  /** A contender's key ({@code --contenders}) and heading. */
  record Column(String key, String heading) {}

  /** One case and what each contender measured in it; a contender absent from the map has "—". */
  record Row(Case c, Map<String, Measurement> figures) {}

  /** A server process's resident memory after start (models loaded) and after the load. */
  record MemoryRow(String server, Memory idle, Memory loaded) {}

  /** A throughput ratio the table shows when both columns are there: the comparisons. */
  record Ratio(String numerator, String denominator, String heading) {}

  static final List<Ratio> RATIOS =
      List.of(
          new Ratio("agent-local", "ort", "agent in-process ÷ ORT"),
          new Ratio("agent-http", "ort", "agent HTTP ÷ ORT"),
          new Ratio("agent-http", "node", "agent HTTP ÷ node"),
          new Ratio("agent-grpc", "ort", "agent gRPC ÷ ORT"),
          new Ratio("agent-grpc", "agent-http", "agent gRPC ÷ agent HTTP"));

  String markdown() {
    StringBuilder md = new StringBuilder();
    for (String note : notes) {
      md.append(note).append('\n');
    }
    md.append('\n');
    List<String> heading = new ArrayList<>(List.of("model", "batch", "connections", "tensors"));
    columns.forEach(c -> heading.add(c.heading()));
    List<Ratio> ratios = ratios();
    ratios.forEach(r -> heading.add(r.heading()));
    line(md, heading);
    line(md, heading.stream().map(h -> "---").toList());
    for (Row row : rows) {
      Case c = row.c();
      List<String> cells =
          new ArrayList<>(
              List.of(
                  c.model().label(),
                  Integer.toString(c.batch()),
                  Integer.toString(c.connections()),
                  c.tensors().label()));
      for (Column column : columns) {
        Measurement m = row.figures().get(column.key());
        cells.add(m == null ? "—" : cell(m, c.batch()));
      }
      for (Ratio ratio : ratios) {
        Measurement a = row.figures().get(ratio.numerator());
        Measurement b = row.figures().get(ratio.denominator());
        cells.add(
            a == null || b == null || a.requests() == 0 || b.requests() == 0
                ? "—"
                : String.format(
                    Locale.ROOT, "%.2f×", a.requestsPerSecond() / b.requestsPerSecond()));
      }
      line(md, cells);
    }
    md.append("\nCells: inferences/s (requests/s × batch); p50 / p99 latency of one request.");
    md.append(" Ratios: of inferences/s. In-process and gRPC (raw contents) contenders carry no");
    md.append(
        " JSON or binary encoding: measured once, shown on both rows. Cells with fewer than "
            + FEW
            + " answers say how many.\n");
    jsonCost().ifPresent(md::append);
    if (!memory.isEmpty()) {
      md.append(
          "\n| server process | resident after start (models loaded) | after the load | peak |\n");
      md.append("| --- | --- | --- | --- |\n");
      for (MemoryRow row : memory) {
        md.append("| ")
            .append(row.server())
            .append(" | ")
            .append(mib(row.idle() == null ? -1 : row.idle().residentKib()))
            .append(" | ")
            .append(mib(row.loaded() == null ? -1 : row.loaded().residentKib()))
            .append(" | ")
            .append(mib(row.loaded() == null ? -1 : row.loaded().peakKib()))
            .append(" |\n");
      }
    }
    return md.toString();
  }

  /**
   * What JSON costs the agent per input float, end to end: its p50 with JSON tensors minus its p50
   * with binary ones in the same case, over the request's input floats; at one connection (more add
   * queueing) and for inputs of 10,000 floats or more, where the difference is not noise.
   */
  private Optional<String> jsonCost() {
    StringBuilder md = new StringBuilder();
    for (Row json : rows) {
      Case c = json.c();
      long floats = (long) c.batch() * c.model().sampleSize();
      if (c.tensors() != Tensors.JSON || floats < 10_000 || c.connections() != 1) {
        continue;
      }
      for (Row binary : rows) {
        Case b = binary.c();
        if (b.tensors() == Tensors.BINARY
            && b.model() == c.model()
            && b.batch() == c.batch()
            && b.connections() == c.connections()) {
          Measurement mj = json.figures().get("agent-http");
          Measurement mb = binary.figures().get("agent-http");
          if (mj != null && mb != null && mj.requests() > 0 && mb.requests() > 0) {
            md.append(
                String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %,d | %,.0f ns |%n",
                    c.model().label(),
                    c.batch(),
                    c.connections(),
                    floats,
                    (mj.p50Micros() - mb.p50Micros()) * 1000 / floats));
          }
        }
      }
    }
    if (md.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "\nJSON tensors' cost per input float, the agent over HTTP (p50 with JSON − p50 with binary,"
            + " over the input floats):\n\n| model | batch | connections | input floats | per float |\n"
            + "| --- | --- | --- | --- | --- |\n"
            + md);
  }

  private List<Ratio> ratios() {
    return RATIOS.stream()
        .filter(r -> columns.stream().anyMatch(c -> c.key().equals(r.numerator())))
        .filter(r -> columns.stream().anyMatch(c -> c.key().equals(r.denominator())))
        .toList();
  }

  /** Fewer answers than this and a p99 says little: the cell shows how many there were. */
  static final long FEW = 20;

  static String cell(Measurement m, int batch) {
    if (m.requests() == 0) {
      return String.format(Locale.ROOT, "none answered in %.0f s", m.seconds())
          + (m.errors() == 0 ? "" : " (" + m.errors() + " failed)");
    }
    String cell =
        String.format(
            Locale.ROOT,
            "%,.0f; %s / %s",
            m.inferencesPerSecond(batch),
            latency(m.p50Micros()),
            latency(m.p99Micros()));
    if (m.requests() < FEW) {
      cell += " (" + m.requests() + " answers)";
    }
    return m.errors() == 0 ? cell : cell + " (" + m.errors() + " failed)";
  }

  static String latency(double micros) {
    if (micros < 10) {
      return String.format(Locale.ROOT, "%.1f µs", micros);
    }
    if (micros < 1_000) {
      return String.format(Locale.ROOT, "%.0f µs", micros);
    }
    return String.format(Locale.ROOT, "%.1f ms", micros / 1_000);
  }

  private static String mib(long kib) {
    return kib < 0 ? "—" : String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0);
  }

  private static void line(StringBuilder md, List<String> cells) {
    md.append("| ").append(String.join(" | ", cells)).append(" |\n");
  }
}
