package dev.verge.agent.pipeline;

import java.util.List;
import java.util.Map;

/** {@link Source.Push}: the readings pushed to this pipeline, oldest first, from its store. */
final class PushSource implements SourceReader {
  private final String pipeline;
  private final PipelineStore store;

  PushSource(String pipeline, PipelineStore store) {
    this.pipeline = pipeline;
    this.store = store;
  }

  @Override
  public Batch read(int max) {
    List<PipelineStore.Pushed> pushed = store.pushed(pipeline, max);
    if (pushed.isEmpty()) {
      return Batch.of(List.of());
    }
    List<Reading> readings =
        pushed.stream()
            .map(p -> new Reading("push #" + p.sequence(), numbers(p.fields())))
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
