package dev.verge.agent.sync;

import dev.verge.core.api.DesiredState;

/** What a poll for the desired state found. */
public sealed interface DesiredPoll {

  /** The state is still the one named by the ETag sent ({@code 304}). */
  record Unchanged() implements DesiredPoll {}

  /** A state the agent has not seen, and the ETag that names it for the next poll. */
  record Changed(DesiredState state, String etag) implements DesiredPoll {}
}
