package dev.verge.hub.rollout;

import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * Where rollouts are kept. Each method is one transaction; instants are kept to the millisecond.
 * Changes are compare-and-set on {@link Rollout#revision}, so of two writers that read the same
 * revision only the first succeeds.
 */
interface RolloutStore {

  /**
   * Adds a rollout in {@link RolloutPhase#PENDING}, its waves and members, in one transaction.
   *
   * @param layout given the new id, the waves and members (members are chosen by a hash of it)
   */
  Rollout add(NewRollout rollout, Instant createdAt, LongFunction<Layout> layout);

  Optional<Rollout> rollout(long id);

  /** Every rollout, newest first. */
  List<Rollout> rollouts();

  /** The ids of rollouts not in a terminal phase, oldest first. */
  List<Long> live();

  List<Wave> waves(long id);

  /** In wave order, then by device id. */
  List<Member> members(long id);

  List<Transition> transitions(long id);

  /** The device's released memberships with their rollouts: its desired-state candidates. */
  List<Assignment> assignments(String deviceId);

  /** Ids of the rollouts the device is a member of. */
  List<Long> memberships(String deviceId);

  /** Ids of the rollouts any of the devices is a member of: one query a few hundred devices. */
  Set<Long> memberships(Collection<String> deviceIds);

  /**
   * Rollouts a device that starts to match may still join: not rolling back, rolled back or
   * aborted.
   */
  List<Rollout> joinable();

  /**
   * Adds the device to the rollout's last wave unless it is a member already.
   *
   * @return true when it was added
   */
  boolean join(long id, String deviceId, Instant now);

  /**
   * Writes a step's outcome if the rollout is still at {@code change.before().revision()}.
   *
   * @return false, writing nothing, when another writer changed the rollout first
   */
  boolean apply(Change change);

  /**
   * Takes or renews the engine's lease on a rollout: true when {@code owner} holds it until {@code
   * until}, false when another owner holds an unexpired one at {@code now}.
   */
  boolean lease(long id, String owner, Instant now, Instant until);

  /** How many rollouts are in each phase. */
  Map<RolloutPhase, Integer> countByPhase();

  /** How many devices are in each state, summed over rollouts. */
  Map<RolloutState, Integer> countByDeviceState();

  /**
   * The released memberships of every rollout of the model but {@code except}, for layering: what
   * may override that rollout's members.
   */
  List<Assignment> assignmentsOfModel(String model, long except);

  /** What a new rollout starts with. */
  record Layout(List<Wave> waves, List<Member> members) {}

  /**
   * The outcome of one step: the rollout after it (same revision as read; the store bumps it), and
   * the waves and members that changed, the transitions it made.
   */
  record Change(
      Rollout before,
      Rollout after,
      List<Wave> waves,
      List<Member> members,
      List<Transition> transitions) {
    public Change {
      waves = List.copyOf(waves);
      members = List.copyOf(members);
      transitions = List.copyOf(transitions);
    }

    boolean empty() {
      return before.equals(after) && waves.isEmpty() && members.isEmpty() && transitions.isEmpty();
    }
  }
}
