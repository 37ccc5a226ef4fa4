package dev.verge.hub.push;

import dev.verge.core.api.PushAccess;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The devices whose last presence message said {@link PushAccess#ONLINE}, each with when it was
 * heard. An {@code online} older than {@code maxAge} no longer counts: connected devices refresh
 * theirs every {@link PushAccess#PRESENCE_REFRESH}, and a broker killed without sending wills keeps
 * a dead device's retained {@code online} (delivered again to each new subscription) for ever.
 */
final class Presence {
  private final Map<String, Instant> online = new ConcurrentHashMap<>();
  private final Duration maxAge;

  Presence(Duration maxAge) {
    this.maxAge = maxAge;
  }

  /** The device said {@code online} at {@code now}. */
  void online(String device, Instant now) {
    online.put(device, now);
  }

  /** The device said {@code offline}, or its will did. */
  void offline(String device) {
    online.remove(device);
  }

  /** The devices present at {@code now}; those not refreshed within the maximum age are dropped. */
  List<String> current(Instant now) {
    Instant oldest = now.minus(maxAge);
    online.entrySet().removeIf(entry -> entry.getValue().isBefore(oldest));
    return List.copyOf(online.keySet());
  }

  int size() {
    return online.size();
  }
}
