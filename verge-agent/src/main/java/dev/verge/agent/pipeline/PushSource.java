package dev.verge.agent.pipeline;

import java.util.List;
import java.util.Map;

/**
 * {@link Source.Push}: the readings pushed to this pipeline, oldest first, from its store. {@link
 * MqttSource} reads the readings it received through it too.
 */
final class PushSource implements SourceReader {
  private final String pipeline;
  private final PipelineStore store;
  private final String origin;

  PushSource(String pipeline, PipelineStore store) {
    this(pipeline, store, "push");
  }

  /** Readings are named {@code <origin> #<sequence>}. */
  PushSource(String pipeline, PipelineStore store, String origin) {
    this.pipeline = pipeline;
    this.store = store;
    this.origin = origin;
  }

  @Override
  public Batch read(int max) {
    List<PipelineStore.Pushed> pushed = store.pushed(pipeline, max);
    if (pushed.isEmpty()) {
      return Batch.of(List.of());
    }
    List<Reading> readings =
        pushed.stream()
            .map(p -> new Reading(origin + " #" + p.sequence(), numbers(p.fields())))
            .toList();
    long last = pushed.getLast().sequence();
    return new Batch(
        readings, List.of(), () -> store.forgetPushed(pipeline, last), pushed.size() == max);
  }

  /** JSON numbers come back as Integer, Long or Double: the reading holds them as Double. */
  private static Map<String, Object> numbers(Map<String, Object> fields) {
    Map<String, Object> values = new java.util.LinkedHashMap<>();
    fields.forEach((k, v) -> values.put(k, v instanceof Number n ? (Object) n.doubleValue() : v));
    return values;
  }
}
