package dev.verge.hub.rollout;

import dev.verge.core.api.DeploymentView.WavePhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.api.RolloutState;
import dev.verge.core.bundle.Digests;
import dev.verge.hub.HubException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Splits a rollout's targeted devices into waves, deterministically: devices are ordered by the
 * SHA-256 of "deployment id/device id" (stable across hubs and restarts, and different per
 * deployment so the same devices are not always the canary), then cut at the plan's cumulative
 * sizes.
 */
final class Layout {
  static final String ALL = "100%";

  private Layout() {}

  /**
   * @throws HubException.InvalidInput naming the field of the plan that cannot be read
   */
  static void validate(RolloutPlan plan) {
    if (plan == null) {
      return;
    }
    if (plan.canary() != null) {
      size(plan.canary(), 100, "rollout.canary");
    }
    for (int i = 0; i < plan.waves().size(); i++) {
      size(plan.waves().get(i), 100, "rollout.waves[" + i + "]");
    }
    requireNonNegative(plan.soak(), "rollout.soak");
    if (plan.reportDeadline() != null
        && (plan.reportDeadline().isNegative() || plan.reportDeadline().isZero())) {
      throw new HubException.InvalidInput(
          "rollout.reportDeadline must be above zero, got " + plan.reportDeadline());
    }
    if (plan.minDevices() != null && plan.minDevices() < 1) {
      throw new HubException.InvalidInput(
          "rollout.minDevices must be 1 or more, got " + plan.minDevices());
    }
    if (plan.minRequests() != null && plan.minRequests() < 0) {
      throw new HubException.InvalidInput(
          "rollout.minRequests must be 0 or more, got " + plan.minRequests());
    }
    for (int i = 0; i < plan.gates().size(); i++) {
      if (plan.gates().get(i) == null) {
        throw new HubException.InvalidInput("rollout.gates[" + i + "] is null");
      }
    }
  }

  private static void requireNonNegative(Duration d, String field) {
    if (d != null && d.isNegative()) {
      throw new HubException.InvalidInput(field + " must not be negative, got " + d);
    }
  }

  /**
   * A wave size: a count ({@code "3"}) or a share ({@code "5%"}, rounded up, at least one device
   * when there are any) of {@code targeted}, at most {@code targeted}.
   */
  static int size(String spec, int targeted, String field) {
    String s = spec == null ? "" : spec.strip();
    try {
      if (s.endsWith("%")) {
        double share = Double.parseDouble(s.substring(0, s.length() - 1).strip());
        if (!(share > 0 && share <= 100)) {
          throw new HubException.InvalidInput(
              field + " must be a share above 0% and at most 100%, got '" + spec + "'");
        }
        return Math.min(targeted, (int) Math.ceil(share * targeted / 100 - 1e-9));
      }
      long count = Long.parseLong(s);
      if (count < 1) {
        throw new HubException.InvalidInput(
            field + " must be a count of 1 or more, got '" + spec + "'");
      }
      return (int) Math.min(targeted, count);
    } catch (NumberFormatException e) {
      throw new HubException.InvalidInput(
          field + " must be a device count (3) or a share (5%), got '" + spec + "'");
    }
  }

  /** The waves and members of a new rollout of deployment {@code id}. */
  static RolloutStore.Layout of(long id, RolloutPlan plan, List<String> deviceIds, Instant now) {
    List<String> ordered =
        deviceIds.stream().sorted(Comparator.comparing((String d) -> rank(id, d))).toList();
    int n = ordered.size();
    List<String> names = new ArrayList<>();
    List<String> targets = new ArrayList<>();
    List<Integer> ends = new ArrayList<>();
    if (plan == null) {
      names.add("all");
      targets.add(ALL);
      ends.add(n);
    } else {
      if (plan.canary() != null) {
        names.add("canary");
        targets.add(plan.canary().strip());
        ends.add(Math.max(n == 0 ? 0 : 1, size(plan.canary(), n, "rollout.canary")));
      }
      List<String> waves = plan.waves().isEmpty() ? List.of(ALL) : plan.waves();
      for (int i = 0; i < waves.size(); i++) {
        int end = size(waves.get(i), n, "rollout.waves[" + i + "]");
        if (!ends.isEmpty() && end <= ends.getLast() && n > 0) {
          continue; // Adds no device: the sizes are cumulative.
        }
        names.add("wave " + (names.size() - (plan.canary() == null ? 0 : 1) + 1));
        targets.add(waves.get(i).strip());
        ends.add(end);
      }
      if (ends.isEmpty() || ends.getLast() < n) {
        names.add("wave " + (names.size() - (plan.canary() == null ? 0 : 1) + 1));
        targets.add(ALL);
        ends.add(n);
      }
    }
    List<Wave> waves = new ArrayList<>();
    List<Member> members = new ArrayList<>();
    int start = 0;
    for (int w = 0; w < ends.size(); w++) {
      waves.add(
          new Wave(w, names.get(w), targets.get(w), WavePhase.WAITING, null, null, List.of()));
      int end = Math.max(start, ends.get(w));
      for (String device : ordered.subList(start, end)) {
        members.add(
            new Member(device, w, null, null, RolloutState.PENDING, "wave not started", null, now));
      }
      start = end;
    }
    return new RolloutStore.Layout(waves, members);
  }

  /** The device's place in the deployment's order. */
  static String rank(long deploymentId, String deviceId) {
    return Digests.sha256Hex(
        (deploymentId + "/" + deviceId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
