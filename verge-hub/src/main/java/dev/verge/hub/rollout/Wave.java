package dev.verge.hub.rollout;

import dev.verge.core.api.DeploymentView.GateReading;
import dev.verge.core.api.DeploymentView.WavePhase;
import java.time.Instant;
import java.util.List;

/** One wave of a rollout as stored; its devices are the members with its index. */
record Wave(
    int index,
    String name,
    String target,
    WavePhase phase,
    Instant startedAt,
    Instant soakUntil,
    List<GateReading> gates) {
  Wave {
    gates = gates == null ? List.of() : List.copyOf(gates);
  }

  Wave with(WavePhase phase, Instant startedAt, Instant soakUntil, List<GateReading> gates) {
    return new Wave(index, name, target, phase, startedAt, soakUntil, gates);
  }
}
