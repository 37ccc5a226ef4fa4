package dev.verge.hub.device;

import dev.verge.core.api.ReportedState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

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

  /** Moves the device's last contact forward to {@code seenAt}; never back. */
  void touchDevice(String id, Instant seenAt);

  /**
   * Keeps the report; its labels, when not null, replace the device's labels.
   *
   * @return false, saving nothing, when no device has this id
   */
  boolean saveReported(String id, ReportedState state, Instant reportedAt);
}
