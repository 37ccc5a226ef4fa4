package dev.verge.agent.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verge.core.json.Json;
import java.time.Instant;
import java.util.Map;

/**
 * One rule that fired on one prediction: what actions are told.
 *
 * @param values each compared output element, as {@code output[1]}, with its value
 */
record Firing(
    Instant time,
    String pipeline,
    String rule,
    String model,
    long version,
    Reading reading,
    Map<String, Double> values) {

  /** The firing as JSON: what a webhook is sent and a command reads on its input. */
  ObjectNode json() {
    ObjectNode node = Json.mapper().createObjectNode();
    node.put("time", time.toString());
    node.put("pipeline", pipeline);
    node.put("rule", rule);
    node.put("model", model);
    node.put("version", version);
    node.set("details", details());
    return node;
  }

  /** The reading and the compared values, as an event's details. */
  JsonNode details() {
    ObjectNode details = Json.mapper().createObjectNode();
    details.put("reading", reading.origin());
    ObjectNode fields = details.putObject("fields");
    reading.fields().forEach((k, v) -> fields.putPOJO(k, v));
    ObjectNode outputs = details.putObject("outputs");
    values.forEach(outputs::put);
    return details;
  }
}
