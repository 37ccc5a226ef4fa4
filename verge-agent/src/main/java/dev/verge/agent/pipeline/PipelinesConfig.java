package dev.verge.agent.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The agent's pipelines and how the agent lives around them.
 *
 * @param specs the declarative pipelines (none by default)
 * @param sleepBetweenCycles when true the agent runs as a far-edge box does: its periodic loops
 *     (sync, forwarding, window and health checks) do not run on their own timers; after each
 *     pipeline cycle one link pass syncs and forwards, then every agent thread waits for the next
 *     cycle. Needs at least one pipeline, or the agent would never reach the hub.
 * @param linkTimeout the most one link pass may take; an offline or slow link costs at most this
 *     per cycle and loses nothing (what was not sent waits in the store for the next pass)
 */
public record PipelinesConfig(
    List<PipelineSpec> specs, boolean sleepBetweenCycles, Duration linkTimeout) {
  public static final Duration DEFAULT_LINK_TIMEOUT = Duration.ofSeconds(30);

  /** Below this a pass could not even poll a hub across a slow link. */
  public static final Duration MIN_LINK_TIMEOUT = Duration.ofSeconds(1);

  public static final Duration MAX_LINK_TIMEOUT = Duration.ofHours(1);

  public PipelinesConfig {
    specs = specs == null ? List.of() : List.copyOf(specs);
    Objects.requireNonNull(linkTimeout, "linkTimeout");
    if (linkTimeout.compareTo(MIN_LINK_TIMEOUT) < 0
        || linkTimeout.compareTo(MAX_LINK_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "link-timeout must be 1s to 1h, got " + linkTimeout.toMillis() + "ms");
    }
  }

  /** {@code specs}, with the agent's loops on their own timers (the default). */
  public static PipelinesConfig of(List<PipelineSpec> specs) {
    return new PipelinesConfig(specs, false, DEFAULT_LINK_TIMEOUT);
  }

  /** These pipelines, with the agent asleep between their cycles and passes of {@code limit}. */
  public PipelinesConfig sleeping(Duration limit) {
    return new PipelinesConfig(specs, true, limit);
  }
}
