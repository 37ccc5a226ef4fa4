package dev.verge.core.api;

import java.util.List;

/**
 * What the hub wants a device to run. {@code revision} changes whenever the content does and is
 * also the HTTP ETag, so an unchanged poll costs a 304.
 *
 * @param models per model name at most one version: the one its unversioned paths serve (the
 *     winning deployment's)
 * @param sideBySide versions to serve beside those, on their versioned paths only ({@code
 *     /v2/models/pump/versions/4/infer}), from side-by-side deployments; never the same name and
 *     version as an entry of {@code models}. Agents that do not know this list ignore it.
 */
public record DesiredState(
    String revision, List<DesiredModel> models, List<DesiredModel> sideBySide) {
  public DesiredState {
    models = models == null ? List.of() : List.copyOf(models);
    sideBySide = sideBySide == null ? List.of() : List.copyOf(sideBySide);
  }

  /** A desired state without side-by-side versions. */
  public DesiredState(String revision, List<DesiredModel> models) {
    this(revision, models, List.of());
  }
}
