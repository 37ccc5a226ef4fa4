package dev.verge.hub.device;

import dev.verge.hub.HubException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * The opaque cursor of a device page: where the page ended in enrollment order, as {@code
 * v1:<enrolledAt ms>:<device id>} in URL-safe base64. It does not depend on the search, so a client
 * may change the filters between pages without losing its place.
 */
final class DeviceCursor {
  private static final int MAX_LENGTH = 512;
  private static final String VERSION = "v1:";

  private DeviceCursor() {}

  static String of(DeviceQuery.Position position) {
    String plain = VERSION + position.enrolledAt().toEpochMilli() + ":" + position.id();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * @throws HubException.InvalidInput when {@code cursor} is not one {@link #of} made
   */
  static DeviceQuery.Position parse(String cursor) {
    if (cursor.length() > MAX_LENGTH) {
      throw invalid("is " + cursor.length() + " characters long");
    }
    String plain;
    try {
      plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid("is not URL-safe base64");
    }
    int colon = plain.indexOf(':', VERSION.length());
    if (!plain.startsWith(VERSION) || colon < 0 || colon == plain.length() - 1) {
      throw invalid("does not hold a position");
    }
    try {
      long millis = Long.parseLong(plain.substring(VERSION.length(), colon));
      return new DeviceQuery.Position(Instant.ofEpochMilli(millis), plain.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw invalid("does not hold a position");
    }
  }

  private static HubException.InvalidInput invalid(String why) {
    return new HubException.InvalidInput(
        "cursor " + why + "; send the nextCursor of the previous page as it came");
  }
}
