package dev.verge.agent.pipeline;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One declarative pipeline of the agent's configuration: where readings come from, when, how they
 * become the model's input, the model, and the rules on its outputs that fire actions. Checked when
 * made: a bad value throws {@link IllegalArgumentException} whose message names the key.
 *
 * @param name the pipeline's name, unique in the agent (letters, digits, '.', '_', '-')
 * @param source where each cycle's readings come from
 * @param schedule when a cycle runs
 * @param model the served model each reading runs on (its active version)
 * @param input how a reading's fields become the model's input tensor
 * @param rules conditions on the outputs, each with the actions it fires; may be empty
 */
public record PipelineSpec(
    String name,
    Source source,
    Schedule schedule,
    String model,
    InputMapping input,
    List<Rule> rules) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** Readings one cycle takes from its source at most; the rest wait for the next cycle. */
  public static final int MAX_READINGS_PER_CYCLE = 10_000;

  public PipelineSpec {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "pipeline name '"
              + name
              + "' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    require(source != null, "source", "is required");
    require(schedule != null, "schedule", "is required");
    require(model != null && !model.isBlank(), "model", "is required (the served model's name)");
    require(input != null, "input", "is required");
    rules = rules == null ? List.of() : List.copyOf(rules);
  }

  private static void require(boolean ok, String key, String problem) {
    if (!ok) {
      throw new IllegalArgumentException(key + " " + problem);
    }
  }
}
