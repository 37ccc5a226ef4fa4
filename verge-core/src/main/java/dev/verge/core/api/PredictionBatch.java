package dev.verge.core.api;

import java.util.List;

/** Records sent together under one {@code Idempotency-Key} header. */
public record PredictionBatch(List<PredictionRecord> records) {
  public PredictionBatch {
    records = records == null ? List.of() : List.copyOf(records);
  }
}
