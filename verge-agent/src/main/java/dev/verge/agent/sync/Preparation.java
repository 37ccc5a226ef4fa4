package dev.verge.agent.sync;

import java.nio.file.Path;

/** What became of fetching and verifying a version ahead of its activation. */
sealed interface Preparation {
  /** The bundle is kept at {@code file}, checked; activating it re-checks it. */
  record Ready(Path file) implements Preparation {}

  /** A check refused it, or the download will be retried. */
  record Refused(Activation.Failed failure) implements Preparation {}
}
