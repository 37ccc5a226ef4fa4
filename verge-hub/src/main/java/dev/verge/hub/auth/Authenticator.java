package dev.verge.hub.auth;

import dev.verge.hub.HubException;
import dev.verge.hub.device.DeviceStore;
import dev.verge.hub.device.LastContacts;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns an {@code Authorization} header into a {@link Principal}, or refuses it. Device credentials
 * found in the store are remembered (hash to device id; a credential never changes owner and
 * devices are not deleted), so a device's calls after its first do not read the database to
 * authenticate. Unknown tokens are not remembered.
 */
public final class Authenticator {
  private static final String SCHEME = "Bearer ";

  /** Credentials remembered before the map is emptied and starts again (about 200 bytes each). */
  private static final int MAX_REMEMBERED = 2_000_000;

  private final Map<String, String> deviceByCredential = new ConcurrentHashMap<>();

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
    String deviceId = deviceByCredential.get(hash);
    if (deviceId == null) {
      deviceId =
          store
              .deviceIdByCredential(hash)
              .orElseThrow(
                  () ->
                      new HubException.NotAuthenticated(
                          "the bearer token is not valid for this hub"));
      if (deviceByCredential.size() >= MAX_REMEMBERED) {
        deviceByCredential.clear();
      }
      deviceByCredential.put(hash, deviceId);
    }
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
