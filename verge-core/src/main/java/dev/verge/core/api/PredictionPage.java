package dev.verge.core.api;

import java.util.List;

/**
 * One page of a model version's predictions, oldest first ({@code GET
 * /api/v1/models/{name}/versions/{version}/predictions}): each with the device that made it, and
 * {@code next}, the cursor of the page after, null when this is the last.
 */
public record PredictionPage(List<Item> predictions, String next) {
  public PredictionPage {
    predictions = List.copyOf(predictions);
  }

  /** A stored prediction and its device. */
  public record Item(String deviceId, PredictionRecord record) {}
}
