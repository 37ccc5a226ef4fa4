package dev.verge.hub.device;

import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.EnrollmentToken;
import dev.verge.core.api.EnrollmentTokenRequest;
import dev.verge.hub.HubException;
import dev.verge.hub.auth.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One-time enrollment tokens, and the enrollment that trades one for a device id and credential.
 */
public final class Enrollment {
  public static final Duration DEFAULT_TTL = Duration.ofHours(24);
  public static final Duration MAX_TTL = Duration.ofDays(365);
  public static final String DEVICE_ID_PREFIX = "dev-";
  private static final int MAX_TEXT = 200;
  private static final System.Logger LOG = System.getLogger(Enrollment.class.getName());

  private final DeviceStore store;
  private final Clock clock;

  public Enrollment(DeviceStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** A new token; {@code request} may be null for the defaults. */
  public EnrollmentToken createToken(EnrollmentTokenRequest request) {
    Duration ttl = DEFAULT_TTL;
    String note = null;
    if (request != null) {
      if (request.ttlSeconds() != null) {
        if (request.ttlSeconds() < 1 || request.ttlSeconds() > MAX_TTL.toSeconds()) {
          throw new HubException.InvalidInput(
              "ttlSeconds must be between 1 and "
                  + MAX_TTL.toSeconds()
                  + ", got "
                  + request.ttlSeconds());
        }
        ttl = Duration.ofSeconds(request.ttlSeconds());
      }
      note = requireShort(request.note(), "note");
    }
    Instant now = now();
    Instant expiresAt = now.plus(ttl);
    String token = Tokens.generate(Tokens.ENROLLMENT_PREFIX);
    store.addEnrollmentToken(Tokens.hash(token), now, expiresAt, note);
    return new EnrollmentToken(token, expiresAt);
  }

  /**
   * Enrolls a device, using up {@code enrollmentToken}.
   *
   * @throws HubException.NotAuthenticated when the token is unknown, used or expired
   */
  public EnrollResponse enroll(String enrollmentToken, EnrollRequest request) {
    if (request == null) {
      throw new HubException.InvalidInput(
          "the request body is empty; expected a JSON EnrollRequest");
    }
    Labels.requireValid(request.labels(), "labels");
    String id = DEVICE_ID_PREFIX + Tokens.randomHex(6);
    String name = requireShort(request.name(), "name");
    String credential = Tokens.generate(Tokens.DEVICE_PREFIX);
    NewDevice device =
        new NewDevice(
            id,
            name == null || name.isBlank() ? id : name,
            request.labels(),
            Tokens.hash(credential),
            requireShort(request.agentVersion(), "agentVersion"),
            requireShort(request.platform(), "platform"),
            now());
    if (!store.enroll(Tokens.hash(enrollmentToken), device.enrolledAt(), device)) {
      throw new HubException.NotAuthenticated(
          "the enrollment token is unknown, already used or expired; ask for a new one");
    }
    LOG.log(System.Logger.Level.INFO, "Enrolled device {0} ({1})", id, device.name());
    return new EnrollResponse(id, credential);
  }

  private static String requireShort(String text, String what) {
    if (text != null && text.length() > MAX_TEXT) {
      throw new HubException.InvalidInput(
          what + " must be at most " + MAX_TEXT + " characters, got " + text.length());
    }
    return text;
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
