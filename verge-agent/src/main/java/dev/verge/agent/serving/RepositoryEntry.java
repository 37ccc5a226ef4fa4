package dev.verge.agent.serving;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One model version in the answer of {@code POST /v2/repository/index}, as Triton lists them.
 *
 * @param state {@code READY} (serves), {@code LOADING} (the hub wants it; fetching or retrying) or
 *     {@code UNAVAILABLE} (kept or wanted, but does not serve; {@code reason} says why)
 * @param reason why it is not ready; absent when it is
 */
public record RepositoryEntry(
    String name,
    String version,
    String state,
    @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {
  public static final String READY = "READY";
  public static final String LOADING = "LOADING";
  public static final String UNAVAILABLE = "UNAVAILABLE";

  public static RepositoryEntry ready(String name, long version) {
    return new RepositoryEntry(name, Long.toString(version), READY, null);
  }
}
