package dev.verge.hub.device;

import dev.verge.core.api.ReportedState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Enrollment tokens and enrolled devices. Safe for concurrent use; each method is one transaction.
 * Failures are {@link dev.verge.hub.HubException.StoreFailure} or {@link
 * dev.verge.hub.HubException.StoreBusy}. Instants are kept to the millisecond.
 */
public interface DeviceStore {
  void addEnrollmentToken(String tokenHash, Instant createdAt, Instant expiresAt, String note);

  /**
   * Uses up the enrollment token and adds the device, atomically: of several calls with one token,
   * at most one succeeds.
   *
   * @return false, adding nothing, when the token is unknown, used or expired at {@code now}
   */
  boolean enroll(String tokenHash, Instant now, NewDevice device);

  Optional<String> deviceIdByCredential(String credentialHash);

  Optional<Device> device(String id);

  /** Every device, in enrollment order. */
  List<Device> devices();

  /**
   * Up to {@code query.limit()} devices that match it, in enrollment order; every query runs on
   * indexes (the effective labels are kept in a table of their own, in step with each change).
   */
  List<Device> search(DeviceQuery query);

  /** How many devices are enrolled, and how many of them were seen at or after {@code since}. */
  Counts count(Instant since);

  /** Device counts. */
  record Counts(long devices, long online) {}

  /**
   * Moves each device's last contact forward to its instant, never back, in one transaction;
   * unknown ids are skipped.
   */
  void touchDevices(Map<String, Instant> seenAt);

  /**
   * Replaces the device's operator labels with what {@code change} makes of them, atomically; an
   * exception from {@code change} saves nothing.
   *
   * @return the device after the change; empty, changing nothing, when no device has this id
   */
  Optional<Device> changeOperatorLabels(String id, UnaryOperator<OperatorLabels> change);

  /**
   * Keeps the report; its labels, when not null, replace the device's reported labels, and its
   * hardware profile, when not null, the device's profile. The labels' table is written only when
   * the device's effective labels change.
   *
   * @return false, saving nothing, when no device has this id
   */
  boolean saveReported(String id, ReportedState state, Instant reportedAt);
}
