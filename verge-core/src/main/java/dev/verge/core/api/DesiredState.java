package dev.verge.core.api;

import java.util.List;

/**
 * What the hub wants a device to run. {@code revision} changes whenever the content does and is
 * also the HTTP ETag, so an unchanged poll costs a 304.
 */
public record DesiredState(String revision, List<DesiredModel> models) {
  public DesiredState {
    models = models == null ? List.of() : List.copyOf(models);
  }
}
