package dev.verge.bench.servers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;

/** What every candidate does per request: the same tiny GET and a JSON POST read into a tree. */
final class Work {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final byte[] READY = "{\"ready\":true}".getBytes();

  private Work() {}

  /** Reads an infer-shaped body and answers a small JSON document about it. */
  static byte[] infer(InputStream body) throws IOException {
    JsonNode tree = MAPPER.readTree(body.readNBytes(1 << 20));
    JsonNode data = tree.path("inputs").path(0).path("data");
    double sum = 0;
    for (JsonNode value : data) {
      sum += value.asDouble();
    }
    return MAPPER.writeValueAsBytes(
        MAPPER.createObjectNode().put("model_name", "m").put("sum", sum));
  }

  static void started(String name, long startNanos) {
    System.out.println(
        name + " started in " + (System.nanoTime() - startNanos) / 1_000_000 + " ms, pid "
            + ProcessHandle.current().pid());
  }
}
