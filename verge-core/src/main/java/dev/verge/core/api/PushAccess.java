package dev.verge.core.api;

import java.time.Duration;
import java.util.Objects;

/**
 * How a device hears of desired-state changes pushed over MQTT, issued by {@code POST
 * DEVICES/{id}/push}: a broker, the device's own credentials on it (the password is shown once;
 * each request issues a new one, and the hub keeps only its hash), the topic the hub publishes a
 * "desired state changed" message to, and the topic of the device's retained presence ({@link
 * #ONLINE} while connected, {@link #OFFLINE} as its will). The message's body carries nothing the
 * device must read: on it, the device asks for its desired state over HTTP at once.
 *
 * @param broker {@code tcp://host:port} or {@code ssl://host:port}
 * @param username the device's user on the broker: its device id
 * @param password fresh; the broker accepts it within seconds of the answer
 * @param desiredTopic the device subscribes here (QoS 1)
 * @param presenceTopic the device publishes {@link #ONLINE} here (retained, QoS 1) on connect and
 *     every {@link #PRESENCE_REFRESH} while connected, with a retained {@link #OFFLINE} as its will
 */
public record PushAccess(
    String broker, String username, String password, String desiredTopic, String presenceTopic) {
  public static final String ONLINE = "online";
  public static final String OFFLINE = "offline";

  /** A connected device publishes {@link #ONLINE} again this often. */
  public static final Duration PRESENCE_REFRESH = Duration.ofMinutes(5);

  /**
   * The hub trusts an {@link #ONLINE} no longer than this: a broker killed without sending wills
   * keeps a dead device's retained {@code online}, which only its refreshes stopping reveal.
   */
  public static final Duration PRESENCE_MAX_AGE = PRESENCE_REFRESH.multipliedBy(3);

  public PushAccess {
    Objects.requireNonNull(broker, "broker");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(desiredTopic, "desiredTopic");
    Objects.requireNonNull(presenceTopic, "presenceTopic");
  }

  /** The topic the hub publishes a device's desired-state changes to. */
  public static String desiredTopic(String deviceId) {
    return "verge/devices/" + deviceId + "/desired";
  }

  /** The topic of a device's retained presence. */
  public static String presenceTopic(String deviceId) {
    return "verge/devices/" + deviceId + "/presence";
  }

  /** Never shows the password. */
  @Override
  public String toString() {
    return "PushAccess[broker=" + broker + ", username=" + username + ", password=***]";
  }
}
