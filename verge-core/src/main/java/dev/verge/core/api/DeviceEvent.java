package dev.verge.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * Something a device's pipeline raised for the operator, such as a rule that fired on a prediction.
 *
 * @param sequence the device's local, increasing event number; with the device id it names the
 *     event, so one sent twice is stored once
 * @param time when the device raised it
 * @param pipeline the pipeline that raised it
 * @param rule the rule that fired (its name, or its condition)
 * @param severity {@code info}, {@code warning} or {@code critical}
 * @param message the text the rule was configured with; may be null
 * @param model the model whose prediction fired it
 * @param version that model's version
 * @param details what fired it, as JSON: the reading and the compared output values
 */
public record DeviceEvent(
    long sequence,
    Instant time,
    String pipeline,
    String rule,
    String severity,
    String message,
    String model,
    long version,
    JsonNode details) {}
