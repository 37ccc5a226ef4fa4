package dev.verge.hub.auth;

import dev.verge.hub.HubException;
import dev.verge.hub.device.DeviceStore;
import dev.verge.hub.device.LastContacts;
import java.time.Clock;
import java.time.temporal.ChronoUnit;

/** Turns an {@code Authorization} header into a {@link Principal}, or refuses it. */
public final class Authenticator {
  private static final String SCHEME = "Bearer ";

  private final DeviceStore store;
  private final LastContacts contacts;
  private final AdminToken admin;
  private final Clock clock;

  public Authenticator(DeviceStore store, LastContacts contacts, AdminToken admin, Clock clock) {
    this.store = store;
    this.contacts = contacts;
    this.admin = admin;
    this.clock = clock;
  }

  /**
   * The admin or the device the bearer token belongs to. A device's {@code lastSeenAt} moves on
   * every call it authenticates, written in the background by {@link LastContacts}.
   *
   * @throws HubException.NotAuthenticated when the header is missing or the token unknown
   */
  public Principal authenticate(String authorization) {
    String hash = Tokens.hash(bearer(authorization));
    if (admin.matches(hash)) {
      return new Principal.Admin();
    }
    String deviceId =
        store
            .deviceIdByCredential(hash)
            .orElseThrow(
                () ->
                    new HubException.NotAuthenticated(
                        "the bearer token is not valid for this hub"));
    contacts.seen(deviceId, clock.instant().truncatedTo(ChronoUnit.MILLIS));
    return new Principal.Device(deviceId);
  }

  /** The token in an {@code Authorization: Bearer <token>} header. */
  public static String bearer(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw new HubException.NotAuthenticated(
          "missing Authorization header; send 'Authorization: Bearer <token>'");
    }
    if (!authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      throw new HubException.NotAuthenticated(
          "the Authorization header must use the Bearer scheme: 'Authorization: Bearer <token>'");
    }
    String token = authorization.substring(SCHEME.length()).strip();
    if (token.isEmpty()) {
      throw new HubException.NotAuthenticated("the Authorization header has an empty bearer token");
    }
    return token;
  }
}
