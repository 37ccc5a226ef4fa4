package dev.verge.hub.rollout;

import dev.verge.core.api.LocalChange;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.PendingTarget;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import dev.verge.core.api.SideBySideVersion;
import dev.verge.core.api.SideBySideVersion.State;
import dev.verge.core.api.VersionStats;
import dev.verge.hub.device.Device;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** Where a device stands with a rollout, from what it last reported. */
final class DeviceStates {
  static final Duration DEFAULT_REPORT_DEADLINE = Duration.ofMinutes(15);

  private DeviceStates() {}

  /**
   * The member's state now.
   *
   * @param device the device, null when it is gone
   * @param winner whether this rollout gives the device the model (no other deployment wins)
   * @param overriddenBy why another deployment wins, when {@code winner} is false
   */
  static Member refresh(
      Rollout rollout,
      Member member,
      Device device,
      boolean winner,
      String overriddenBy,
      Instant now) {
    ModelReport report = report(device, rollout.model());
    Long active = report == null ? null : report.activeVersion();
    if (!member.released()) {
      String why =
          rollout.rolledBack() || rollout.phase() == RolloutPhase.ABORTED
              ? "never given the version: the rollout ended first"
              : member.reason() == null ? "wave not started" : member.reason();
      return member.inState(RolloutState.PENDING, why, active, now);
    }
    if (rollout.sideBySide()) {
      Member beside = sideBySide(rollout, member, report, active, now);
      if (!Gates.settled(beside.state()) && unreachable(rollout, member, device, now)) {
        return member.inState(RolloutState.UNREACHABLE, noContact(device, rollout), active, now);
      }
      return beside;
    }
    if (rollout.rolledBack()) {
      Member back = rolledBack(rollout, member, report, active, now);
      if (!Gates.settled(back.state()) && unreachable(rollout, member, device, now)) {
        // It cannot be sent back while out of contact; the rollback does not wait for it.
        return member.inState(RolloutState.UNREACHABLE, noContact(device, rollout), active, now);
      }
      return back;
    }
    if (!winner) {
      return member.inState(RolloutState.SUPERSEDED, overriddenBy, active, now);
    }
    if (active != null && active == rollout.version()) {
      return member.inState(RolloutState.ACTIVE, null, active, now);
    }
    LocalChange unloaded = unloadedLocally(report);
    if (unloaded != null) {
      return member.inState(
          RolloutState.PENDING,
          "unloaded on the device through its local API at "
              + unloaded.at()
              + "; the next change of its desired state loads it again",
          active,
          now);
    }
    PendingTarget pending = report == null ? null : report.pending();
    if (pending != null
        && pending.deploymentId() == rollout.id()
        && pending.version() == rollout.version()) {
      return switch (pending.phase()) {
        case DOWNLOADING -> member.inState(RolloutState.DOWNLOADING, pending.detail(), active, now);
        case RETRYING ->
            member.inState(
                RolloutState.DOWNLOADING,
                "retrying after: " + Objects.requireNonNullElse(pending.detail(), "an error"),
                active,
                now);
        case WAITING_FOR_WINDOW ->
            member.inState(
                RolloutState.WAITING_FOR_WINDOW,
                Objects.requireNonNullElse(pending.detail(), "waiting for the maintenance window"),
                active,
                now);
      };
    }
    if (report != null && failedThis(report, rollout.id(), rollout.version())) {
      return member.inState(
          RolloutState.FAILED,
          Objects.requireNonNullElse(report.error(), "the device reported a failure"),
          active,
          now);
    }
    if (unreachable(rollout, member, device, now)) {
      return member.inState(RolloutState.UNREACHABLE, noContact(device, rollout), active, now);
    }
    return member.inState(
        RolloutState.PENDING, "given v" + rollout.version() + ", not reported yet", active, now);
  }

  private static Member rolledBack(
      Rollout rollout, Member member, ModelReport report, Long active, Instant now) {
    if (report != null
        && failedThis(report, rollout.id(), rollout.version())
        && !Objects.equals(active, rollout.version())) {
      // It never ran the version: it stays FAILED with the agent's reason, which says why.
      return member.inState(
          RolloutState.FAILED,
          Objects.requireNonNullElse(report.error(), "the device reported a failure")
              + " (never ran v"
              + rollout.version()
              + ", so nothing to roll back)",
          active,
          now);
    }
    Long back = member.previousVersion();
    if (back == null) {
      return member.inState(
          RolloutState.ROLLED_BACK,
          "ran no version of " + rollout.model() + " before; no longer given one by this rollout",
          active,
          now);
    }
    if (Objects.equals(active, back)) {
      return member.inState(RolloutState.ROLLED_BACK, "back on v" + back, active, now);
    }
    if (report != null && failedThis(report, rollout.id(), back)) {
      return member.inState(
          RolloutState.FAILED,
          "rollback to v" + back + " failed: " + Objects.requireNonNullElse(report.error(), "?"),
          active,
          now);
    }
    RolloutState state =
        report != null && report.pending() != null && report.pending().version() == back
            ? RolloutState.DOWNLOADING
            : RolloutState.PENDING;
    return member.inState(state, "rolling back to v" + back, active, now);
  }

  /**
   * Where a device stands with a version served beside its default one: serving it (beside, or as
   * the default when another deployment made it that), fetching it, refused, or, once the
   * deployment is rolled back, no longer serving it beside.
   */
  private static Member sideBySide(
      Rollout rollout, Member member, ModelReport report, Long active, Instant now) {
    long version = rollout.version();
    SideBySideVersion entry = null;
    if (report != null) {
      for (SideBySideVersion v : report.sideBySide()) {
        if (v.version() == version
            && (entry == null || v.deploymentId() == rollout.id() || v.state() == State.SERVING)) {
          entry = v;
        }
      }
    }
    boolean serving = entry != null && entry.state() == State.SERVING;
    if (rollout.rolledBack()) {
      return serving
          ? member.inState(RolloutState.PENDING, "stopping v" + version + " beside", active, now)
          : member.inState(
              RolloutState.ROLLED_BACK, "no longer serves v" + version + " beside", active, now);
    }
    if (serving || Objects.equals(active, version)) {
      return member.inState(RolloutState.ACTIVE, null, active, now);
    }
    if (entry != null && entry.deploymentId() == rollout.id()) {
      return switch (entry.state()) {
        case DOWNLOADING -> member.inState(RolloutState.DOWNLOADING, entry.detail(), active, now);
        case FAILED ->
            member.inState(
                RolloutState.FAILED,
                Objects.requireNonNullElse(entry.detail(), "the device reported a failure"),
                active,
                now);
        case SERVING -> throw new AssertionError("handled above");
      };
    }
    return member.inState(
        RolloutState.PENDING, "given v" + version + " beside, not reported yet", active, now);
  }

  private static LocalChange unloadedLocally(ModelReport report) {
    if (report == null) {
      return null;
    }
    return report.local().stream()
        .filter(c -> c.action() == LocalChange.Action.UNLOADED)
        .findFirst()
        .orElse(null);
  }

  /** Whether the device has been out of contact for the report deadline since its release. */
  private static boolean unreachable(Rollout rollout, Member member, Device device, Instant now) {
    Instant limit = now.minus(deadline(rollout));
    Instant contact = device == null ? null : device.lastSeenAt();
    return member.releasedAt().isBefore(limit) && (contact == null || contact.isBefore(limit));
  }

  private static String noContact(Device device, Rollout rollout) {
    Instant seen = device == null ? null : device.lastSeenAt();
    return (seen == null ? "never in contact" : "no contact since " + seen)
        + " (report deadline "
        + deadline(rollout)
        + ")";
  }

  static Duration deadline(Rollout rollout) {
    return rollout.plan() == null || rollout.plan().reportDeadline() == null
        ? DEFAULT_REPORT_DEADLINE
        : rollout.plan().reportDeadline();
  }

  /**
   * Whether the device's failure report belongs to this deployment: the same version, and the same
   * deployment where the device says which (older agents do not; then the version decides).
   */
  static boolean failedThis(ModelReport report, long deploymentId, long version) {
    return Objects.equals(report.failedVersion(), version)
        && (report.failedDeployment() == null || report.failedDeployment() == deploymentId);
  }

  static ModelReport report(Device device, String model) {
    if (device == null || device.reported() == null) {
      return null;
    }
    for (ModelReport m : device.reported().models()) {
      if (model.equals(m.name())) {
        return m;
      }
    }
    return null;
  }

  /** The device's counters for this deployment's version, null when it reports none. */
  static VersionStats stats(Device device, Rollout rollout) {
    ModelReport report = report(device, rollout.model());
    if (report == null || report.stats() == null) {
      return null;
    }
    VersionStats stats = report.stats();
    boolean ours =
        stats.version() == rollout.version()
            && (stats.deploymentId() == null || stats.deploymentId() == rollout.id());
    return ours ? stats : null;
  }
}
