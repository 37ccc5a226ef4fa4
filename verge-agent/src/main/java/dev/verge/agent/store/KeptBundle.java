package dev.verge.agent.store;

import java.time.Instant;

/**
 * A kept bundle with what bundle garbage collection orders by.
 *
 * @param committedAt when its version last became the model's committed one; null when never
 */
public record KeptBundle(InstalledBundle bundle, Instant installedAt, Instant committedAt) {}
