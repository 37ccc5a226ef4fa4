package dev.verge.hub.rollout;

import dev.verge.core.api.RolloutPhase;
import java.time.Instant;

/** A recorded change of a rollout's phase. */
record Transition(Instant at, RolloutPhase from, RolloutPhase to, Integer wave, String reason) {}
